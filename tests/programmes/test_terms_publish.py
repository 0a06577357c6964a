"""E-03: an organiser publishes new terms by loading its definition with the changed text beside it; each participant
is asked to accept the new version at its next visit, and its acceptance is stored with that text's hash."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import select

from portal.extensions import db
from portal.privacy.models import Consent
from portal.programmes import documents
from portal.tenancy import service as tenants
from portal.tenancy.guard import use_tenant
from tests import factories

ROOT = Path(__file__).resolve().parents[2]


def _saas_with_its_folder(app, tmp_path: Path):
    """The SaaS vendor created from its preset, a Polish participant, and a copy of the preset's folder to edit."""
    runner = app.test_cli_runner()
    assert runner.invoke(args=["tenants", "create", str(ROOT / "tenants" / "saas-vendor")]).exit_code == 0
    tenant = tenants.by_slug("saas-vendor")
    folder = tmp_path / "saas-vendor"
    shutil.copytree(ROOT / "tenants" / "saas-vendor", folder)
    return runner, tenant, factories.user(tenant, locale="pl"), folder


def test_E03_programme_load_publishes_changed_terms_for_acceptance_with_their_hash(app, client, tmp_path):
    runner, tenant, user, folder = _saas_with_its_folder(app, tmp_path)
    changed = (folder / "terms.pl.md").read_text(encoding="utf-8") + "\n\n§ 99. Nowe postanowienie.\n"
    (folder / "terms.pl.md").write_text(changed, encoding="utf-8")
    result = runner.invoke(args=["programme", "load", "saas-vendor", str(folder / "programme.toml")])
    assert result.exit_code == 0, result.output
    assert "terms version 2, to be accepted" in result.output
    assert "privacy version" not in result.output  # unchanged: nobody accepts the same text again
    assert factories.login(client, tenant, user.email).status_code == 302
    page = client.get("/t/saas-vendor/leads")
    assert page.status_code == 302 and page.location.endswith("/t/saas-vendor/accept")
    assert "Nowe postanowienie" in client.get("/t/saas-vendor/accept").get_data(as_text=True)
    assert client.post("/t/saas-vendor/accept", data={"accept": "y"}).status_code == 302
    assert client.get("/t/saas-vendor/partner/join").status_code == 200
    with use_tenant(tenant.id):
        given = db.session.scalars(select(Consent).where(Consent.user_id == user.id, Consent.kind == "terms",
                                                         Consent.version == 2)).one()
    assert given.text_sha256 == documents.sha256(changed)


def test_E03_a_definition_loaded_without_its_texts_publishes_no_new_terms(app, tmp_path):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["tenants", "create", str(ROOT / "tenants" / "saas-vendor")]).exit_code == 0
    path = tmp_path / "programme.toml"
    path.write_text((ROOT / "tenants" / "saas-vendor" / "programme.toml").read_text(encoding="utf-8")
                    + "\n# changed\n", encoding="utf-8")
    result = runner.invoke(args=["programme", "load", "saas-vendor", str(path)])
    assert result.exit_code == 0, result.output
    assert "terms version" not in result.output
    assert "terms.pl.md is not beside programme.toml: that text is not published" in result.stderr
    with use_tenant(tenants.by_slug("saas-vendor").id):
        assert documents.current("terms", "pl").version == 1


def test_E03_terms_published_while_the_participant_reads_are_not_accepted_unseen(app, client, tmp_path):
    """The participant opens version 2 for acceptance; the organiser publishes version 3 before the form is sent:
    the acceptance is not recorded for a text the participant never saw — version 3 is shown to be accepted."""
    import re

    runner, tenant, user, folder = _saas_with_its_folder(app, tmp_path)
    for clause in ("§ 98. Druga wersja.", "§ 99. Trzecia wersja."):
        text = (folder / "terms.pl.md").read_text(encoding="utf-8") + f"\n\n{clause}\n"
        (folder / "terms.pl.md").write_text(text, encoding="utf-8")
        assert runner.invoke(args=["programme", "load", "saas-vendor", str(folder / "programme.toml")]).exit_code == 0
        if clause.startswith("§ 98"):
            factories.login(client, tenant, user.email)
            page = client.get("/t/saas-vendor/accept").get_data(as_text=True)
            assert "Druga wersja" in page and "Trzecia wersja" not in page
            shown = re.search(r'name="shown" type="hidden" value="([^"]*)"', page).group(1)
    answer = client.post("/t/saas-vendor/accept", data={"accept": "y", "shown": shown})
    assert answer.status_code == 409 and "Trzecia wersja" in answer.get_data(as_text=True)
    with use_tenant(tenant.id):
        assert not db.session.scalars(select(Consent).where(Consent.user_id == user.id, Consent.kind == "terms",
                                                            Consent.version >= 2)).all()
