"""manage.py evaluation_worker [--once]: keep stored verdicts current after every write."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from compliance.worker import evaluate_stale, listener_conninfo, worker_loop


class Command(BaseCommand):
    help = (
        "Re-evaluate the verdicts a write made stale (listens for the database's change "
        "notifications). --once: one pass, then exit."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="one pass, then exit")
        parser.add_argument(
            "--poll", type=float, default=60.0, help="seconds between passes without news"
        )

    def handle(self, *args, **opts):
        def report(done):
            if done and opts["verbosity"] > 0:
                pairs = ", ".join(f"{code} {year}" for code, year in done)
                self.stdout.write(f"re-evaluated: {pairs}")

        if opts["once"]:
            report(evaluate_stale())
            return
        if settings.DATABASE_POOLED:
            # LISTEN belongs to a session; a transaction-mode pooler hands the session to
            # others between statements and the notifications never arrive (docs/scaling.md).
            raise CommandError(
                "the evaluation worker listens for notifications and needs a direct connection "
                "to the primary: set DATABASE_URL to the primary and DATABASE_POOLED=false"
            )
        # Stopped by a signal: a pass cut short rolls back whole (one transaction per year).
        if opts["verbosity"] > 0:
            self.stdout.write("evaluation worker: listening for data changes")
        worker_loop(
            listener_conninfo(),
            poll_seconds=opts["poll"],
            on_done=report,
        )
