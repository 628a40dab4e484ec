"""Admin pages that only show: logs and job records are written by their own code paths
(the audit service, the import worker), never through the admin."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Every field read-only; nobody adds, changes or deletes rows here."""

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
