"""URLs of the registers (mounted at /registers/)."""

from django.urls import path

from registers import views

app_name = "registers"

urlpatterns = [
    path(
        "evidence/<int:evidence_id>/",
        views.EvidenceDownloadView.as_view(),
        name="evidence-download",
    ),
]
