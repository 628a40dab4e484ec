"""URLs of the registers (mounted at /registers/)."""

from django.urls import path

from registers import import_pages, pages, task_pages, views

app_name = "registers"

urlpatterns = [
    path("", pages.RegisterListView.as_view(), name="index"),
    path("tasks/", task_pages.TaskBoardView.as_view(), name="tasks"),
    path("<slug:kind>/", pages.RegisterTableView.as_view(), name="table"),
    path("<slug:kind>/import/", import_pages.RegisterImportView.as_view(), name="import"),
    path(
        "<slug:kind>/export.csv",
        pages.RegisterExportView.as_view(),
        {"suffix": "csv"},
        name="export-csv",
    ),
    path(
        "<slug:kind>/export.xlsx",
        pages.RegisterExportView.as_view(),
        {"suffix": "xlsx"},
        name="export-xlsx",
    ),
    path(
        "evidence/<int:evidence_id>/",
        views.EvidenceDownloadView.as_view(),
        name="evidence-download",
    ),
]
