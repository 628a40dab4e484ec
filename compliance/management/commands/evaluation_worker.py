"""manage.py evaluation_worker [--once]: keep stored verdicts current after every write."""

from django.core.management.base import BaseCommand

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
        # Stopped by a signal: a pass cut short rolls back whole (one transaction per year).
        if opts["verbosity"] > 0:
            self.stdout.write("evaluation worker: listening for data changes")
        worker_loop(
            listener_conninfo(),
            poll_seconds=opts["poll"],
            on_done=report,
        )
