"""manage.py hydraulics_run: simulate the network (steady state + extended period), store node
pressures, print the run's summary; --import FILE.inp runs a file from elsewhere instead.
--county CODE runs one county's network only, as its own users would (docs/areas.md): that is
the run its users see and its service-pressure verdicts rest on."""

from contextlib import nullcontext
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from layers.models import AdminArea
from layers.scope import AreaScope, scope_bound
from network.hydraulics.services import (
    DEFAULT_MIN_PRESSURE_MPA,
    hydraulics_import,
    hydraulics_run,
)
from network.services.rules import NetworkError


class Command(BaseCommand):
    help = "Run the network's hydraulics with WNTR/EPANET and store each junction's pressures."

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=24, help="extended period (0: steady)")
        parser.add_argument("--engine", choices=("epanet", "wntr"), default="epanet")
        parser.add_argument("--month", type=int, help="month of the demand factor (default peak)")
        parser.add_argument("--zone", help="only the pipes of this supply zone (code)")
        parser.add_argument(
            "--min-pressure-mpa", type=float, default=DEFAULT_MIN_PRESSURE_MPA, dest="min_mpa"
        )
        parser.add_argument("--demand-model", choices=("PDA", "DDA"), default="PDA")
        parser.add_argument("--import", dest="inp", type=Path, help="a .inp file run elsewhere")
        parser.add_argument(
            "--county", help="only this county's network (its code), as its own users see it"
        )

    def handle(self, *args, **o):
        def progress(text: str) -> None:
            self.stdout.write(f"… {text}")
            self.stdout.flush()

        scope = nullcontext()
        if o["county"]:
            county = AdminArea._base_manager.filter(level="county", code=o["county"]).first()
            if county is None:
                raise CommandError(f"no county {o['county']}")
            area = AreaScope(frozenset({county.id}))
            scope = scope_bound(lambda: area)
        try:
            with scope:
                run = self.run(o, progress)
        except NetworkError as exc:
            raise CommandError(exc.message) from None
        for warning in run.warnings:
            self.stdout.write(f"warning: {warning}")
        self.stdout.write(
            f"run {run.pk} {run.status} in {run.duration_s} s: {run.node_count} junctions, "
            f"{run.reservoir_count} reservoirs, {run.pipe_count} pipes; {run.below_count} "
            f"junctions below {run.options['min_pressure_m']} m"
        )

    def run(self, o: dict, progress):
        """The import or the run the options ask for."""
        if o["inp"]:
            if not o["inp"].is_file():
                raise CommandError(f"no file {o['inp']}")
            return hydraulics_import(
                content=o["inp"].read_bytes(),
                file_name=o["inp"].name,
                hours=o["hours"],
                engine=o["engine"],
                min_pressure_mpa=o["min_mpa"],
                progress=progress,
            )
        return hydraulics_run(
            hours=o["hours"],
            engine=o["engine"],
            month=o["month"],
            zone=o["zone"],
            min_pressure_mpa=o["min_mpa"],
            demand_model=o["demand_model"],
            progress=progress,
        )
