"""The audit log in the admin: read-only, filterable, for admins only."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEvent
from audit.summaries import event_text
from gisapp.admin_readonly import ReadOnlyAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Nobody adds, edits or deletes audit events through the admin; viewing needs
    audit.view_auditevent (the admin group has it) or superuser status."""

    list_display = ("created_at", "kind", "outcome", "actor", "ip", "object_type", "what")
    list_filter = ("kind", "outcome", "object_type", ("created_at", admin.DateFieldListFilter))
    search_fields = ("actor", "summary", "object_id")
    date_hierarchy = "created_at"
    list_select_related = ("user",)

    @admin.display(description=_("what happened"))
    def what(self, event: AuditEvent) -> str:
        """The event in the reader's language (the stored summary is the log's English)."""
        return event_text(event)
