"""``Idempotency-Key`` for every POST of API v1: a retried request gets the stored response and changes nothing.

The stored outcome is written in the same transaction as the change it describes, under a unique
(tenant, token, key) constraint: two concurrent requests with one key cannot both commit, and the loser answers
with the winner's response. Only successful responses are kept — a refused request can be corrected and sent
again under the same key. The same key with a different request (method, path or body) is a 422 problem.

What is stored is the status and the ids of what the response described, not the body (no personal data in the
cache, G-05/G-10); a replay renders those objects as they are now, with ``Idempotent-Replayed: true``.
Kept one day; ``purge_expired`` is the daily clean-up.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from portal.api.models import IdempotencyKey
from portal.api.problems import ApiProblem
from portal.core.clock import Clock, utc
from portal.extensions import db

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
TTL = timedelta(hours=24)
MAX_KEY_LENGTH = 200


def clean_key(raw: str | None) -> str | None:
    """The header's value, or None when absent; 400 when it is empty, too long or not printable ASCII."""
    if raw is None:
        return None
    key = raw.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not all(32 < ord(c) < 127 for c in key):
        raise ApiProblem(400, _l("%(header)s must be 1 to %(most)d printable ASCII characters without spaces (a UUID "
                                 "is a good choice).", header=HEADER, most=MAX_KEY_LENGTH),
                         errors=[(HEADER, _l("Not a usable idempotency key."), None)])
    return key


def fingerprint(method: str, path: str, raw: bytes) -> str:
    """What makes two requests "the same": method, path with query, and the body (as canonical JSON when it
    parses, so key order and spacing do not matter)."""
    try:
        body = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")).encode() if raw.strip() else b""
    except (ValueError, RecursionError):
        body = raw
    return hashlib.sha256(method.encode() + b"\n" + path.encode() + b"\n" + body).hexdigest()


def stored(token_id: int, key: str, *, clock: Clock) -> IdempotencyKey | None:
    """The live stored response for this token's key; an expired one is dropped (in the caller's transaction)."""
    row = db.session.scalars(select(IdempotencyKey).where(IdempotencyKey.token_id == token_id,
                                                          IdempotencyKey.key == key)).first()
    if row is not None and utc(row.created_at) <= clock.now() - TTL:
        db.session.delete(row)
        db.session.flush()
        return None
    return row


def check_same_request(row: IdempotencyKey, request_sha256: str) -> None:
    if row.request_sha256 != request_sha256:
        raise ApiProblem(422, _l("This %(header)s was already used for a different request (%(method)s %(path)s); "
                                 "use a new key for a new request.", header=HEADER, method=row.method, path=row.path),
                         kind="idempotency-key-reused",
                         errors=[(HEADER, _l("Already used with a different request."), None)])


def remember(*, tenant_id: int, token_id: int, key: str, method: str, path: str, request_sha256: str,
             status: int, ref: dict) -> IdempotencyKey:
    row = IdempotencyKey(tenant_id=tenant_id, token_id=token_id, key=key, method=method, path=path[:500],
                         request_sha256=request_sha256, response_status=status, response_ref=ref)
    db.session.add(row)
    return row


def purge_expired(*, clock: Clock) -> int:
    """Delete the current tenant's stored responses older than a day (run by the daily jobs)."""
    result = db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < clock.now() - TTL)
                                .execution_options(synchronize_session=False))
    return result.rowcount or 0
