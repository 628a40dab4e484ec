"""manage.py load_demo [--county CODE] [--force] [--scale S] [--seed N]: the demo counties, once.

Into a fresh database: the city outline (清远市), Lianzhou (441882, the full demo) and the
second county (阳山县 441823, demo.county2). A database holding the demo is left alone unless
--force, which loads again the demo counties it holds; --county loads that one county (e.g.
`--county 441823` adds 阳山 to a database loaded before it existed).
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dataio.importing import ImportFailed
from dataio.progress import ProgressBar
from demo.common import COUNTY_CODE
from demo.county2 import PROFILES
from demo.load import demo_accounts_create, demo_is_loaded, demo_load
from demo.load_county import city_load, county_is_loaded, county_load


class Command(BaseCommand):
    help = "Generate and load the demo counties (each skipped when already loaded)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="load even if loaded before")
        parser.add_argument("--scale", type=float, default=1.0, help="Lianzhou's scale")
        parser.add_argument("--seed", type=int, default=441882, help="Lianzhou's seed")
        parser.add_argument("--out", type=Path, default=Path(settings.BASE_DIR) / "data" / "demo")
        parser.add_argument(
            "--county",
            choices=[COUNTY_CODE, *PROFILES],
            help="load only this county (default: all demo counties)",
        )

    def handle(self, *args, **opts):
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError(
                "demo data (with published demo passwords) is disabled in "
                "these settings (DEMO_DATA_ALLOWED is False)"
            )
        every = [COUNTY_CODE, *PROFILES]
        loaded = {
            code: demo_is_loaded() if code == COUNTY_CODE else county_is_loaded(PROFILES[code])
            for code in every
        }
        if opts["county"]:
            codes = [opts["county"]]
        else:  # a fresh database gets every county; a loaded one, those it holds
            codes = [code for code in every if loaded[code]] or every
        if all(loaded[code] for code in codes) and not opts["force"]:
            self.stdout.write("Demo data already loaded (use --force to load again).")
            return
        progress = ProgressBar(enabled=opts["verbosity"] > 0)
        log = self.stdout.write if opts["verbosity"] > 0 else (lambda _m: None)
        try:
            city_load(progress=progress, log=log)  # the counties' parent
            for code in codes:
                if loaded[code] and not opts["force"]:
                    log(f"{code} already loaded")
                elif code == COUNTY_CODE:
                    demo_load(
                        out_dir=opts["out"],
                        seed=opts["seed"],
                        scale=opts["scale"],
                        progress=progress,
                        log=log,
                    )
                else:
                    county_load(
                        PROFILES[code], out_dir=opts["out"] / code, progress=progress, log=log
                    )
            demo_accounts_create()  # again: each account's area may have been loaded last
        except ImportFailed as exc:
            raise CommandError(f"demo data refused: {exc}") from None
        finally:
            progress.close()
