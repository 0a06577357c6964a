"""G-05: the residue scan after an erasure finds the subject's identifiers anywhere in the tenant, and only them."""

from __future__ import annotations

from sqlalchemy import inspect, text

from portal.extensions import db
from portal.privacy import residues
from portal.privacy.subjects import Identifiers
from portal.tenancy.guard import use_tenant
from tests import factories


def _count(tenant, strong=(), names=(), retained=()):
    with use_tenant(tenant.id):
        return residues.count(Identifiers(list(strong), list(names)), list(retained), tenant.id)


def test_G05_scan_finds_an_identifier_in_any_personal_text_or_json_column_whatever_its_case(app, tenant_a):
    someone = factories.user(tenant_a)
    factories.notification(someone, note="write to Zofia.Residue@Example.pl about it")
    assert _count(tenant_a, strong=["zofia.residue@example.pl"]) == 1
    assert _count(tenant_a, strong=["nobody-here@example.pl"]) == 0


def test_G05_scan_finds_a_polish_name_written_into_free_text_of_json_columns(app, tenant_a):
    someone = factories.user(tenant_a)
    factories.notification(someone, note="Rozmawiałem z Łucją Żółkiewską")
    with use_tenant(tenant_a.id):
        stored = db.session.execute(text("SELECT CAST(params AS TEXT) FROM notifications")).scalar()
    assert "Łucją Żółkiewską" in stored  # kept as written, not as \\u escapes the scan could not match


def test_G05_a_namesake_in_a_name_column_is_not_a_residue_but_the_name_in_free_text_is(app, tenant_a):
    factories.user(tenant_a, first_name="Anna", last_name="Residuowska")
    other = factories.user(tenant_a, first_name="Piotr", last_name="Inny", company_name="Anna Residuowska")
    # first and last name columns, a company named after someone: namesakes, not the subject
    assert _count(tenant_a, names=["Anna Residuowska"]) == 0
    factories.notification(other, note="Call back Anna Residuowska on Monday")
    assert _count(tenant_a, names=["Anna Residuowska"]) == 1


def test_G05_legally_retained_columns_are_not_residues_and_other_tenants_are_not_scanned(app, tenant_a, tenant_b):
    factories.user(tenant_a, phone="+48 601 777 888")
    factories.user(tenant_b, phone="+48 601 777 888")
    assert _count(tenant_a, strong=["+48 601 777 888"]) == 1
    assert _count(tenant_a, strong=["+48 601 777 888"], retained=[{"table": "users", "columns": ["phone"]}]) == 0


def test_G05_on_postgresql_every_scanned_table_has_its_trigram_index_matching_the_data_map(app):
    if db.engine.dialect.name != "postgresql":
        import pytest

        pytest.skip("the trigram indexes are a PostgreSQL matter; SQLite reads the tables")
    with db.engine.connect() as conn:
        conn.execute(text("SET enable_seqscan = off"))  # the test's tables are tiny; ask whether the index serves
        indexes = {ix["name"] for t in inspect(conn).get_table_names() for ix in inspect(conn).get_indexes(t)}
        for table in residues.scanned_tables(db.metadata):
            name = residues.index_name(table)
            assert name in indexes, f"{table.name} has no residue index: a migration must call ensure_indexes"
            comment = conn.scalar(text("SELECT obj_description(to_regclass(:n), 'pg_class')"), {"n": name})
            assert comment == f"{table.name}:{residues.residue_expression(table)}", (
                f"{name} is out of date with the data map: a migration must call ensure_indexes again")
        plan = "\n".join(conn.scalars(text(
            f"EXPLAIN SELECT 1 FROM users WHERE ({residues.residue_expression(db.metadata.tables['users'])}) "  # noqa: S608 - our own expression
            "ILIKE '%someone@example.pl%'")))
    assert "ix_users_residue" in plan


def test_G05_the_subjects_addresses_are_identifiers_the_scan_looks_for(app, tenant_a):
    """A participant's delivery or home address, or a partner's address, written by someone else into free text
    (a complaint naming where the subject lives) is the subject's data: the residue scan looks for it too."""
    from portal.privacy import subjects

    subject = factories.subject_everywhere(tenant_a, "Adrescanary")
    with use_tenant(tenant_a.id):
        keys = subjects.identifiers(subjects.owned_by(subject.id))
    assert {"Adrescanary delivery", "Adrescanary home", "Adrescanary street"} <= set(keys.strong)
