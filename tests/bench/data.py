"""Bulk data for the benchmarks, written with set-based SQL (raw SQL is allowed here, and only here)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, text

from portal.core.clock import get_clock
from portal.extensions import db
from portal.tenancy.models import Tenant

ROOT = Path(__file__).resolve().parents[2]


def load_presets(app) -> None:
    from portal.demo.service import load_folder

    for slug in ("distributor", "manufacturer"):
        load_folder(ROOT / "tenants" / slug, clock=get_clock())
    db.session.commit()


def tenant_id(slug: str) -> int:
    return db.session.scalar(select(Tenant.id).where(Tenant.slug == slug))


def _exec(sql: str, **params) -> None:
    db.session.execute(text(sql), params)
    db.session.commit()


def lead_campaign(tenant: int, *, partners: int, leads: int) -> tuple[int, int]:
    _exec("""INSERT INTO partners (tenant_id, nip, name, address, contact_first_name, contact_last_name,
             contact_phone, contact_email, flags, created_at)
             SELECT :t, lpad(g::text, 10, '0'), 'P' || g, 'addr', 'F', 'L', '1', 'p' || g || '@b.example', '[]', now()
             FROM generate_series(1, :n) g""", t=tenant, n=partners)
    version = db.session.scalar(text("SELECT id FROM programme_versions WHERE tenant_id = :t"), {"t": tenant})
    _exec("""INSERT INTO leads (tenant_id, ref, partner_id, customer_nip, customer_name, customer_address, family,
             plan, billing, licences, pcs, contact_first_name, contact_last_name, contact_phone, contact_email,
             submitted_on, due_on, carried_over, status, decided_on, programme_version_id, created_at)
             SELECT :t, 'B' || g, (SELECT min(id) FROM partners WHERE tenant_id = :t) + (g % :p),
             lpad((g + 5000000)::text, 10, '0'), 'C', 'a', 'O365', 'E3', 'annual', 20, 20, 'a', 'b', '1', 'c@d.example',
             DATE '2018-08-02', DATE '2018-08-09', false, 'qualified', DATE '2018-08-03', :v, now()
             FROM generate_series(1, :n) g""", t=tenant, n=leads, p=partners, v=version)
    _exec("""INSERT INTO sales (tenant_id, ref, transaction_date, family, billing, licences, value, months_active,
             new_tenant, imported_at)
             SELECT :t, 'B' || g, DATE '2018-08-05' + (g % 50), 'O365', 'annual', 20, 1000.00 + (g % 97), 0, true, now()
             FROM generate_series(1, :n) g""", t=tenant, n=leads)
    db.session.execute(text("ANALYZE"))
    return partners, leads


def tenant_with_pending(slug: str, count: int) -> int:
    from portal.tenancy import service

    tenant = service.upsert({"slug": slug, "name": slug, "kind": "distributor", "legal_name": slug,
                             "nip": "5252248481", "address": "a", "dpo_name": "d", "dpo_email": "d@e.example"})
    db.session.commit()
    _exec("""INSERT INTO partners (tenant_id, nip, name, address, contact_first_name, contact_last_name,
             contact_phone, contact_email, flags, created_at)
             VALUES (:t, '1111111111', 'P', 'a', 'F', 'L', '1', 'p@b.example', '[]', now())""", t=tenant.id)
    _exec("""INSERT INTO leads (tenant_id, ref, partner_id, customer_nip, customer_name, customer_address, family,
             plan, billing, licences, pcs, contact_first_name, contact_last_name, contact_phone, contact_email,
             submitted_on, due_on, carried_over, status, created_at)
             SELECT :t, 'Q' || g, (SELECT id FROM partners WHERE tenant_id = :t), lpad(g::text, 10, '0'), 'C', 'a',
             'O365', 'E3', 'annual', 20, 20, 'a', 'b', '1', 'c@d.example', DATE '2018-08-02' + (g % 100),
             DATE '2018-08-09' + (g % 100), false, 'pending', now() FROM generate_series(1, :n) g""",
          t=tenant.id, n=count)
    db.session.execute(text("ANALYZE"))
    return tenant.id


def _installer(tenant: int, email: str) -> int:
    user_id = db.session.scalar(text(
        """INSERT INTO users (tenant_id, email, role, first_name, last_name, phone, company_name, nip, locale,
           is_active_account, created_at) VALUES (:t, :e, 'participant', 'I', 'N', '', '', '', 'pl', true, now())
           RETURNING id"""), {"t": tenant, "e": email})
    installer_id = db.session.scalar(text(
        """INSERT INTO installers (tenant_id, user_id, business, employee, status, status_reason, approval,
           registered_on, created_at) VALUES (:t, :u, true, false, 'installer', '', 'approved', DATE '2018-01-01',
           now()) RETURNING id"""), {"t": tenant, "u": user_id})
    db.session.commit()
    return installer_id


def _lots_from_entries(tenant: int, installer: int | None = None) -> None:
    """The ledger keeps a lot row beside each lot-opening entry; bulk-made entries get theirs here."""
    _exec("""INSERT INTO points_lots (id, tenant_id, installer_id, earned_on, expires_on, after_end, points, remaining,
             source) SELECT id, tenant_id, installer_id, "on", expires_on, after_end, points, points, source
             FROM points_entries WHERE tenant_id = :t AND kind = 'earn'
             AND (CAST(:i AS INTEGER) IS NULL OR installer_id = CAST(:i AS INTEGER))
             AND id NOT IN (SELECT id FROM points_lots WHERE tenant_id = :t)""", t=tenant, i=installer)


def points_lots(tenant: int, count: int) -> int:
    installers = 1000
    first = None
    for i in range(installers):
        installer_id = _installer(tenant, f"bench{i}@lots.example")
        first = first or installer_id
    _exec("""INSERT INTO points_entries (tenant_id, installer_id, kind, points, "on", expires_on, after_end, source,
             note, created_at) SELECT :t, :first + (g % :k), 'earn', 10, DATE '2023-01-01' + (g % 1000),
             DATE '2025-01-01' + (g % 1000), false, 'device', '', now() FROM generate_series(1, :n) g""",
          t=tenant, first=first, k=installers, n=count)
    _lots_from_entries(tenant)
    db.session.execute(text("ANALYZE"))
    return count


def installer_with_entries(tenant: int, count: int):
    """A participant with ``count`` ledger entries: ten live lots and, for the rest, a history of lots earned
    and spent (as a long-standing participant has)."""
    from portal.loyalty.models import Installer

    installer_id = _installer(tenant, f"entries{count}@dash.example")
    history = max(count - 10, 0) // 2
    _exec("""INSERT INTO points_entries (tenant_id, installer_id, kind, points, "on", expires_on, after_end, source,
             note, created_at) SELECT :t, :i, 'earn', 5, DATE '2024-01-01' + (g % 300), DATE '2026-01-01' + (g % 300),
             false, 'device', '', now() FROM generate_series(1, :n) g""", t=tenant, i=installer_id, n=10 + history)
    _lots_from_entries(tenant, installer_id)
    _exec("""WITH spent AS (SELECT id FROM points_lots WHERE installer_id = :i ORDER BY id LIMIT :h)
             INSERT INTO points_entries (tenant_id, installer_id, kind, points, lot_id, "on", after_end, source,
             note, created_at)
             SELECT :t, :i, 'redeem', -5, id, DATE '2024-12-01', false, 'order', '', now() FROM spent""",
          t=tenant, i=installer_id, h=history)
    _exec("""UPDATE points_lots SET remaining = 0 WHERE id IN (SELECT id FROM points_lots WHERE installer_id = :i
             ORDER BY id LIMIT :h)""", i=installer_id, h=history)
    from portal.tenancy.guard import use_tenant

    with use_tenant(tenant):
        return db.session.get(Installer, installer_id)


def tenant_with_rows(slug: str, rows: int) -> int:
    """A tenant holding about ``rows`` rows: installers with their ledger entries and lots."""
    from portal.tenancy import service

    tenant = service.upsert({"slug": slug, "name": slug, "kind": "manufacturer", "legal_name": slug,
                             "nip": "5252248481", "address": "a", "dpo_name": "d", "dpo_email": "d@e.example"})
    db.session.commit()
    first = None
    for i in range(100):
        installer_id = _installer(tenant.id, f"{slug}{i}@rows.example")
        first = first or installer_id
    _exec("""INSERT INTO points_entries (tenant_id, installer_id, kind, points, "on", expires_on, after_end, source,
             note, created_at) SELECT :t, :first + (g % 100), 'earn', 1, DATE '2024-01-01', DATE '2026-01-01', false,
             'device', '', now() FROM generate_series(1, :n) g""", t=tenant.id, first=first, n=rows // 2)
    _lots_from_entries(tenant.id)
    db.session.execute(text("ANALYZE"))
    return tenant.id


def tenant_with_participants(slug: str, count: int):
    from tests import factories

    tenant = factories.tenant(slug)
    _exec("""INSERT INTO users (tenant_id, email, role, first_name, last_name, phone, company_name, nip, locale,
             is_active_account, created_at) SELECT :t, 'p' || g || '@' || :s || '.example', 'participant', 'Jan',
             'Nowak' || g, '+48 600 ' || g, '', '', 'pl', true, now() FROM generate_series(1, :n) g""",
          t=tenant.id, s=slug, n=count)
    db.session.execute(text("ANALYZE"))
    return tenant
