"""The login view: throttled form; a refused (throttled) attempt answers 429."""

from django.contrib.auth import views as auth_views

from audit.forms import ThrottledAuthenticationForm


class ThrottledLoginView(auth_views.LoginView):
    """Django's LoginView with the throttled form; 429 Too Many Requests while refused."""

    authentication_form = ThrottledAuthenticationForm

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.throttled:
            response.status_code = 429
        return response
