"""Import jobs in the admin: read-only, to see every browser import and its outcome (the job's
own page shows its report; jobs are written only by the import pages and the worker)."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from dataio.models import ImportJob
from dataio.titles import import_title
from gisapp.admin_readonly import ReadOnlyAdmin


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "into", "file_name", "dry_run", "state", "created_by",
                    "page")  # fmt: skip
    list_filter = ("kind", "state", "dry_run", ("created_at", admin.DateFieldListFilter))
    search_fields = ("target", "file_name", "created_by__username")
    date_hierarchy = "created_at"
    list_select_related = ("created_by",)

    @admin.display(description=_("target"))
    def into(self, job: ImportJob) -> str:
        return import_title(job.kind, job.target)

    @admin.display(description=_("report"))
    def page(self, job: ImportJob) -> str:
        return format_html('<a href="{}">{}</a>', reverse("dataio:job", args=[job.pk]), _("open"))
