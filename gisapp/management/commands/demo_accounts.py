"""manage.py demo_accounts: print the demo accounts that exist in this database."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from accounts.models import AreaMembership
from demo.load import DEMO_ACCOUNTS


class Command(BaseCommand):
    help = "Print the demo accounts (created only by load_demo) and their passwords."

    def handle(self, *args, **opts):
        existing = set(
            get_user_model()
            .objects.filter(username__in=DEMO_ACCOUNTS)
            .values_list("username", flat=True)
        )
        if not existing:
            self.stdout.write("No demo accounts in this database.")
            return
        self.stdout.write("Demo accounts (user / password / role / area):")
        areas = dict(
            AreaMembership.objects.filter(user__username__in=existing).values_list(
                "user__username", "area__name"
            )
        )
        for username, (role, password) in DEMO_ACCOUNTS.items():
            if username in existing:
                area = areas.get(username, "every county")
                self.stdout.write(f"  {username:<10} {password:<24} {role:<9} {area}")
