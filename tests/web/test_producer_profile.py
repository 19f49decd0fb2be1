"""The producer's profile page: a Turkish IBAN checked with schwifty, a photo re-encoded or
refused, and the e-mail preference."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import AuditEvent, IbanChange, ProducerProfile
from tests.support.factories import PASSWORD, ProducerFactory
from tests.support.producer_support import picture


@pytest.fixture
def ayse(client, login):
    profile = ProducerFactory(display_name="Ayşe", iban=None)
    login(profile.user)
    return profile


def _data(**overrides) -> dict:
    data = {
        "display_name": "Ayşe Usta",
        "centre": "Mamak BELMEK",
        "craft": "Keçe",
        "bio": "Keçe çantalar yapıyorum.",
        "iban": "",
        "notify_email": "y",
    }
    data.update(overrides)
    return data


def _saved(profile_id: int) -> ProducerProfile:
    db.session.expire_all()
    return db.session.get(ProducerProfile, profile_id)


def test_her_profile_saves_and_a_new_iban_waits_in_compact_form(client, ayse):
    response = client.post(
        "/producer/profile",
        data=_data(iban="tr94 0001 0009 9999 0123 4567 89", current_password=PASSWORD),
    )
    assert response.status_code == 302
    saved = _saved(ayse.id)
    # Her first IBAN waits out the hold like any other (services.members.iban_changes).
    assert (saved.display_name, saved.craft, saved.iban) == ("Ayşe Usta", "Keçe", None)
    change = db.session.scalar(select(IbanChange).where(IbanChange.producer_id == ayse.id))
    assert (change.new_iban, change.status) == ("TR940001000999990123456789", "pending")
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "producer.iban_change_requested")
    )
    assert event.data["new"] == "TR94 **** 6789"
    html = client.get("/producer/profile").get_data(as_text=True)
    assert "Profiliniz kaydedildi." in html
    assert "Bekleyen yeni IBAN: TR94 **** 6789" in html
    assert "TR940001000999990123456789" not in html  # never shown in full


def test_the_cooperatives_own_iban_is_refused(app, client, ayse):
    response = client.post(
        "/producer/profile",
        data=_data(iban=app.config["COOP_IBAN"], current_password=PASSWORD),
    )
    assert response.status_code == 400
    assert "kooperatifin kendi hesabı" in response.get_data(as_text=True)
    assert db.session.scalars(select(IbanChange)).all() == []


@pytest.mark.parametrize(
    ("iban", "message"),
    [
        ("TR330006100519786457841327", "IBAN geçersiz"),
        ("TR33000610051978645784", "IBAN geçersiz"),
        ("DE89370400440532013000", "Yalnızca Türkiye'deki bir banka hesabının IBAN'ı"),
        ("123456", "Yalnızca Türkiye'deki bir banka hesabının IBAN'ı"),
    ],
)
def test_a_wrong_iban_is_refused_and_the_form_keeps_what_she_typed(client, ayse, iban, message):
    response = client.post("/producer/profile", data=_data(iban=iban))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html.replace("&#39;", "'")
    assert "Ayşe Usta" in html
    saved = _saved(ayse.id)
    assert (saved.display_name, saved.iban) == ("Ayşe", None)


def test_the_email_preference_can_be_turned_off(client, ayse):
    data = _data()
    del data["notify_email"]
    client.post("/producer/profile", data=data)
    assert _saved(ayse.id).notify_email is False


def test_a_photo_is_stored_as_a_square_thumbnail_and_a_non_image_is_refused(app, client, ayse):
    response = client.post(
        "/producer/profile",
        data=_data(photo=(io.BytesIO(picture("JPEG", (900, 600))), "ben.jpg")),
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    saved = _saved(ayse.id)
    assert saved.photo_path.startswith(f"producers/{ayse.id}/")
    stored = Path(app.config["UPLOAD_DIR"]) / saved.photo_path
    with Image.open(stored) as image:
        assert image.size == (400, 400)
        assert not image.getexif()

    response = client.post(
        "/producer/profile",
        data=_data(photo=(io.BytesIO(b"not a picture at all"), "ben.jpg")),
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "Bu dosya bir resim değil." in response.get_data(as_text=True)
    assert _saved(ayse.id).photo_path == saved.photo_path
