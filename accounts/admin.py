"""The user admin with each user's area (which counties they see and edit)."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from accounts.models import AreaMembership


class AreaMembershipInline(admin.StackedInline):
    model = AreaMembership
    can_delete = True
    extra = 0
    max_num = 1


class UserWithAreaAdmin(UserAdmin):
    inlines = [*UserAdmin.inlines, AreaMembershipInline]
    list_display = (*UserAdmin.list_display, "area_name")

    @admin.display(description=AreaMembership._meta.get_field("area").verbose_name)
    def area_name(self, user) -> str:
        membership = getattr(user, "area_membership", None)
        return membership.area.name if membership else "—"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("area_membership__area")


admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), UserWithAreaAdmin)
