"""One import per target at a time: a transaction-level advisory lock per layer or record kind."""

from __future__ import annotations

from django.conf import settings
from django.db import connection

from dataio.importing.errors import ImportFailed, RowError


def import_lock(target: str) -> None:
    """Take the import lock of `target` for the current transaction, or refuse at once.

    Two imports of the same layer at once would race on the same natural keys (and, for
    pipes, on the nodes they create); the second is refused clearly instead, writing nothing.
    The lock goes with the transaction, so a killed import never leaves it held.
    """
    with connection.cursor() as cur:
        # An import is bounded in time as well as size (IMPORT_STATEMENT_TIMEOUT_S per
        # statement, for this transaction only).
        cur.execute(
            "SELECT set_config('statement_timeout', %s, true)",
            [f"{int(settings.IMPORT_STATEMENT_TIMEOUT_S * 1000)}ms"],
        )
        # The import's statements cost far above jit_above_cost, and each compiled its plan
        # for ~0.1-0.3 s before it ran; they are scans and joins JIT hardly speeds up.
        cur.execute("SELECT set_config('jit', 'off', true)")
        cur.execute(
            "SELECT pg_try_advisory_xact_lock(hashtextextended(%s, 0))", [f"import:{target}"]
        )
        (taken,) = cur.fetchone()
    if not taken:
        raise ImportFailed(
            [
                RowError(
                    0,
                    "",
                    f"another import of {target!r} is running; "
                    "nothing was written, try again when it has finished",
                )
            ]
        )
