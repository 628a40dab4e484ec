"""Prepare the consumption table's yearly partitions (run each January, e.g. from cron)."""

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone


class Command(BaseCommand):
    help = (
        "Create the yearly partitions of consumption up to next year (or --until), moving "
        "rows that wait in the default partition into their year."
    )

    def add_arguments(self, parser):
        parser.add_argument("--until", type=int, help="last year to prepare (default: next)")

    def handle(self, *args, until=None, **opts):
        until = until or timezone.localdate().year + 1
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("SELECT extract(year FROM min(month))::int FROM layers_consumption_default")
            waiting = cur.fetchone()[0]
            first = min(y for y in (waiting, timezone.localdate().year) if y is not None)
            for year in range(first, until + 1):
                cur.execute("SELECT consumption_partition_ensure(%s)", [year])
            cur.execute(
                "SELECT count(*) FROM pg_inherits WHERE inhparent = 'layers_consumption'::regclass"
            )
            self.stdout.write(f"consumption: {cur.fetchone()[0]} partitions (default included)")
