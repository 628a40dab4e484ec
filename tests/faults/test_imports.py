"""Imports under faults: killed half-way (SIGKILL while writing) and two at once."""

from __future__ import annotations

import csv
import signal
import subprocess
from pathlib import Path

import pytest

from tests.faults.waiting import wait_for
from tests.operations.dbtools import admin, one

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
STATE = (
    "SELECT count(*), md5(string_agg(concat_ws(':', user_id, month, volume_m3, metered), ',' "
    "ORDER BY user_id, month)) FROM layers_consumption"
)
STAGING = "SELECT count(*) FROM pg_class WHERE relname LIKE '\\_import\\_%'"


def consumption_csv(path: Path, scratch, years: range, volume: float) -> Path:
    """Every demo water user × every month of `years`, all with the same volume."""
    with admin(scratch.name) as conn:
        users = [code for (code,) in conn.execute("SELECT code FROM layers_wateruser ORDER BY 1")]
    with path.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["user_code", "month", "volume_m3", "metered"])
        for code in users:
            for year in years:
                for month in range(1, 13):
                    out.writerow([code, f"{year}-{month:02d}", volume, "true"])
    return path


def start_import(scratch, path: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "python"),
            "manage.py",
            "import_records",
            "consumption",
            str(path),
            "-v",
            "0",
        ],
        cwd=ROOT,
        env=scratch.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def state(scratch) -> tuple:
    with admin(scratch.name) as conn:
        return tuple(conn.execute(STATE).fetchone())


def copy_backend(scratch) -> int | None:
    with admin() as conn:
        row = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND query ILIKE 'COPY%%'",
            [scratch.name],
        ).fetchone()
    return row[0] if row else None


def backend_gone(pid: int) -> bool:
    return not one("postgres", "SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])


class KilledImportTests:
    def test_an_import_killed_while_writing_leaves_no_trace(self, scratch, tmp_path):
        big = consumption_csv(tmp_path / "big.csv", scratch, range(2000, 2010), 7.5)  # 240k rows
        before = state(scratch)
        process = start_import(scratch, big)
        try:
            pid = wait_for(
                lambda: copy_backend(scratch) or process.poll() is not None,
                300,
                "the import's COPY",
            )
            assert process.poll() is None, "the import ended before it was killed"
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
        assert process.returncode == -signal.SIGKILL
        wait_for(lambda: backend_gone(pid), 60, "the killed import's session to end")
        assert state(scratch) == before
        assert one(scratch.name, STAGING) == 0
        assert (
            one(scratch.name, "SELECT count(*) FROM layers_consumption WHERE month < '2010-01-01'")
            == 0
        )
        # Its lock went with its session: the next import of the kind runs.
        small = consumption_csv(tmp_path / "small.csv", scratch, range(2001, 2002), 1.0)
        rerun = start_import(scratch, small)
        assert rerun.wait(timeout=300) == 0, rerun.stderr.read()
        assert state(scratch)[0] == before[0] + 2000 * 12


class ConcurrentImportTests:
    def test_two_overlapping_imports_at_once_equal_one_serial_order(self, scratch, tmp_path):
        first = consumption_csv(tmp_path / "a.csv", scratch, range(2030, 2033), 1.0)
        second = consumption_csv(tmp_path / "b.csv", scratch, range(2031, 2034), 2.0)
        a, b = start_import(scratch, first), start_import(scratch, second)
        results = [(p.wait(timeout=600), p.stderr.read()) for p in (a, b)]
        codes = sorted(code for code, _err in results)
        refused = [err for code, err in results if code != 0]
        volumes = dict(
            admin_rows(
                scratch,
                "SELECT extract(year FROM month)::int, array_agg(DISTINCT volume_m3) "
                "FROM layers_consumption WHERE month >= '2030-01-01' GROUP BY 1",
            )
        )
        dupes = one(
            scratch.name,
            "SELECT count(*) FROM (SELECT 1 FROM layers_consumption "
            "GROUP BY user_id, month HAVING count(*) > 1) d",
        )
        assert dupes == 0
        if codes == [0, 0]:  # one after the other: the overlap (2031-32) holds one file's values
            assert volumes[2030] == [1.0] and volumes[2033] == [2.0]
            assert volumes[2031] == volumes[2032] and volumes[2031] in ([1.0], [2.0])
        else:  # one was refused, clearly, and wrote nothing
            assert codes == [0, 1]
            assert "another import of 'consumption' is running" in refused[0]
            assert "nothing was written" in refused[0]
            winner = 1.0 if a.returncode == 0 else 2.0
            years = range(2030, 2033) if winner == 1.0 else range(2031, 2034)
            assert volumes == {year: [winner] for year in years}
        counts = admin_rows(
            scratch,
            "SELECT count(*) FROM layers_consumption WHERE month >= '2030-01-01' "
            "GROUP BY extract(year FROM month)",
        )
        assert all(count == 2000 * 12 for (count,) in counts)

    def test_an_import_is_refused_while_another_of_its_kind_holds_the_lock(self, scratch, tmp_path):
        path = consumption_csv(tmp_path / "c.csv", scratch, range(2040, 2041), 3.0)
        before = state(scratch)
        with admin(scratch.name) as holder:  # stands for an import that is running
            holder.execute("SELECT pg_advisory_lock(hashtextextended('import:consumption', 0))")
            process = start_import(scratch, path)
            # Refused at once: an import queued behind the lock would time out here.
            code, err = process.wait(timeout=300), process.stderr.read()
        assert code == 1
        assert "another import of 'consumption' is running" in err
        assert state(scratch) == before


def admin_rows(scratch, query: str) -> list[tuple]:
    with admin(scratch.name) as conn:
        return conn.execute(query).fetchall()
