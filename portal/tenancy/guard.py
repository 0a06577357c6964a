"""The tenant guard: every ORM select, update and delete of a tenant-scoped model is limited to the current
tenant, even when the query forgets the filter (SQLAlchemy ``with_loader_criteria`` in ``do_orm_execute``).

Requests set the tenant from the URL; jobs and commands set it explicitly with ``use_tenant``. Platform code that
must cross tenants says so by name with ``across_tenants(reason)``. With no tenant and no opt-out a query on a
tenant-scoped model fails closed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from flask import g, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria
from sqlalchemy.sql.util import find_tables

from portal.tenancy.models import TenantScoped


class TenantNotSet(RuntimeError):
    """A tenant-scoped query ran with no current tenant and no explicit opt-out."""


def current_tenant_id() -> int | None:
    return g.get("tenant_id") if has_app_context() else None


def set_current_tenant(tenant_id: int | None) -> None:
    g.tenant_id = tenant_id


@contextmanager
def use_tenant(tenant_id: int) -> Iterator[None]:
    """Run a block (a job, a command) as the given tenant."""
    before = g.get("tenant_id")
    g.tenant_id = tenant_id
    try:
        yield
    finally:
        g.tenant_id = before


@contextmanager
def across_tenants(reason: str) -> Iterator[None]:
    """Platform code that must read several tenants (operator console, contract end). ``reason`` is for the reader."""
    depth = g.get("across_tenants", 0)
    g.across_tenants = depth + 1
    try:
        yield
    finally:
        g.across_tenants = depth


def _touches_tenant_data(state: ORMExecuteState) -> bool:
    """An entity of the query, or any table it reads — ``select(func.count()).select_from(Model)`` names no entity
    but still reads the model's table."""
    if any(issubclass(m.class_, TenantScoped) for m in state.all_mappers):
        return True
    tables = _tenant_tables()
    return any(t in tables for t in find_tables(state.statement, include_aliases=True, include_joins=True,
                                                 include_selects=True))


_TABLES: set = set()


def _tenant_tables() -> set:
    if not _TABLES:
        from portal.extensions import db

        _TABLES.update(m.local_table for m in db.Model.registry.mappers if issubclass(m.class_, TenantScoped))
    return _TABLES


@event.listens_for(Session, "do_orm_execute")
def _limit_to_current_tenant(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.is_column_load:
        return  # refreshing an attribute of an object that was already loaded through the guard
    if has_app_context() and g.get("across_tenants", 0):
        return
    if not _touches_tenant_data(state):
        return
    tenant_id = current_tenant_id()
    if tenant_id is None:
        raise TenantNotSet("query on tenant data with no current tenant")
    state.statement = state.statement.options(_criteria(tenant_id))


@lru_cache(maxsize=1024)
def _criteria(tenant_id: int):
    """The loader option limiting every tenant-scoped entity to one tenant. Built once per tenant and reused: an
    option is immutable, and building its lambda criterion anew cost a noticeable share of every query (issue 7)."""
    return with_loader_criteria(TenantScoped, lambda cls: cls.tenant_id == tenant_id, include_aliases=True)
