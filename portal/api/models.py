"""API tables (filled in by the API work)."""
