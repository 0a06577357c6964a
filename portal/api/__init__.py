"""JSON API v1 (SPEC §10): per-tenant tokens with scopes, problem+json errors, an OpenAPI document."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
