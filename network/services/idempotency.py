"""Idempotent writes: the answer to a request carrying an Idempotency-Key is stored and
replayed when the same key comes again, so a retried request is never applied twice."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from network.models import IdempotentRequest
from network.services.rules import NetworkError

KEY_MAX = 200
TTL = dt.timedelta(hours=24)


@dataclass(frozen=True)
class StoredAnswer:
    """A replayable answer, and the fingerprint of the request that produced it."""

    fingerprint: str
    status_code: int
    body: str
    content_type: str


def request_fingerprint(method: str, path: str, data: object) -> str:
    """SHA-256 of the method, path and (canonical JSON) body of a request."""
    body = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(f"{method}\n{path}\n{body}".encode()).hexdigest()


def idempotency_lock(*, user_id: int, key: str) -> None:
    """Serialise requests with the same key (transaction-level): the second waits for the
    first to commit, then finds its stored answer."""
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"{user_id}:{key}"])


def idempotent_answer(*, user_id: int, key: str) -> StoredAnswer | None:
    """The stored answer for this user's key if younger than 24 hours."""
    row = IdempotentRequest.objects.filter(
        user_id=user_id, key=key, created_at__gte=timezone.now() - TTL
    ).first()
    if row is None:
        return None
    return StoredAnswer(row.fingerprint, row.status_code, row.body, row.content_type)


def idempotent_store(*, user_id: int, key: str, answer: StoredAnswer) -> None:
    """Keep an answer for 24 hours (replacing an expired one); expired rows are dropped."""
    IdempotentRequest.objects.filter(created_at__lt=timezone.now() - TTL).delete()
    IdempotentRequest.objects.update_or_create(
        user_id=user_id,
        key=key,
        defaults={
            "fingerprint": answer.fingerprint,
            "status_code": answer.status_code,
            "body": answer.body,
            "content_type": answer.content_type,
            "created_at": timezone.now(),
        },
    )


def idempotent(
    *, user_id: int, key: str, fingerprint: str, run: Callable[[], StoredAnswer]
) -> tuple[StoredAnswer, bool]:
    """Run a write once per (user, key) within 24 hours: (its answer, whether replayed).

    The write and the storing of its answer share one transaction, so an answer is stored
    only for a write that was committed; failed writes (4xx) are not stored and may be
    retried. NetworkError (422) when the key came with a different request.
    """
    with transaction.atomic():
        idempotency_lock(user_id=user_id, key=key)
        stored = idempotent_answer(user_id=user_id, key=key)
        if stored is not None and stored.fingerprint != fingerprint:
            error = NetworkError(
                "idempotency_key_reused",
                _("This Idempotency-Key was used for a different request."),
                field="Idempotency-Key",
            )
            error.status = 422
            raise error
        if stored is not None:
            return stored, True
        answer = run()
        if 200 <= answer.status_code < 300:
            idempotent_store(user_id=user_id, key=key, answer=answer)
        return answer, False
