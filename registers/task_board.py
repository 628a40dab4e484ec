"""The plan's supervision board (督查): each task's state on a given day, and per lead
department what is done, under way and late. Reads only; a task's progress is its latest note
on or before the day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from registers.models import PlanTask, PlanTaskNote

# A task due within this many days and not done is "due soon".
DUE_SOON_DAYS = 60


class TaskState:
    DONE = "done"
    DONE_LATE = "done_late"
    IN_PROGRESS = "in_progress"
    NOT_STARTED = "not_started"
    OVERDUE = "overdue"

    LABELS = {
        DONE: _("Done"),
        DONE_LATE: _("Done late"),
        IN_PROGRESS: _("In progress"),
        NOT_STARTED: _("Not started"),
        OVERDUE: _("Overdue"),
    }


@dataclass
class TaskRow:
    task: PlanTask
    state: str
    percent: int
    last_note: PlanTaskNote | None
    done_on: dt.date | None
    days_late: int  # past the deadline (0 when on time)
    due_soon: bool

    @property
    def state_label(self) -> str:
        return str(TaskState.LABELS[self.state])

    @property
    def late(self) -> bool:
        return self.state in (TaskState.OVERDUE, TaskState.DONE_LATE)


@dataclass
class DepartmentRow:
    department: str
    tasks: list[TaskRow] = field(default_factory=list)

    def count(self, *states: str) -> int:
        return sum(1 for t in self.tasks if t.state in states)

    @property
    def total(self) -> int:
        return len(self.tasks)

    @property
    def done(self) -> int:
        return self.count(TaskState.DONE, TaskState.DONE_LATE)

    @property
    def overdue(self) -> int:
        return self.count(TaskState.OVERDUE)

    @property
    def under_way(self) -> int:
        return self.count(TaskState.IN_PROGRESS)

    @property
    def not_started(self) -> int:
        return self.count(TaskState.NOT_STARTED)


@dataclass(frozen=True)
class TaskBoardState:
    """The board on a day, as reports quote it."""

    as_of: dt.date
    departments: list[DepartmentRow]


def task_row(task: PlanTask, notes: list[PlanTaskNote], as_of: dt.date) -> TaskRow:
    """The task's state on `as_of` from its notes (any order; later ones ignored).

    Done: a note of 100 % on or before the day (late if after the deadline). Otherwise overdue
    when the deadline has passed, else in progress (a note above 0 %) or not started.
    """
    seen = sorted((n for n in notes if n.noted_on <= as_of), key=lambda n: n.noted_on)
    last = seen[-1] if seen else None
    percent = last.percent if last else 0
    done_on = next((n.noted_on for n in seen if n.percent >= 100), None)
    if done_on is not None:
        percent = 100
        late = (done_on - task.deadline).days
        state = TaskState.DONE_LATE if late > 0 else TaskState.DONE
        return TaskRow(task, state, percent, last, done_on, max(late, 0), False)
    days_late = (as_of - task.deadline).days
    if days_late > 0:
        state = TaskState.OVERDUE
    elif percent > 0:
        state = TaskState.IN_PROGRESS
    else:
        state = TaskState.NOT_STARTED
    due_soon = -DUE_SOON_DAYS <= days_late <= 0
    return TaskRow(task, state, percent, last, None, max(days_late, 0), due_soon)


def task_board(area_id: int, as_of: dt.date) -> list[DepartmentRow]:
    """The area's tasks by lead department, departments with late tasks first, then by name;
    within a department, late tasks first, then by deadline."""
    tasks = PlanTask.objects.filter(area_id=area_id).prefetch_related(
        Prefetch("notes", queryset=PlanTaskNote.objects.order_by("noted_on"))
    )
    departments: dict[str, DepartmentRow] = {}
    for task in tasks:
        row = task_row(task, list(task.notes.all()), as_of)
        departments.setdefault(task.department, DepartmentRow(task.department)).tasks.append(row)
    for dept in departments.values():
        dept.tasks.sort(key=lambda r: (r.state != TaskState.OVERDUE, r.task.deadline, r.task.code))
    return sorted(departments.values(), key=lambda d: (-d.overdue, d.department))


def task_board_summary(board: list[DepartmentRow]) -> dict[str, int]:
    """Counts over a board (task_board): total, done (on time or late), under way, not started,
    overdue."""
    return {
        "total": sum(d.total for d in board),
        "done": sum(d.done for d in board),
        "under_way": sum(d.under_way for d in board),
        "not_started": sum(d.not_started for d in board),
        "overdue": sum(d.overdue for d in board),
    }
