"""manage.py evaluate --year Y [--area CODE]: judge the county against every indicator."""

from django.core.management.base import BaseCommand, CommandError

from compliance.evaluation import county_of, evaluate
from dataio.progress import ProgressBar
from layers.models import AdminArea


class Command(BaseCommand):
    help = "Evaluate every indicator for a county and year, storing the results."

    def add_arguments(self, parser):
        parser.add_argument(
            "--year",
            type=int,
            required=True,
            action="append",
            help="year to evaluate (repeat for several)",
        )
        parser.add_argument("--area", help="county code (default: the county in the database)")

    def handle(self, *args, **opts):
        try:
            area = county_of(opts["area"])
        except AdminArea.DoesNotExist:
            raise CommandError(f"no county {opts['area'] or ''} in the database") from None
        progress = ProgressBar(enabled=opts["verbosity"] > 0)
        for year in opts["year"]:
            result = evaluate(area=area, year=year, progress=progress)
            counts: dict[str, int] = {}
            for row in result.rows:
                counts[row.verdict.status] = counts.get(row.verdict.status, 0) + 1
            if opts["verbosity"] > 0:
                summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
                self.stdout.write(f"{area.name} {year}: {len(result.rows)} results ({summary})")
        progress.close()
