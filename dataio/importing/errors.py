"""What an import reports: the rows it refused, or what it wrote."""

from __future__ import annotations

from dataclasses import dataclass, field


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


@dataclass
class ImportReport:
    """What an import did (or would do, in a dry run)."""

    target: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    dry_run: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def unchanged(self) -> int:
        return self.rows - self.created - self.updated

    def summary(self) -> str:
        verb = "would create" if self.dry_run else "created"
        text = (
            f"{self.target}: {self.rows} rows; {verb} {self.created}, "
            f"updated {self.updated}, unchanged {self.unchanged}"
        )
        return "\n".join([text, *self.notes])
