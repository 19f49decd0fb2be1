"""GET /healthz answers for the load balancer: ok when the database answers, 503 when not."""

from sqlalchemy.exc import OperationalError

from coopshop.db import db


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "db": "ok"}


def test_healthz_reports_database_down(client, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "db": "error"}


def test_nul_bytes_in_input_are_bad_requests_not_errors(client):
    assert client.get("/search?q=ab%00cd").status_code == 400
    assert (
        client.post("/auth/login", data={"email": "a\x00@b.org", "password": "x"}).status_code
        == 400
    )
