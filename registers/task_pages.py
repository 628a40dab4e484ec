"""The plan's supervision board (督查) for officials: per lead department what is done, under
way and late on a day (today unless ?as_of=), and a progress report form for those who may."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from layers.forms import MarkupFreeModelForm
from layers.selectors import county_find
from registers.models import PlanTask, PlanTaskNote
from registers.services import task_note_record
from registers.task_board import task_board, task_board_summary


class _TaskChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: PlanTask) -> str:
        return f"{obj.title}（{obj.department}）"


class TaskNoteForm(MarkupFreeModelForm):
    """A progress report: the model's own rules (percent 0-100, one note a day) apply."""

    task = _TaskChoice(queryset=PlanTask.objects.order_by("code"), label=gettext_lazy("plan task"))

    class Meta:
        model = PlanTaskNote
        fields = ("task", "noted_on", "percent", "note")
        widgets = {"noted_on": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})}


def _as_of(request) -> tuple[dt.date, str | None]:
    """?as_of=YYYY-MM-DD (a review of an earlier day) or today; a bad date is said, not a 500."""
    today = timezone.localdate()
    raw = request.GET.get("as_of", "").strip()
    if not raw:
        return today, None
    try:
        day = dt.date.fromisoformat(raw[:10])
    except ValueError:
        return today, _("“%(raw)s” is not a date (YYYY-MM-DD); showing today.") % {"raw": raw[:20]}
    if not dt.date(2000, 1, 1) <= day <= dt.date(2100, 12, 31):
        return today, _("The date must lie between 2000 and 2100; showing today.")
    return day, None


class TaskBoardView(LoginRequiredMixin, TemplateView):
    """GET /registers/tasks/: the board; POST: a progress report (registers.add_plantasknote)."""

    template_name = "registers/tasks.html"

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        if not self.request.user.has_perm("registers.view_plantask"):
            raise PermissionDenied
        as_of, date_error = _as_of(self.request)
        county = county_find()
        board = task_board(county.pk, as_of) if county else []
        may_report = self.request.user.has_perm("registers.add_plantasknote")
        context.update(
            {
                "county": county,
                "as_of": as_of,
                "date_error": date_error,
                "board": board,
                "summary": task_board_summary(board) if county else None,
                "late_departments": [d for d in board if d.overdue],
                "form": form or (TaskNoteForm(initial={"noted_on": as_of}) if may_report else None),
            }
        )
        return context

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm("registers.add_plantasknote"):
            raise PermissionDenied
        form = TaskNoteForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                task_note_record(
                    task=data["task"],
                    noted_on=data["noted_on"],
                    percent=data["percent"],
                    note=data["note"],
                    reported_by=request.user.get_username(),
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                anchor = "#task-" + data["task"].code
                return HttpResponseRedirect(reverse("registers:tasks") + anchor)
        return self.render_to_response(self.get_context_data(form=form), status=400)
