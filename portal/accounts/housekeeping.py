"""Daily account housekeeping."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, or_

from portal.accounts.models import PasswordResetToken
from portal.core.clock import Clock
from portal.extensions import db


def purge_reset_tokens(*, clock: Clock) -> int:
    """Delete reset links that were used or expired more than a day ago (the current tenant's)."""
    cutoff = clock.now() - timedelta(days=1)
    result = db.session.execute(
        delete(PasswordResetToken).where(or_(PasswordResetToken.used_at < cutoff,
                                             PasswordResetToken.expires_at < cutoff))
        .execution_options(synchronize_session=False))
    return result.rowcount or 0
