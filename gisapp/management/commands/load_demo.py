"""manage.py load_demo [--force] [--scale S] [--seed N]: the Lianzhou demo data, once."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dataio.importing import ImportFailed
from dataio.progress import ProgressBar
from demo.load import demo_is_loaded, demo_load


class Command(BaseCommand):
    help = "Generate and load the Lianzhou demo data (skipped when already loaded)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="load even if loaded before")
        parser.add_argument("--scale", type=float, default=1.0)
        parser.add_argument("--seed", type=int, default=441882)
        parser.add_argument("--out", type=Path, default=Path(settings.BASE_DIR) / "data" / "demo")

    def handle(self, *args, **opts):
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError(
                "demo data (with published demo passwords) is disabled in "
                "these settings (DEMO_DATA_ALLOWED is False)"
            )
        if demo_is_loaded() and not opts["force"]:
            self.stdout.write("Demo data already loaded (use --force to load again).")
            return
        progress = ProgressBar(enabled=opts["verbosity"] > 0)
        try:
            demo_load(
                out_dir=opts["out"],
                seed=opts["seed"],
                scale=opts["scale"],
                progress=progress,
                log=self.stdout.write if opts["verbosity"] > 0 else (lambda _m: None),
            )
        except ImportFailed as exc:
            raise CommandError(f"demo data refused: {exc}") from None
        finally:
            progress.close()
