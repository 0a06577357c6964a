"""Domain errors raised by services; views turn them into field messages, the API into problem+json."""

from __future__ import annotations


class DomainError(Exception):
    """A rule refused the action. ``field`` names the form field the message belongs next to."""

    status = 422

    def __init__(self, message: str, *, field: str | None = None, rule: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.rule = rule

    def describe(self) -> str:
        """The message with the rule that refused it, as bulk imports and the CLI report it."""
        return f"{self.rule}: {self.message}" if self.rule else self.message


class NotFound(DomainError):
    """Missing, or not visible to this actor: the two look the same on purpose."""

    status = 404


class Forbidden(DomainError):
    status = 403


class Conflict(DomainError):
    status = 409


_SQLITE_UNAVAILABLE = ("locked", "busy", "disk i/o", "unable to open")


def database_unavailable(error: BaseException) -> bool:
    """Whether ``error`` (or what caused it) is the database being out of reach — the connection dropped by a
    restart or fail-over, the server refusing connections, a lock held too long, a transaction that must be
    retried — rather than a bug: nothing the user did, and worth trying again in a moment (503, Retry-After)."""
    import sqlite3

    from sqlalchemy import exc as sa

    try:
        import psycopg
    except ImportError:  # pragma: no cover - the embedded default may run without the PostgreSQL driver
        psycopg = None
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, sa.DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, sa.TimeoutError):  # no connection free in the pool
            return True
        driver = getattr(current, "orig", None) or current
        if isinstance(driver, sqlite3.OperationalError):
            return any(word in str(driver).lower() for word in _SQLITE_UNAVAILABLE)
        if psycopg is not None and isinstance(driver, psycopg.OperationalError | psycopg.InterfaceError):
            return True
        current = current.__cause__ or current.__context__
    return False


def unstorable_value(error: BaseException) -> bool:
    """Whether the database refused a value sent with the request as no column can hold it — a number beyond an
    integer column, a text longer than its column, a NUL character (PostgreSQL's "data exception" class 22; SQLite
    stores these): the sender's input, answered as a bad request, not a failure of ours."""
    from sqlalchemy import exc as sa

    return isinstance(error, sa.DataError)
