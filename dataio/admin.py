"""Import jobs in the admin: read-only, to see every browser import and its outcome (the job's
own page shows its report; jobs are written only by the import pages and the worker)."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from dataio.models import ImportJob, ImportMapping
from dataio.titles import import_title
from gisapp.admin_readonly import ReadOnlyAdmin
from layers.forms import MarkupFreeModelForm


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


@admin.register(ImportMapping)
class ImportMappingAdmin(admin.ModelAdmin):
    """Saved mappings are edited here by administrators; the model's clean() checks them with
    the validator of a mapping file, so a bad one is refused with every problem named."""

    form = MarkupFreeModelForm
    list_display = ("name", "source", "into", "created_by", "updated_at")
    list_filter = ("target",)
    search_fields = ("name", "source")
    readonly_fields = ("created_by", "updated_at")
    list_select_related = ("created_by",)

    @admin.display(description=_("target"))
    def into(self, mapping: ImportMapping) -> str:
        return import_title(mapping.kind, mapping.target)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
