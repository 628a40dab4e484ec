"""The network editor page: engineers draw and edit the pipe network in the browser."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.templatetags.static import static
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from layers.models import AdminArea
from layers.permissions import can_view_layer
from layers.place_names import place_names
from network.models import LeakRecord, PipeNode, PipeSegment
from network.services.check import PROBLEMS
from network.services.rules import diameters_allowed

# Pipes are loaded as editable GeoJSON from this zoom on (about 2 m per pixel at 25°N, a few
# hundred pipes in view); below it the network is only shown from the vector tiles.
EDIT_MIN_ZOOM = 16
# At most this many pipes (and nodes) in view are loaded; the page says so when there are more.
EDIT_PAGE_SIZE = 2000
# Node kinds an engineer places by hand; junctions, sources and plants come from the data.
PLACED_NODE_KINDS = ("valve", "hydrant", "meter")


def _label(model, field: str) -> str:
    return capfirst(str(model._meta.get_field(field).verbose_name))


def _choices(choices) -> list[list[str]]:
    return [[value, str(label)] for value, label in choices]


class NetworkEditView(PermissionRequiredMixin, TemplateView):
    """The editor: Leaflet + Leaflet-Geoman over the network; writes go to the network API.

    Only users who may change pipes (engineers, admins) get the page; others get 403, so no
    edit control is ever offered to an official or a planner.
    """

    template_name = "gisapp/editor.html"
    permission_required = "network.change_pipesegment"
    raise_exception = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        county = (
            AdminArea.objects.filter(level=AdminArea.Level.COUNTY).order_by("code").only("geom")
        ).first()
        bbox = list(county.geom.extent) if county else [112.1, 24.6, 112.8, 25.2]
        user = self.request.user
        context["editor_config"] = {
            "lang": get_language(),
            "county_bbox": bbox,
            # The server's snapping distance, in metres; the page converts it to pixels at the
            # current zoom and latitude so that the browser snaps exactly as far as the server.
            "snap_tolerance_m": float(settings.NETWORK_SNAP_TOLERANCE_M),
            "edit_min_zoom": EDIT_MIN_ZOOM,
            "page_size": EDIT_PAGE_SIZE,
            "can_record_leaks": user.has_perm("network.add_leakrecord"),
            "urls": {
                "pipes": reverse("network:pipe-list"),
                "nodes": reverse("network:node-list"),
                "merge": reverse("network:pipe-merge"),
                "leaks": reverse("network:leak-list"),
                "validate": reverse("network:network-validate"),
                "search": reverse("layers:search"),
                # Town boundaries, for orientation at county scale (when the user may read them).
                "towns": reverse("layers:feature-list", kwargs={"slug": "towns"})
                if can_view_layer(user, "towns")
                else None,
                "roads": reverse("layers:feature-list", kwargs={"slug": "roads"})
                if can_view_layer(user, "roads")
                else None,
                "tiles": "/tiles/",
            },
            "styleUrls": {
                slug: static(f"styles/{slug}.json") for slug in ("pipes", "pipe-nodes", "roads")
            },
            "choices": {
                "material": _choices(PipeSegment.Material.choices),
                "status": _choices(PipeSegment.Status.choices),
                "kind": _choices(PipeNode.Kind.choices),
                "placed_kinds": list(PLACED_NODE_KINDS),
                "diameter_mm": sorted(diameters_allowed()),
            },
            "fields": {
                "code": _label(PipeSegment, "code"),
                "diameter_mm": _label(PipeSegment, "diameter_mm") + " (mm)",
                "material": _label(PipeSegment, "material"),
                "install_year": _label(PipeSegment, "install_year"),
                "status": _label(PipeSegment, "status"),
                "version": capfirst(_("version")),
                "length_m": _label(PipeSegment, "length_m") + " (m)",
                "kind": _label(PipeNode, "kind"),
                "found_on": _label(LeakRecord, "found_on"),
                "estimated_loss_m3": _label(LeakRecord, "estimated_loss_m3") + " (m³)",
                "cause": _label(LeakRecord, "cause"),
            },
            "problems": problem_labels(),
            "labels": editor_labels(),
            "placeNames": place_names(),
        }
        return context


def problem_labels() -> dict[str, str]:
    """Names of the network check's problem codes."""
    names = {
        "dangling_end": _("Dangling end"),
        "disconnected_part": _("Part not fed by any source"),
        "overlapping_segments": _("Overlapping pipes"),
        "crossing_without_node": _("Crossing without a node"),
        "orphan_node": _("Node without pipes"),
    }
    return {code: names.get(code, code) for code in PROBLEMS}


