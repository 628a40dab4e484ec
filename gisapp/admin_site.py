"""The admin site, titled for its reader's area as the rest of the site is
(accounts.scope.site_title: "阳山县节水地理信息系统" for a 阳山县 administrator)."""

from django.contrib.admin import AdminSite

from accounts.scope import site_title
from audit.forms import ThrottledAdminAuthenticationForm


class GisAdminSite(AdminSite):
    # The admin login counts towards the same throttle as the site's login page.
    login_form = ThrottledAdminAuthenticationForm

    def each_context(self, request):
        context = super().each_context(request)
        context["site_title"] = context["site_header"] = site_title(request)
        return context
