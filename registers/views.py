"""Evidence files are only ever downloaded (attachment, their checked type), never shown."""

from __future__ import annotations

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views import View

from registers.models import Evidence


class EvidenceDownloadView(PermissionRequiredMixin, View):
    """GET /registers/evidence/<id>/: the file as an attachment named after its title."""

    permission_required = "registers.view_evidence"
    raise_exception = True

    def get(self, request, evidence_id: int):
        evidence = get_object_or_404(Evidence, pk=evidence_id)
        try:
            handle = evidence.file.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=f"{evidence.title}.{evidence.extension}",
            content_type=evidence.media_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response