def editor_labels() -> dict[str, str]:
    """Texts the editor's script shows, translated on the server."""
    return {
        "zoom_in": _("Zoom in to level %(zoom)d or closer to edit the pipes in view.")
        % {"zoom": EDIT_MIN_ZOOM},
        "too_many": _("Only {n} of {count} pipes in view are loaded; zoom in to edit the rest."),
        "loading": _("Loading the pipes in view…"),
        "load_failed": _("The pipes in view could not be loaded."),
        "draw_hint": _(
            "Click to place the vertices; click the last vertex again to finish. "
            "An end placed on a node or a pipe (within {m} m) joins it."
        ),
        "vertices_hint": _("Drag the vertices, then save. Ends snap within {m} m."),
        "drag_hint": _("Drag the pipe to its new place, then save."),
        "split_hint": _("Click on the selected pipe where it should be split."),
        "merge_hint": _("Click the pipe to merge into the selected one."),
        "node_hint": _(
            "Click where the new node goes. Placed on a pipe (within {m} m) it splits the pipe."
        ),
        "node_move_hint": _("Click where the node goes; the pipe ends follow it."),
        "leak_hint": _("Click on the pipe where the leak was found (optional)."),
        "click_on_pipe": _("Click on the selected pipe itself."),
        "select_first": _("Select a pipe first."),
        "saved": _("Saved."),
        "created": _("Pipe {code} drawn."),
        "split_done": _("Split into {a} and {b}."),
        "merged": _("Merged into {code}."),
        "retired": _("Pipe {code} retired."),
        "restored": _("Pipe {code} restored."),
        "node_created": _("Node {code} added."),
        "node_deleted": _("Node deleted."),
        "leak_recorded": _("Leak recorded on pipe {code}."),
        "reverted": _("Change reverted."),
        "refused": _("Refused"),
        "field": _("Field"),
        "at": _("At"),
        "not_allowed": _("You are not allowed to do this."),
        "failed": _("The request failed; nothing was saved."),
        "conflict": _("This pipe was changed meanwhile by someone else."),
        "conflict_node": _("This node was changed meanwhile by someone else."),
        "conflict_yours": _("You have changed this pipe since, in a later step."),
        "zoom_level": _("Zoom level"),
        "place_names": _("Place names"),
        "node_legend": _("Pipe nodes"),
        "conflict_node_yours": _("You have changed this node since, in a later step."),
        "conflict_gone": _("It has been deleted meanwhile."),
        "current_version": _("Stored version now"),
        "your_version": _("Version you edited"),
        "current_geometry": _("Stored now"),
        "your_geometry": _("Your edit"),
        "reload": _("Reload (drop my edit)"),
        "redo": _("Apply my edit to the stored version"),
        "history_empty": _("No change recorded yet."),
        "revert": _("Revert"),
        "revert_of": _("reverts change #{id}"),
        "no_problems": _("No problem in view."),
        "problems_found": _("{n} problem(s) in view."),
        "pipes_label": _("Pipes"),
        "nodes_label": _("Nodes"),
        "selected_pipe": _("Selected pipe"),
        "selected_node": _("Selected node"),
        "abandoned": _("abandoned"),
        "new_pipe": _("New pipe"),
        "code_optional": _("empty: a code is assigned"),
        "nothing_found": _("Nothing found."),
    }
