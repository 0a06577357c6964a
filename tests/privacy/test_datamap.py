"""The data map (G-10): every column is classified; tenant-owned tables carry tenant_id."""

from __future__ import annotations

from portal.extensions import db
from portal.privacy import datamap

PLATFORM_TABLES = {"tenants", "operators", "contracts", "deletion_certificates", "platform_breaches", "sub_processors"}


def test_G10_every_column_of_every_table_is_classified(app):
    assert datamap.unclassified(db.metadata) == []


def test_G10_personal_columns_name_category_basis_and_retention(app):
    personal = datamap.personal_columns(db.metadata)
    assert "users" in personal
    for entries in personal.values():
        for entry in entries:
            assert entry.category in datamap.CATEGORIES
            assert entry.basis in datamap.BASES
            assert entry.retention in datamap.RETENTIONS


def test_G10_user_identifiers_are_marked_as_subject_keys(app):
    keys = {e.column for e in datamap.personal_columns(db.metadata)["users"] if e.subject_key}
    assert {"email", "first_name", "last_name", "phone", "nip"} <= keys


def test_every_tenant_owned_table_has_an_indexed_tenant_id(app):
    for table in db.metadata.sorted_tables:
        if table.name in PLATFORM_TABLES:
            continue
        assert "tenant_id" in table.columns, table.name
        assert not table.columns["tenant_id"].nullable, table.name
        assert any(list(ix.columns)[0].name == "tenant_id" for ix in table.indexes), table.name


def test_G10_an_unclassified_column_is_reported(app):
    from sqlalchemy import Column, Integer, MetaData, Table

    metadata = MetaData()
    Table("probe", metadata, Column("id", Integer, primary_key=True, info=datamap.not_pii()), Column("x", Integer))
    assert datamap.unclassified(metadata) == ["probe.x"]
