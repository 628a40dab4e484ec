"""URLs of the reports (mounted at /reports/)."""

from django.urls import path

from gisapp.reports import city, views

app_name = "reports"

urlpatterns = [
    path("county/", views.CountyReportDetailView.as_view(), name="county"),
    path("city/", city.CityReportDetailView.as_view(), name="city"),
    path("county.pdf", views.CountyReportPdfView.as_view(), name="county-pdf"),
    path(
        "self-assessment.docx",
        views.SelfAssessmentDocxView.as_view(),
        name="self-assessment-docx",
    ),
    path(
        "self-assessment.pdf",
        views.SelfAssessmentPdfView.as_view(),
        name="self-assessment-pdf",
    ),
    path("map.html", views.FailureMapExportView.as_view(), name="failure-map"),
]
