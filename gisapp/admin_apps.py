"""The admin app with the site's own admin site (gisapp/admin_site.py): listed in INSTALLED_APPS
in place of django.contrib.admin (Django's way to replace the default site)."""

from django.contrib.admin.apps import AdminConfig


class GisAdminConfig(AdminConfig):
    default_site = "gisapp.admin_site.GisAdminSite"
