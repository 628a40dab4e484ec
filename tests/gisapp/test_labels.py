"""Labels that share an English word but not a Chinese one are told apart by context."""

from django.utils import translation

from consumption.models import Consumption
from network.models import NetworkChange


def test_account_user_and_water_user_differ_in_chinese():
    with translation.override("zh-hans"):
        assert str(NetworkChange._meta.get_field("user").verbose_name) == "用户"
        assert str(Consumption._meta.get_field("user").verbose_name) == "用水户"
    with translation.override("en"):
        assert str(NetworkChange._meta.get_field("user").verbose_name) == "user"
