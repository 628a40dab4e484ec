"""Forms shared by the admin sites: every text a form accepts obeys the one text rule."""

from __future__ import annotations

from django import forms

from layers.text_rules import text_problem, text_problem_message


class MarkupFreeModelForm(forms.ModelForm):
    """A model form that refuses markup or a script URL in any text field (a field error,
    nothing saved), by the rule of layers/text_rules.py. JSON fields hold data, not text."""

    def clean(self) -> dict:
        cleaned = super().clean()
        for name, value in list(cleaned.items()):
            if isinstance(self.fields.get(name), forms.JSONField):
                continue
            problem = text_problem(value)
            if problem is not None:
                self.add_error(name, forms.ValidationError(text_problem_message(problem), problem))
        return cleaned
