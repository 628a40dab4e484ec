"""A progress bar on stderr for long commands (imports, generation, evaluation)."""

from __future__ import annotations

import sys

from django.core.management.base import CommandError
from tqdm import tqdm

from audit.services import audit_import
from dataio.importing import ImportFailed


class ProgressBar:
    """Callable (step, done, total) → one tqdm bar per step; silent when verbosity is 0."""

    def __init__(self, enabled: bool = True):
        self.enabled = enabled
        self.bars: dict[str, tqdm] = {}

    def __call__(self, step: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        for other in [s for s in self.bars if s != step]:  # a new step ends the others
            self.bars.pop(other).close()
        bar = self.bars.get(step)
        if bar is None:
            bar = self.bars[step] = tqdm(
                total=total or None,
                desc=step,
                file=sys.stderr,
                unit="row",
                leave=False,
                mininterval=0.5,
            )
        bar.update(done - bar.n)
        if total and done >= total:
            bar.close()
            del self.bars[step]

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()
        self.bars.clear()


def run_import(command, opts: dict, do_import, *, kind: str = "", target: str = "") -> None:
    """Run an import service under a progress bar; print its report or every refused row.

    do_import(progress) -> ImportReport. A refusal becomes a CommandError (non-zero exit).
    Either way the audit log records the import (actor 'system', file, rows, outcome).
    """
    progress = ProgressBar(enabled=opts["verbosity"] > 0)
    try:
        report = do_import(progress)
    except ImportFailed as exc:
        audit_import(kind=kind, target=target, path=opts["file"], errors=exc.errors)
        for error in exc.errors:
            command.stderr.write(str(error))
        raise CommandError(
            f"import refused: {len(exc.errors)} problem(s); nothing was written"
        ) from None
    finally:
        progress.close()
    audit_import(kind=kind, target=target, path=opts["file"], report=report)
    if opts["verbosity"] > 0:
        command.stdout.write(report.summary(details=report.dry_run or opts["verbosity"] > 1))
