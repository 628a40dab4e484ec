"""The plan's supervision board (督查): task states on hand-made cases, the shipped plan file,
import with a row-level report, the page per department, and progress reports from the page."""

from __future__ import annotations

import csv
import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from dataio.records_export import records_export
from layers.models import AdminArea
from registers.models import PlanTask, PlanTaskNote
from registers.task_board import TaskState, task_board, task_board_summary, task_row
from tests.helpers import tables_fingerprint

HOST = {"HTTP_HOST": "127.0.0.1"}
D = dt.date.fromisoformat


def note(day: str, percent: int) -> PlanTaskNote:
    return PlanTaskNote(noted_on=D(day), percent=percent, note="n")


class TaskStateTests:
    """task_row on unsaved tasks (no database)."""

    task = PlanTask(code="T", title="t", department="d", deadline=D("2025-06-30"))

    def test_states_through_time(self):
        """Deadline 2025-06-30; reports 2025-03-01 at 40 %, 2025-09-10 at 100 %.
        * 2025-01-01: no report yet, not due: not started, 0 %; due soon? 180 days ahead: no.
        * 2025-05-15: 40 % (the March report), 46 days before the deadline (≤ 60): due soon.
        * 2025-07-10: 10 days past the deadline, 40 %: overdue, 10 days late.
        * 2025-12-31: done on 2025-09-10, 72 days after the deadline (Jul 31 + Aug 31 + 10):
          done late, 72 days.
        """
        notes = [note("2025-09-10", 100), note("2025-03-01", 40)]  # any order
        r = task_row(self.task, notes, D("2025-01-01"))
        assert (r.state, r.percent, r.due_soon, r.last_note) == (
            TaskState.NOT_STARTED, 0, False, None
        )  # fmt: skip
        r = task_row(self.task, notes, D("2025-05-15"))
        assert (r.state, r.percent, r.due_soon) == (TaskState.IN_PROGRESS, 40, True)
        r = task_row(self.task, notes, D("2025-07-10"))
        assert (r.state, r.percent, r.days_late, r.late) == (TaskState.OVERDUE, 40, 10, True)
        r = task_row(self.task, notes, D("2025-12-31"))
        assert (r.state, r.percent, r.days_late, r.done_on) == (
            TaskState.DONE_LATE, 100, 72, D("2025-09-10")
        )  # fmt: skip

    def test_done_on_time_and_a_later_lower_report(self):
        """Done on the deadline day (0 days late): done. A later report at 90 % (a slip noted
        after completion) does not undo it: the task was done on 2025-06-30."""
        notes = [note("2025-06-30", 100), note("2025-08-01", 90)]
        r = task_row(self.task, notes, D("2025-12-31"))
        assert (r.state, r.days_late, r.done_on) == (TaskState.DONE, 0, D("2025-06-30"))


@pytest.mark.django_db
class ShippedPlanTests:
    """The demo's plan file (data/plan_tasks.csv), written from the county plan, is loaded."""

    def test_the_plan_is_on_the_board(self):
        """25 tasks: 21 key tasks in five chapters and the plan's four safeguard measures."""
        assert PlanTask.objects.count() == 25
        assert PlanTask.objects.filter(part=PlanTask.Part.SAFEGUARD).count() == 4
        assert PlanTask.objects.filter(title__contains="三同时").exists()
        assert PlanTaskNote.objects.count() > 25

    def test_the_board_tells_the_scorecard_story(self):
        """On 2026-12-03 the differential price for high-use industries (the water-price line
        fails for it) and the 三同时 task are overdue; the water bureau has the most late
        tasks and heads the board."""
        county = AdminArea.objects.get(code="441882")
        board = task_board(county.pk, D("2026-12-03"))
        assert board[0].department == "连州市水利局" and board[0].overdue == 5
        late = {r.task.title for d in board for r in d.tasks if r.state == TaskState.OVERDUE}
        assert "对高耗水行业实行差别水价" in late and "完善建设项目节水“三同时”制度" in late
        summary = task_board_summary(board)
        assert summary == {
            "total": 25, "done": 9, "under_way": 5, "not_started": 0, "overdue": 11
        }  # fmt: skip


def _write(path, header, rows) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


TASK_HEADER = [
    "area_code", "code", "part", "chapter", "title", "description", "department", "partners",
    "deadline",
]  # fmt: skip
NOTE_HEADER = ["task_code", "noted_on", "percent", "note", "reported_by"]


