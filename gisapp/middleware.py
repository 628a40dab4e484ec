"""Site-wide middleware: default language and login required everywhere but the login page."""

from django.conf import settings
from django.contrib.auth import middleware as auth_middleware
from django.utils import translation

LANGUAGE_COOKIE = "django_language"


class DefaultLanguageMiddleware:
    """Chinese unless the user switched language (cookie); Accept-Language is not followed.

    Officials share machines whose browsers are often set to English; the product's language
    is a choice made in the page, not an accident of the browser.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        wanted = request.COOKIES.get(LANGUAGE_COOKIE, settings.LANGUAGE_CODE)
        codes = {code for code, _name in settings.LANGUAGES}
        language = wanted if wanted in codes else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response


class LoginRequiredMiddleware(auth_middleware.LoginRequiredMiddleware):
    """Django's LoginRequiredMiddleware, except for REST framework views.

    API views authenticate themselves (session or token) and answer 401/403 as JSON in the
    DESIGN error shape instead of redirecting to the login page.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        if getattr(view_func, "cls", None) is not None and hasattr(view_func, "initkwargs"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
