"""API permissions: reading a layer needs its model's view permission (roles are groups)."""

from rest_framework.permissions import BasePermission

from layers.registry import LAYERS


def can_view_layer(user, slug: str) -> bool:
    """True when the user may read the layer's features."""
    model = LAYERS[slug].model
    return bool(
        user
        and user.is_authenticated
        and user.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}")
    )


class CanViewLayer(BasePermission):
    """Allows a request whose `slug` URL argument names a layer the user may view."""

    def has_permission(self, request, view) -> bool:
        slug = view.kwargs.get("slug")
        return slug not in LAYERS or can_view_layer(request.user, slug)


def can_import_layers(user) -> bool:
    """Layer imports replace a county's data in bulk: administrators only (docs/security.md)."""
    return bool(
        user.is_authenticated and (user.is_superuser or user.groups.filter(name="admin").exists())
    )