@pytest.mark.django_db
class TaskImportTests:
    def test_good_file_then_bad_rows(self, tmp_path, capsys):
        """A good file adds a task and two reports; a file with four bad rows (unknown task,
        120 %, no date, a date in the future) is refused row by row and stores nothing."""
        tasks = tmp_path / "tasks.csv"
        _write(tasks, TASK_HEADER, [[
            "441882", "441882-X1", "key_task", "（六）试点", "节水示范村", "", "连州市水利局", "",
            "2026-03-31",
        ]])  # fmt: skip
        call_command("import_records", "plan-tasks", str(tasks), verbosity=0)
        notes = tmp_path / "notes.csv"
        _write(notes, NOTE_HEADER, [
            ["441882-X1", "2025-12-01", "30", "选点完成", "水利局"],
            ["441882-X1", "2026-02-01", "60", "两村改造完成", "水利局"],
        ])  # fmt: skip
        call_command("import_records", "plan-task-notes", str(notes), verbosity=0)
        assert PlanTaskNote.objects.filter(task__code="441882-X1").count() == 2

        bad = tmp_path / "bad.csv"
        _write(bad, NOTE_HEADER, [
            ["441882-X9", "2026-03-01", "50", "x", ""],
            ["441882-X1", "2026-03-01", "120", "x", ""],
            ["441882-X1", "", "80", "x", ""],
            ["441882-X1", "2999-01-01", "80", "x", ""],
        ])  # fmt: skip
        before = tables_fingerprint()
        with pytest.raises(CommandError) as err:
            call_command("import_records", "plan-task-notes", str(bad), verbosity=0)
        assert "4 problem(s)" in str(err.value)
        text = capsys.readouterr().err
        assert "row 2, column task_code" in text and "unknown code '441882-X9'" in text
        assert "row 3, column percent" in text and "row 4, column noted_on" in text
        assert "row 5, column noted_on: a progress report cannot be dated in the future" in text
        assert tables_fingerprint() == before

    def test_export_round_trip_changes_nothing(self, tmp_path):
        for kind in ("plan-tasks", "plan-task-notes"):
            path = tmp_path / f"{kind}.xlsx"
            records_export(kind=kind, path=path)
            before = tables_fingerprint()
            call_command("import_records", kind, str(path), verbosity=0)
            assert tables_fingerprint() == before, kind


@pytest.mark.django_db
class TaskBoardPageTests:
    def test_official_sees_late_departments_first(self, client, official):
        """The summary counts, the water bureau first with its five late tasks marked, and no
        report form for an official (officials supervise; they do not report)."""
        client.force_login(official)
        html = client.get("/registers/tasks/?as_of=2026-12-03", **HOST).content.decode()
        assert "任务督查" in html and "逾期" in html
        first = html.index("连州市水利局")
        assert first < html.index("连州市教育局")
        assert html.count('class="task-overdue"') == 11 and html.count('class="dept-late"') == 5
        assert "逾期 521 天" in html and "逾期 337 天" in html  # 2025-06-30, 2025-12-31 deadlines
        assert "报告进展" not in html

    def test_bad_date_is_said_not_a_500(self, client, official):
        client.force_login(official)
        got = client.get("/registers/tasks/?as_of=2026-13-45", **HOST)
        assert got.status_code == 200 and "不是日期" in got.content.decode()
        got = client.get("/registers/tasks/?as_of=1066-10-14", **HOST)
        assert got.status_code == 200 and "2000" in got.content.decode()

    def test_official_cannot_post(self, client, official):
        client.force_login(official)
        task = PlanTask.objects.get(code="441882-ZD3-3")
        data = {"task": task.pk, "noted_on": "2026-11-30", "percent": "50", "note": "x"}
        assert client.post("/registers/tasks/", data, **HOST).status_code == 403

    def test_admin_reports_progress_through_the_rules(self, client, django_user_model):
        """A report is stored and moves the task; 150 %, a future date or a second report on the
        same day are refused with the form's message and store nothing."""
        client.force_login(django_user_model.objects.get(username="admin"))
        task = PlanTask.objects.get(code="441882-ZD3-3")
        ok = {"task": task.pk, "noted_on": "2026-11-30", "percent": "100", "note": "方案印发"}
        got = client.post("/registers/tasks/", ok, **HOST)
        assert got.status_code == 302 and got["Location"].endswith("#task-441882-ZD3-3")
        row = task_row(task, list(task.notes.all()), D("2026-12-03"))
        assert row.state == TaskState.DONE_LATE and row.last_note.reported_by == "admin"
        before = tables_fingerprint()
        future = (dt.date.today() + dt.timedelta(days=30)).isoformat()
        for bad, message in (
            ({**ok, "noted_on": "2026-11-29", "percent": "150"}, "100"),
            ({**ok, "noted_on": future}, "不能晚于今天"),
            ({**ok, "percent": "90"}, "该任务当天已有进展报告"),
        ):
            got = client.post("/registers/tasks/", bad, **HOST)
            assert got.status_code == 400 and message in got.content.decode(), bad
        assert tables_fingerprint() == before
