"""Writes of the registers' evidence: a file is accepted by what it contains, never its name."""

from __future__ import annotations

import datetime as dt
import zipfile
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import models, transaction
from django.utils.translation import gettext as _

from layers.models import AdminArea
from registers.models import Evidence, PlanTask, PlanTaskNote

# Office files are ZIP packages; their first part says which kind.
_OFFICE_PARTS = {
    "xl/workbook.xml": Evidence.MediaType.XLSX,
    "word/document.xml": Evidence.MediaType.DOCX,
}
_ZIP_MAX_MEMBERS = 2000  # a spreadsheet with more parts than this is not a spreadsheet


def evidence_media_type(head: bytes, stream: IO[bytes]) -> str:
    """The media type of a file from its first bytes (and, for ZIP, its parts); ValidationError
    for anything else (HTML, SVG, scripts, archives): those are never stored or served."""
    if head.startswith(b"%PDF-"):
        return Evidence.MediaType.PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Evidence.MediaType.PNG
    if head.startswith(b"\xff\xd8\xff"):
        return Evidence.MediaType.JPEG
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(stream) as z:
                names = z.namelist()
                if len(names) <= _ZIP_MAX_MEMBERS and "[Content_Types].xml" in names:
                    for part, media_type in _OFFICE_PARTS.items():
                        if part in names:
                            return media_type
        except zipfile.BadZipFile:
            pass
    raise ValidationError(
        _("Evidence must be a PDF, PNG or JPEG image, XLSX or DOCX file."), code="file_type"
    )


def evidence_check(upload: IO[bytes], size: int) -> str:
    """Size within EVIDENCE_MAX_BYTES and an accepted type; returns the media type."""
    if size <= 0:
        raise ValidationError(_("The file is empty."), code="file_empty")
    if size > settings.EVIDENCE_MAX_BYTES:
        raise ValidationError(
            _("The file is %(mb).1f MB; at most %(max).0f MB.")
            % {"mb": size / 2**20, "max": settings.EVIDENCE_MAX_BYTES / 2**20},
            code="file_too_large",
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    media_type = evidence_media_type(head, upload)
    upload.seek(0)
    return media_type


@transaction.atomic
def evidence_add(
    *,
    area: AdminArea,
    title: str,
    dated: dt.date,
    upload: File,
    indicator=None,
    year: int | None = None,
    row: models.Model | None = None,
    user=None,
) -> Evidence:
    """Store an evidence file for a scorecard line of a year or for a register row."""
    media_type = evidence_check(upload, upload.size)
    evidence = Evidence(
        area=area,
        indicator=indicator,
        year=year,
        row=row,
        title=title,
        dated=dated,
        media_type=media_type,
        size_bytes=upload.size,
        uploaded_by=user if getattr(user, "is_authenticated", False) else None,
    )
    evidence.full_clean(exclude=["file"])
    evidence.file.save(f"x.{evidence.extension}", upload, save=False)
    evidence.save()
    return evidence


@transaction.atomic
def task_note_record(
    *, task: PlanTask, noted_on: dt.date, percent: int, note: str, reported_by: str = ""
) -> PlanTaskNote:
    """A progress report on a plan task, through the model's rules (0-100 %, one report a task
    a day, not dated in the future: PlanTaskNote.clean)."""
    row = PlanTaskNote(
        task=task, noted_on=noted_on, percent=percent, note=note, reported_by=reported_by
    )
    row.full_clean()
    row.save()
    return row
