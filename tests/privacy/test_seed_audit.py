"""Hand-computed cases from the SaaS vendor's terms and DPA (seed 004) and GDPR, driven through the commands."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.notifications.models import Notification
from portal.privacy.models import DataSubjectRequest
from portal.tenancy.guard import use_tenant
from tests import factories


def _file_and_process(runner, kind: str, email: str):
    ref = runner.invoke(args=["privacy", "request", "alpha", "--kind", kind, "--email", email]).output.strip()
    return ref, runner.invoke(args=["privacy", "process", "alpha", ref])


def test_G07_G04_G05_a_restricted_subject_still_gets_the_answers_and_can_be_erased_without_residue(app, tenant_a):
    """G-07 stops the programme's processing and notices, not the answers to the subject's own requests (GDPR
    art. 12(3)): a restricted subject who asks for a copy gets the bundle link, and the answers sent meanwhile are
    the subject's own notices — erased with the rest, not left behind as residues holding the address."""
    user = factories.user(tenant_a, email="ala@example.com")
    runner = app.test_cli_runner()
    _file_and_process(runner, "restriction", user.email)
    ref, result = _file_and_process(runner, "access", user.email)
    assert result.exit_code == 0 and "bundle ready until" in result.output
    db.session.rollback()
    with use_tenant(tenant_a.id):
        bundle = db.session.scalars(select(Notification).where(Notification.kind == "request_bundle")).one()
        assert bundle.user_id == user.id and bundle.params.get("token")
        assert db.session.scalars(select(Notification).where(Notification.user_id.is_(None))).all() == []
    ref, result = _file_and_process(runner, "erasure", user.email)
    assert result.exit_code == 0, result.output
    db.session.rollback()
    with use_tenant(tenant_a.id):
        row = db.session.scalars(select(DataSubjectRequest).where(DataSubjectRequest.reference == ref)).one()
        assert (row.status, row.residues) == ("done", 0)
