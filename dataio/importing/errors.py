"""What an import reports: the rows it refused, or what it wrote."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

# A service's progress callback: (step, rows done, rows in all; 0 = unknown).
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class RowError:
    """One refused row: its number in the file (1 = first data row; 0 = the file itself)."""

    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row else "file"
        column = f", column {self.column}" if self.column else ""
        return f"{where}{column}: {self.reason}"


class ImportFailed(Exception):
    """The file was refused; nothing was written. `errors` lists every bad row."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__(
            "; ".join(str(e) for e in errors[:5])
            + (f" (+{len(errors) - 5} more)" if len(errors) > 5 else "")
        )


@dataclass(frozen=True)
class FeatureChange:
    """What an import does to one feature: action 'created' | 'updated' | 'unchanged' |
    'retired', the fields it changes (updates), its row in the file (0: absent, retired)."""

    row: int
    code: str
    action: str
    fields: tuple[str, ...] = ()

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row else "not in the file"
        fields = f" ({', '.join(self.fields)})" if self.fields and self.action == "updated" else ""
        return f"{self.code}: {self.action}{fields} [{where}]"


# How many per-feature lines a summary lists (the rest are counted).
SUMMARY_CHANGES = 200


@dataclass
class ImportReport:
    """What an import did (or would do, in a dry run); changes: per feature, for layers."""

    target: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    retired: int = 0
    dry_run: bool = False
    notes: list[str] = field(default_factory=list)
    changes: list[FeatureChange] = field(default_factory=list)

    @property
    def unchanged(self) -> int:
        return self.rows - self.created - self.updated

    def summary(self, *, details: bool | None = None) -> str:
        """Counts, notes, and (dry runs, or details=True) every created, updated or retired
        feature with its changed fields, up to SUMMARY_CHANGES lines."""
        verb = "would create" if self.dry_run else "created"
        text = (
            f"{self.target}: {self.rows} rows; {verb} {self.created}, "
            f"updated {self.updated}, unchanged {self.unchanged}"
        )
        if self.retired:
            text += f", retired {self.retired}"
        lines = [text, *self.notes]
        if details if details is not None else self.dry_run:
            moving = [c for c in self.changes if c.action != "unchanged"]
            lines += [str(c) for c in moving[:SUMMARY_CHANGES]]
            if len(moving) > SUMMARY_CHANGES:
                lines.append(f"... and {len(moving) - SUMMARY_CHANGES} more")
        return "\n".join(lines)
