"""Money is Decimal quantised to 0.01 with ROUND_HALF_UP at the end of each computation (SPEC E-04)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")


def money(value: Decimal | int | str) -> Decimal:
    """Exact amount in the programme currency; floats are refused, they are never exact."""
    if isinstance(value, float):
        raise TypeError("money never comes from a float")
    try:
        return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {value!r}") from exc
