"""Roles × pages: each role reaches its own pages and is refused everywhere else, with a friendly
page in the visitor's language (or JSON for the API)."""

from __future__ import annotations

import pytest

from tests.support.factories import PASSWORD, ProducerFactory, UserFactory

ROLES = ("guest", "customer", "producer", "staff", "admin")
PAGES = ("/account", "/producer/", "/staff/", "/admin/")

# What each role gets on each page: 200, 403, or "login" (a redirect to the login page).
EXPECTED = {
    "guest": {"/account": "login", "/producer/": "login", "/staff/": "login", "/admin/": "login"},
    "customer": {"/account": 200, "/producer/": 403, "/staff/": 403, "/admin/": 403},
    "producer": {"/account": 200, "/producer/": 200, "/staff/": 403, "/admin/": 403},
    "staff": {"/account": 200, "/producer/": 403, "/staff/": 200, "/admin/": 403},
    "admin": {"/account": 200, "/producer/": 403, "/staff/": 200, "/admin/": 200},
}

# Where each role lands after logging in, and a heading only that page has.
HOMES = {
    "customer": ("/account", "Hesabım"),
    "producer": ("/producer/", "Ürünlerim"),
    "staff": ("/staff/", "Satış masası"),
    "admin": ("/admin/", "Kooperatif yönetimi"),
}

# The menu links each role is shown (and the others are not).
MENU = {"Atölyem": {"producer"}, "Masa": {"staff", "admin"}, "Yönetim": {"admin"}}


def make_user(role: str, **kwargs):
    if role == "producer":
        return ProducerFactory(user__name="Gülsüm Aksoy", **kwargs).user
    return UserFactory(role=role, name=f"Deneme {role}", **kwargs)


def log_in_as(client, role: str):
    if role == "guest":
        return None
    user = make_user(role)
    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    return user


@pytest.mark.parametrize(
    ("role", "path"),
    [(role, path) for role in ROLES for path in PAGES],
    ids=[f"{role}-{path.strip('/') or 'root'}" for role in ROLES for path in PAGES],
)
def test_roles_and_pages(client, role, path):
    log_in_as(client, role)
    response = client.get(path)
    expected = EXPECTED[role][path]
    html = response.get_data(as_text=True)
    if expected == "login":
        assert response.status_code == 302
        assert response.location == f"/auth/login?next={path.replace('/', '%2F')}"
    elif expected == 403:
        assert response.status_code == 403
        assert '<html lang="tr">' in html
        assert "Bu sayfaya erişiminiz yok" in html
        assert "Mağazaya dön" in html
    else:
        assert response.status_code == 200
        assert '<html lang="tr">' in html


@pytest.mark.parametrize("role", sorted(HOMES))
def test_each_role_lands_on_its_home_page(client, role):
    user = make_user(role)
    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    home, heading = HOMES[role]
    assert response.status_code == 302
    assert response.location == home
    landing = client.get(home)
    assert landing.status_code == 200
    html = landing.get_data(as_text=True)
    assert heading in html
    assert user.name in html  # the account link in the menu
    for link, roles in MENU.items():
        shown = f">{link}</a>" in html
        assert shown == (role in roles), (link, role)


@pytest.mark.parametrize("role", sorted(HOMES))
@pytest.mark.parametrize("locale", ["tr", "en"])
def test_every_page_a_role_may_see_renders_in_both_languages(client, role, locale):
    log_in_as(client, role)
    client.post(f"/language/{locale}", data={"next": "/"})
    for path in PAGES:
        if EXPECTED[role][path] != 200:
            continue
        response = client.get(path)
        assert response.status_code == 200, path
        assert f'<html lang="{locale}">' in response.get_data(as_text=True)


def test_a_member_still_applying_sees_her_workspace_with_a_notice(client):
    profile = ProducerFactory(membership_status="applied", display_name="Sevim")
    client.post("/auth/login", data={"email": profile.user.email, "password": PASSWORD})
    html = client.get("/producer/").get_data(as_text=True)
    assert "Merhaba Sevim" in html
    assert "Üyelik başvurunuz inceleniyor." in html


def test_a_producer_account_without_a_member_profile_is_refused(client):
    user = UserFactory(role="producer")
    client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert client.get("/producer/").status_code == 403


def test_the_404_page_is_friendly_and_in_turkish(client):
    response = client.get("/boyle-bir-sayfa-yok")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Sayfa bulunamadı" in html
    assert "Aradığınız sayfa yok ya da taşınmış." in html
    assert '<html lang="tr">' in html


def test_the_error_pages_follow_the_language(client):
    client.post("/language/en", data={"next": "/"})
    response = client.get("/boyle-bir-sayfa-yok")
    assert response.status_code == 404
    assert '<html lang="en">' in response.get_data(as_text=True)


def test_the_api_answers_errors_in_json(client):
    response = client.get("/api/v1/boyle-bir-sey-yok")
    assert response.status_code == 404
    assert response.is_json
    assert response.get_json() == {"error": {"code": "not_found", "message": "Sayfa bulunamadı"}}


def test_a_json_client_is_refused_in_json(client):
    log_in_as(client, "customer")
    response = client.get("/admin/", headers={"Accept": "application/json"})
    assert response.status_code == 403
    assert response.get_json() == {
        "error": {"code": "forbidden", "message": "Bu sayfaya erişiminiz yok"}
    }


def test_a_wrong_method_keeps_its_allow_header(client):
    response = client.get("/auth/logout")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert "Bu işlem yapılamaz" in response.get_data(as_text=True)
