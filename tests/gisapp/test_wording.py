"""Mainland wording: the REST framework's messages a user can meet read as mainland Simplified
Chinese (its zh_Hans catalogue says 物件 for 'item'; ours overrides it)."""

from django.utils import translation
from rest_framework import serializers


def test_a_list_error_says_列表_not_物件():
    field = serializers.ListField(child=serializers.IntegerField())
    with translation.override("zh-hans"):
        try:
            field.run_validation("x")
        except serializers.ValidationError as exc:
            text = str(exc.detail[0])
    assert "物件" not in text and "列表" in text
