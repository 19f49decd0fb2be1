"""Staff pages: the installable point of sale that keeps selling offline (routes on the staff
blueprint).

The page (templates/staff/offline_pos.html, static/js/pos-offline.js) keeps the desk's catalogue
and every ticket rung up in the browser's IndexedDB, and its service worker
(static/js/pos-sw.js, served from here so its scope is /staff/offline/) keeps the page itself.
Tickets come back here one by one with the id the device gave them, and are recorded exactly
once by services.bazaar.sync. These JSON views use the staff session cookie and the CSRF token
in an ``X-CSRFToken`` header, like the desk's forms; the bearer-token API is for other apps.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Literal

from flask import (
    Response,
    abort,
    current_app,
    jsonify,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from coopshop.money import kurus_text
from coopshop.services.bazaar import cash, receipts, sync
from coopshop.services.core.errors import NotFound
from coopshop.staff.routes import bp
from coopshop.web.permissions import roles_required
from coopshop.web.uow import attempt, kind_of

STAFF = ("staff", "admin")
MAX_KURUS = 10**12
_ID = r"^[A-Za-z0-9_-]+$"
_NO_NUL = r"^[^\x00]*$"
SCOPE = "/staff/offline/"


class _Input(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


class TicketLineIn(_Input):
    code: Annotated[str, Field(min_length=1, max_length=16, pattern=_NO_NUL)]
    quantity: Annotated[int, Field(ge=1, le=999)]
    unit_price_kurus: Annotated[int, Field(ge=0, le=MAX_KURUS)]


class TicketIn(_Input):
    client_ref: Annotated[str, Field(min_length=8, max_length=64, pattern=_ID)]
    device_id: Annotated[str, Field(min_length=8, max_length=64, pattern=_ID)]
    payment_method: Literal["cash", "card_terminal"]
    rung_at: AwareDatetime
    slip_number: Annotated[str, Field(max_length=40, pattern=_NO_NUL)] = ""
    email: Annotated[str, Field(max_length=254, pattern=_NO_NUL)] = ""
    lines: Annotated[list[TicketLineIn], Field(min_length=1, max_length=100)]


class DeviceIn(_Input):
    device_id: Annotated[str, Field(min_length=8, max_length=64, pattern=_ID)]
    label: Annotated[str, Field(max_length=60, pattern=_NO_NUL)] = ""
    pending: Annotated[int, Field(ge=0, le=10_000)]


def _error(status: int, code: str, message: str, **extra):
    return jsonify(error={"code": code, "message": str(message), **extra}), status


def _domain_error(error):
    kind = kind_of(error)
    extra = {k: v for k, v in error.details.items() if k == "devices"}
    return _error(kind.api_status, kind.api_code, error.message, **extra)


def _invalid(exc: ValidationError):
    where = ".".join(str(p) for p in exc.errors()[0]["loc"]) if exc.errors() else ""
    return _error(422, "invalid", _("Fiş okunamadı: %(field)s", field=where or "?"), field=where)


def _money_format() -> dict[str, str]:
    """How this locale writes ₺1.234,56, taken apart so the page's script writes amounts the
    way the server's filter does."""
    text = kurus_text(123456)
    one, six = text.index("1"), text.rindex("6")
    return {
        "prefix": text[:one],
        "group": text[one + 1],
        "decimal": text[one + 5],
        "suffix": text[six + 1 :],
    }


def _session_out(session) -> dict:
    return {
        "id": session.id,
        "event_name": session.event_name,
        "desk": session.desk,
        "status": session.status,
    }


def _unsent(session_id: int) -> list[dict]:
    return [
        {"device_id": d.device_id, "label": d.label, "pending": d.pending}
        for d in cash.unsent(session_id)
    ]


def _session_or_404(session_id: int):
    try:
        return cash.get(session_id)
    except NotFound:
        return None


@bp.get("/offline/")
@roles_required(*STAFF)
def offline_index():
    return render_template("staff/offline_index.html", sessions=cash.open_sessions())


