"""Area scope: the counties a request may read and write, enforced in the models' managers.

A user belongs to an area (county, city or province: accounts.AreaMembership); they see and
edit the features of the counties in that area and the records hanging off them, and nothing
else. The check lives in one place: every scoped model's default manager (`ScopedManager`)
filters by the current scope, so the API, tiles (built from `LayerSpec.queryset()`), search,
exports, the admin and the services' own lookups all see the same rows; raw SQL that reads
features takes `scope_condition()`. Writes are checked after the database derives the county
(`scope_check_rows`).

Features in no county (outside every outline: only a direct SQL write can leave one there,
since imports and edits refuse them) are shown to every user, so that an orphan is never
hidden from everyone and can be fixed; no scoped user can write one.

The scope is bound per request by `accounts.scope.AreaScopeMiddleware` (resolved lazily from
`request.user`, so API token authentication, which happens inside the view, is honoured) and
per background job by `scope_bound`. Outside both (migrations, management commands, the
evaluation worker) the scope is EVERYWHERE.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.contrib.gis.db import models
from django.db import connection
from django.db.models import Q


@dataclass(frozen=True)
class AreaScope:
    """The counties (AdminArea ids) one may read and write; None = every county, and the
    features that lie in none."""

    counties: frozenset[int] | None

    @property
    def restricted(self) -> bool:
        return self.counties is not None

    @property
    def key(self) -> str:
        """A short, stable text for cache keys (tiles, pages)."""
        if self.counties is None:
            return "all"
        return "c" + "-".join(str(c) for c in sorted(self.counties)) if self.counties else "none"


EVERYWHERE = AreaScope(None)
NOWHERE = AreaScope(frozenset())

_resolver: ContextVar[Callable[[], AreaScope] | None] = ContextVar("area_scope", default=None)


def current_scope() -> AreaScope:
    """The scope of the running request or job; EVERYWHERE outside them."""
    resolve = _resolver.get()
    return resolve() if resolve is not None else EVERYWHERE


@contextmanager
def scope_bound(resolve: Callable[[], AreaScope]) -> Iterator[None]:
    """Run the block under the scope `resolve()` returns (called when first needed)."""
    token = _resolver.set(resolve)
    try:
        yield
    finally:
        _resolver.reset(token)


class OutOfScope(Exception):
    """A write would put a feature in a county outside the writer's area."""


class ScopedManager(models.Manager):
    """The default manager of a model whose rows belong to a county.

    county_path: the ORM path to the row's county id ("county" for features,
    "zone__county" for a zone's records). area_path instead: the path to an AdminArea that is
    a county or one of its towns (records kept per area). Areas themselves use
    `AreaScopedManager`.
    """

    def __init__(self, county_path: str | None = "county", area_path: str | None = None):
        super().__init__()
        self.county_path, self.area_path = county_path, area_path

    def get_queryset(self):
        qs = super().get_queryset()
        scope = current_scope()
        if not scope.restricted:
            return qs
        return qs.filter(self.scope_q(scope.counties))

    def scope_q(self, counties: Iterable[int]) -> Q:
        counties = list(counties)
        if self.area_path:
            area = self.area_path
            return (
                Q(**{f"{area}__in": counties})
                | Q(**{f"{area}__parent__in": counties})
                | Q(**{f"{area}__level": "town", f"{area}__parent__isnull": True})
            )
        return Q(**{f"{self.county_path}__in": counties}) | Q(
            **{f"{self.county_path}__isnull": True}
        )


class CountiesScopedManager(models.Manager):
    """The default manager of a model whose row covers a set of counties (an array field of
    AdminArea ids, e.g. a hydraulic run's): a restricted reader sees a row when every county
    it covers is in their scope; a row covering no county is for unrestricted readers only."""

    def __init__(self, field: str = "counties"):
        super().__init__()
        self.field = field

    def get_queryset(self):
        qs = super().get_queryset()
        scope = current_scope()
        if not scope.restricted:
            return qs
        return qs.filter(**{f"{self.field}__contained_by": sorted(scope.counties)}).exclude(
            **{self.field: []}
        )


class AreaScopedManager(models.Manager):
    """Administrative areas in scope: the scope's counties, their towns, every city and
    province (the frame a county sits in; they hold no data of their own), and towns in no
    county (unassigned, like features in no county)."""

    def get_queryset(self):
        qs = super().get_queryset()
        scope = current_scope()
        if not scope.restricted:
            return qs
        counties = list(scope.counties)
        return qs.filter(
            Q(id__in=counties)
            | Q(parent__in=counties)
            | Q(level__in=("province", "city"))
            | Q(level="town", parent__isnull=True)
        )


def scope_condition(column: str, param: str = "scope") -> str:
    """The one SQL condition limiting raw SQL to the area scope: rows whose county id
    `column` (e.g. "f.county_id") is in the scope, or in no county. Its named parameter
    `param` takes scope_param(): NULL when unrestricted, and the condition holds for all."""
    return f"(%({param})s::bigint[] IS NULL OR {column} IS NULL OR {column} = ANY(%({param})s))"


def restricted_scope_condition(column: str, param: str = "scope") -> str:
    """scope_condition for a statement written only when the scope is restricted (callers
    check `current_scope().restricted` and add nothing otherwise): the same rows, without the
    `param IS NULL` arm, so an index keyed by county can serve it in a generic plan too."""
    return f"({column} = ANY(%({param})s) OR {column} IS NULL)"


def scope_param() -> list[int] | None:
    """The value of scope_condition's parameter for the current scope."""
    scope = current_scope()
    return sorted(scope.counties) if scope.restricted else None


def scope_check_rows(table: str, ids: Iterable[int]) -> None:
    """Raise OutOfScope when a written row of `table` lies in a county outside the current
    scope (the county is derived by the database on write, layers/county_triggers.py).
    Call inside the write's transaction, after the write: the caller's rollback undoes it."""
    scope = current_scope()
    ids = list(ids)
    if not scope.restricted or not ids:
        return
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT count(*) FROM {connection.ops.quote_name(table)} "  # noqa: S608 (a table)
            "WHERE id = ANY(%s) AND (county_id IS NULL OR NOT county_id = ANY(%s))",
            [ids, sorted(scope.counties)],
        )
        if cur.fetchone()[0]:
            raise OutOfScope(table)
