"""Idempotent writes: the answer to a request carrying an Idempotency-Key is stored and
replayed when the same request comes again with the key, so a retried request is never
applied twice; the key sent with another request is refused, never replayed."""

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
PRECONDITION_MAX = 100  # longer If-Match values are kept as their hash
PATH_MAX = 2000  # IdempotentRequest.path


class IdempotencyKeyReused(NetworkError):
    """The key came with another method, path or body than the request it was first used for."""

    status = 422
    error_code = "idempotency_key_reused"


class IdempotencyPreconditionChanged(NetworkError):
    """The key's request again, said to be made on another version than the first time."""

    status = 412
    error_code = "precondition_failed"


@dataclass(frozen=True)
class RequestPrint:
    """What identifies a request for its Idempotency-Key.

    fingerprint: SHA-256 of method, path and the whole body; body_hash: of the body without
    its version; precondition: the version the request was made on, as the body's version and
    the If-Match header said it (JSON [body version, If-Match])."""

    method: str
    path: str
    fingerprint: str
    body_hash: str
    precondition: str

    @property
    def version_sent(self) -> str:
        """The precondition for a message: the body's version, else the If-Match value."""
        body_version, if_match = json.loads(self.precondition or "[null, null]")
        if body_version is None:
            return "—" if if_match is None else str(if_match)
        if if_match is None or str(if_match) == str(body_version):
            return str(body_version)
        return f"{body_version} (If-Match: {if_match})"


@dataclass(frozen=True)
class StoredAnswer:
    """A replayable answer, and the print of the request that produced it."""

    fingerprint: RequestPrint
    status_code: int
    body: str
    content_type: str


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _canonical(data: object) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)


def _split_version(data: object) -> tuple[object, object]:
    """(the body without its version, that version): properties.version or version, read as
    network.api.base.request_version reads them."""
    if not isinstance(data, dict):
        return data, None
    rest = {k: v for k, v in data.items() if k != "version"}
    version = data.get("version")
    props = data.get("properties")
    if isinstance(props, dict) and "version" in props:
        version = props["version"]
        rest["properties"] = {k: v for k, v in props.items() if k != "version"}
    return rest, version


def _if_match(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip().removeprefix("W/").strip('"')
    return value if len(value) <= PRECONDITION_MAX else f"sha256:{_sha256(value)}"


def request_fingerprint(
    method: str, path: str, data: object, if_match: str | None = None
) -> RequestPrint:
    """The print of a request: its method, path, (canonical JSON) body and precondition."""
    rest, version = _split_version(data)
    return RequestPrint(
        method=method,
        path=path[:PATH_MAX],
        fingerprint=_sha256(f"{method}\n{path}\n{_canonical(data)}"),
        body_hash=_sha256(_canonical(rest)),
        precondition=_canonical([version, _if_match(if_match)]),
    )


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
    sent = RequestPrint(row.method, row.path, row.fingerprint, row.body_hash, row.precondition)
    return StoredAnswer(sent, row.status_code, row.body, row.content_type)


def idempotent_store(*, user_id: int, key: str, answer: StoredAnswer) -> None:
    """Keep an answer for 24 hours (replacing an expired one); expired rows are dropped."""
    IdempotentRequest.objects.filter(created_at__lt=timezone.now() - TTL).delete()
    sent = answer.fingerprint
    IdempotentRequest.objects.update_or_create(
        user_id=user_id,
        key=key,
        defaults={
            "fingerprint": sent.fingerprint,
            "method": sent.method,
            "path": sent.path,
            "body_hash": sent.body_hash,
            "precondition": sent.precondition,
            "status_code": answer.status_code,
            "body": answer.body,
            "content_type": answer.content_type,
            "created_at": timezone.now(),
        },
    )


def replay_refusal(stored: RequestPrint, sent: RequestPrint) -> NetworkError | None:
    """Why a request may not be answered with the key's stored answer (None: a true retry).

    422 for another method, path or body: a key names one request. 412 for the same request
    said to be made on another version (If-Match or the body's version) than the key's write
    was: that precondition is not the one the stored answer was made under, so the answer is
    not this request's (a true retry repeats the original version and is replayed, even though
    the write itself has since moved the feature past it)."""
    field = "Idempotency-Key"
    if not stored.body_hash:  # stored before requests were printed in parts
        if stored.fingerprint == sent.fingerprint:
            return None
        return IdempotencyKeyReused(
            "idempotency_key_reused",
            _("This Idempotency-Key was used for a different request."),
            field=field,
            reason="different_request",
        )
    if (stored.method, stored.path) != (sent.method, sent.path):
        return IdempotencyKeyReused(
            "idempotency_key_reused",
            _(
                "This Idempotency-Key was used for %(request)s; a key names one request. "
                "Send this request with a new key."
            )
            % {"request": f"{stored.method} {stored.path}"},
            field=field,
            reason="different_request",
        )
    if stored.body_hash != sent.body_hash:
        return IdempotencyKeyReused(
            "idempotency_key_reused",
            _(
                "This Idempotency-Key was used with a different body: a retry must send the "
                "same request. Send a new request with a new key."
            ),
            field=field,
            reason="different_body",
        )
    if stored.precondition != sent.precondition:
        return IdempotencyPreconditionChanged(
            "idempotency_precondition_changed",
            _(
                "This Idempotency-Key's request was made on version %(stored)s; this one says "
                "version %(sent)s, so the stored answer is not replayed. Reload the feature "
                "and send your edit with a new key."
            )
            % {"stored": stored.version_sent, "sent": sent.version_sent},
            field="If-Match",
            stored_version=stored.version_sent,
            sent_version=sent.version_sent,
        )
    return None


def idempotent(
    *, user_id: int, key: str, fingerprint: RequestPrint, run: Callable[[], StoredAnswer]
) -> tuple[StoredAnswer, bool]:
    """Run a write once per (user, key) within 24 hours: (its answer, whether replayed).

    The write and the storing of its answer share one transaction, so an answer is stored
    only for a write that was committed; failed writes (4xx) are not stored and may be
    retried. A stored key met with another request is refused (replay_refusal: 422 or 412)
    and nothing runs."""
    with transaction.atomic():
        idempotency_lock(user_id=user_id, key=key)
        stored = idempotent_answer(user_id=user_id, key=key)
        if stored is not None:
            refusal = replay_refusal(stored.fingerprint, fingerprint)
            if refusal is not None:
                raise refusal
            return stored, True
        answer = run()
        if 200 <= answer.status_code < 300:
            idempotent_store(user_id=user_id, key=key, answer=answer)
        return answer, False
