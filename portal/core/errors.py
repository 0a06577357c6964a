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