@bp.get("/offline/<int:session_id>")
@roles_required(*STAFF)
def offline_pos(session_id: int):
    session = _session_or_404(session_id)
    if session is None:
        abort(404)
    locale = str(get_locale() or "tr")
    config = {
        "session": _session_out(session),
        "locale": locale,
        "money": _money_format(),
        "urls": {
            "state": url_for("staff.offline_state", session_id=session.id),
            "tickets": url_for("staff.offline_ticket", session_id=session.id),
            "device": url_for("staff.offline_device", session_id=session.id),
            "worker": url_for("staff.offline_service_worker"),
            "scope": SCOPE,
        },
        "strings": _strings(),
    }
    response = Response(render_template("staff/offline_pos.html", session=session, config=config))
    # The service worker keeps this page for offline use; the browser's own cache must not.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/offline/<int:session_id>/state")
@roles_required(*STAFF)
def offline_state(session_id: int):
    """What the device keeps: the desk, its catalogue (stock as of now), the devices still
    holding tickets, and a fresh CSRF token for the sends that follow."""
    session = _session_or_404(session_id)
    if session is None:
        return _error(404, "not_found", _("Kasa oturumu bulunamadı."))
    english = str(get_locale() or "tr") == "en"
    items = [
        {
            "code": item.code,
            "title": (item.title_en or item.title_tr) if english else item.title_tr,
            "price_kurus": item.price_kurus,
            "stock": item.stock,
            "made_to_order": item.made_to_order,
        }
        for item in sync.catalogue()
    ]
    response = jsonify(
        session=_session_out(session),
        catalogue=items,
        unsent=_unsent(session.id),
        csrf_token=generate_csrf(),
        server_time=datetime.now(UTC).isoformat(),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _ticket_out(synced: sync.Synced, mailed: bool) -> dict:
    order = synced.order
    return {
        "client_ref": synced.ticket.client_ref,
        "first_time": synced.first_time,
        "conflicts": synced.ticket.conflicts,
        "receipt_mailed": mailed,
        "order": {
            "number": order.number,
            "total_kurus": order.total_kurus,
            "payment_method": order.payment_method,
            "lines": [
                {
                    "code": line.product_code,
                    "title": line.title,
                    "quantity": line.quantity,
                    "unit_price_kurus": line.unit_price_kurus,
                    "gross_kurus": line.gross_kurus,
                    "stock_short": line.stock_short,
                    "list_price_kurus": line.list_price_kurus,
                }
                for line in order.lines
            ],
        },
    }


@bp.post("/offline/<int:session_id>/tickets")
@roles_required(*STAFF)
def offline_ticket(session_id: int):
    """201 the first time a ticket comes; 200 with its first order when it came before. A
    closed desk or an unknown product answer 409/404/422 and the device keeps the ticket."""
    try:
        body = TicketIn.model_validate_json(request.get_data() or b"")
    except ValidationError as exc:
        return _invalid(exc)
    ticket = sync.DeviceTicket(
        client_ref=body.client_ref,
        device_id=body.device_id,
        cash_session_id=session_id,
        payment_method=body.payment_method,
        lines=[sync.DeviceLine(ln.code, ln.quantity, ln.unit_price_kurus) for ln in body.lines],
        rung_at=body.rung_at.astimezone(UTC),
        actor_id=current_user.id,
        slip_number=body.slip_number,
    )
    locale = str(get_locale() or "tr")
    outcome = attempt(receipts.record, ticket, body.email, locale, show=False)
    if not outcome.ok:
        return _domain_error(outcome.error)
    synced, mailed = outcome.value
    return jsonify(_ticket_out(synced, mailed)), 201 if synced.first_time else 200


@bp.post("/offline/<int:session_id>/device")
@roles_required(*STAFF)
def offline_device(session_id: int):
    """The device says how many tickets it still holds: closing the desk waits for them."""
    try:
        body = DeviceIn.model_validate_json(request.get_data() or b"")
    except ValidationError as exc:
        return _invalid(exc)
    outcome = attempt(
        sync.report_device, session_id, body.device_id, body.label, body.pending, show=False
    )
    if not outcome.ok:
        return _domain_error(outcome.error)
    device = outcome.value
    return jsonify(
        device_id=device.device_id,
        label=device.label,
        pending=device.pending,
        unsent=_unsent(session_id),
    )


@bp.get("/offline/manifest.webmanifest")
@roles_required(*STAFF)
def offline_manifest():
    """The web app manifest: the point of sale installs as an app that opens on the desk list.
    Like every desk address it is for staff only (the page asks for it with its cookies)."""
    manifest = {
        "name": _("Başkent Kadın Girişimi · Pazar kasası"),
        "short_name": _("Pazar kasası"),
        "lang": str(get_locale() or "tr"),
        "start_url": url_for("staff.offline_index"),
        "scope": SCOPE,
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#6b2046",
        "icons": [
            {
                "src": url_for("static", filename=f"img/pos-{size}.png"),
                "sizes": f"{size}x{size}",
                "type": "image/png",
            }
            for size in (192, 512)
        ],
    }
    response = jsonify(manifest)
    response.mimetype = "application/manifest+json"
    return response


@bp.get("/offline/sw.js")
@roles_required(*STAFF)
def offline_service_worker():
    """The service worker, from static/js but served under /staff/offline/ so that its scope
    covers the page; never cached by the browser, so a new version is picked up at once."""
    path = Path(current_app.static_folder) / "js" / "pos-sw.js"
    response = Response(path.read_bytes(), mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response


def _strings() -> dict[str, str]:
    """Every text the page's script shows, translated here (the script only fills them in)."""
    return {
        "pending_one": _("%(n)s satış gönderilmeyi bekliyor"),
        "pending_none": _("Bekleyen satış yok"),
        "last_sync": _("Son eşitleme: %(time)s"),
        "never_synced": _("Henüz eşitlenmedi"),
        "online": _("Çevrimiçi"),
        "offline": _("Çevrimdışı: satışlar bu cihazda saklanıyor"),
        "syncing": _("Gönderiliyor…"),
        "retry_in": _("Bağlantı yok; %(s)s sn sonra yeniden denenecek"),
        "login_needed": _("Oturum kapanmış: satışları göndermek için yeniden giriş yapın."),
        "unknown_code": _("Bu kodla bir ürün yok: %(code)s"),
        "no_catalogue": _("Katalog henüz bu cihaza indirilmedi; bir kez internete bağlanın."),
        "stock_warning": _("Son eşitlemeye göre stokta %(n)s adet var."),
        "empty_ticket": _("Fiş boş. Ürün kodunu yazın ya da okutun."),
        "sold": _("Satış kaydedildi"),
        "sold_detail": _("Fiş bu cihazda saklandı; bağlantı olunca gönderilir."),
        "slip_needed": _("Kartla ödemede POS cihazının slip numarasını yazın."),
        "bad_email": _("E-posta adresi geçersiz."),
        "cash": _("Nakit"),
        "card": _("Kart (POS cihazı)"),
        "slip": _("Slip no"),
        "waiting": _("Gönderilmeyi bekliyor"),
        "synced": _("Gönderildi · Sipariş no %(number)s"),
        "refused": _("Sunucu kabul etmedi: %(message)s"),
        "conflict_stock": _("Stok yetersizdi: %(n)s adet eksik; stok düzeltilmeli."),
        "conflict_price": _("Fiyat değişmiş: cihazda %(shown)s, katalogda %(list)s."),
        "remove": _("Çıkar"),
        "print58": _("Yazdır (58 mm)"),
        "print80": _("Yazdır (80 mm)"),
        "receipt_title": _("Satış fişi"),
        "receipt_total": _("Toplam (KDV dahil)"),
        "receipt_ref": _("Fiş kimliği"),
        "receipt_thanks": _("Teşekkür ederiz."),
        "receipt_mail": _("Fiş e-postayla gönderilecek: %(email)s"),
        "devices_waiting": _("Gönderilmemiş satış tutan cihazlar: %(devices)s"),
        "session_closed": _("Bu kasa oturumu kapatılmış; yeni satış yapılamaz."),
        "device_label": _("Cihaz %(id)s"),
        "change": _("Para üstü: %(amount)s"),
        "tendered_short": _("Alınan nakit toplamdan az."),
    }
