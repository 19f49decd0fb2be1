"""API: bazaar cash sessions and the tickets point-of-sale devices sync (services.bazaar.cash
and services.bazaar.sync). The offline point-of-sale page is a client of these too."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, field_validator
from pydantic_core import PydanticCustomError

from coopshop.api.auth import api_user
from coopshop.api.routes import operation
from coopshop.api.sales import load_order, order_out
from coopshop.api.schemas import (
    MAX_YEAR,
    MIN_YEAR,
    ClientRef,
    Input,
    Kurus,
    OrderOut,
    Output,
    Quantity,
    Query,
    Timestamp,
    text,
)
from coopshop.services.bazaar import cash, sync
from coopshop.services.core.uow import unit_of_work

DeviceId = Annotated[str, Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


class CashSessionIn(Input):
    event_name: text(120, min_length=1)
    desk: text(40, min_length=1)
    opening_float_kurus: Kurus


class CloseIn(Input):
    counted_kurus: Kurus
    expected_kurus: Kurus | None = Field(
        None, description="What the clerk was shown; a change since answers 409."
    )


class DeviceIn(Input):
    device_id: DeviceId
    label: text(60) = ""
    pending: Annotated[int, Field(ge=0, le=10_000)] = Field(
        description="How many tickets the device still holds unsent."
    )


class CashSessionOut(Output):
    id: int
    event_name: str
    desk: str
    status: Literal["open", "closed"]
    opening_float_kurus: int
    counted_kurus: int | None
    opened_at: Timestamp
    closed_at: Timestamp | None
    orders: int
    cash_sales_kurus: int
    card_sales_kurus: int
    expected_kurus: int
    difference_kurus: int | None
    unsent: dict[str, int] = Field(description="Devices still holding unsent tickets: id → count.")


class CashSessionList(Output):
    items: list[CashSessionOut]


class SessionsQuery(Query):
    status: Literal["open", "all"] = "open"


class CatalogueItemOut(Output):
    code: str
    title_tr: str
    title_en: str
    price_kurus: int
    stock: int
    made_to_order: bool


class CatalogueOut(Output):
    items: list[CatalogueItemOut]


class TicketLineIn(Input):
    code: text(16, min_length=1)
    quantity: Quantity
    unit_price_kurus: Kurus = Field(description="The price the device showed and was paid.")


class TicketIn(Input):
    client_ref: ClientRef = Field(description="The device's id for the ticket (a UUID).")
    device_id: DeviceId
    payment_method: Literal["cash", "card_terminal"]
    rung_at: AwareDatetime = Field(
        description="When the ticket was rung up, on the device's clock (ISO 8601 with offset)."
    )

    @field_validator("rung_at")
    @classmethod
    def _in_range(cls, value: datetime) -> datetime:
        if not MIN_YEAR <= value.year <= MAX_YEAR:
            raise PydanticCustomError("time_range", "out of range")
        return value.astimezone(UTC)

    slip_number: text(40) = ""
    lines: list[TicketLineIn] = Field(min_length=1, max_length=100)


class TicketOut(Output):
    client_ref: str
    first_time: bool
    conflicts: int = Field(description="Lines sold beyond the stock or at another price.")
    order: OrderOut


class DeviceOut(Output):
    device_id: str
    label: str
    pending: int


def session_out(session) -> CashSessionOut:
    summary = cash.summary(session)
    return CashSessionOut(
        id=session.id,
        event_name=session.event_name,
        desk=session.desk,
        status=session.status,
        opening_float_kurus=session.opening_float_kurus,
        counted_kurus=session.counted_kurus,
        opened_at=session.opened_at,
        closed_at=session.closed_at,
        orders=summary.orders,
        cash_sales_kurus=summary.cash_sales_kurus,
        card_sales_kurus=summary.card_sales_kurus,
        expected_kurus=summary.expected_kurus,
        difference_kurus=summary.difference_kurus,
        unsent={d.device_id: d.pending for d in cash.unsent(session.id)},
    )


STAFF = ("staff", "admin")


@operation(
    "GET",
    "/cash-sessions",
    summary="List cash sessions: the open ones, or the recent ones (staff, admin)",
    tag="bazaar",
    roles=STAFF,
    query=SessionsQuery,
    response=CashSessionList,
)
def list_sessions(query: SessionsQuery):
    sessions = cash.open_sessions() if query.status == "open" else cash.recent()
    return CashSessionList(items=[session_out(s) for s in sessions])


@operation(
    "POST",
    "/cash-sessions",
    summary="Open a desk at an event with its float (staff, admin)",
    tag="bazaar",
    roles=STAFF,
    body=CashSessionIn,
    response=CashSessionOut,
    status=201,
    errors=(409, 422),
)
def open_session(body: CashSessionIn):
    with unit_of_work():
        session = cash.open_session(
            body.event_name, body.desk, body.opening_float_kurus, api_user().id
        )
    return session_out(session)


@operation(
    "GET",
    "/cash-sessions/{session_id}",
    summary="One cash session with what its drawer should hold (staff, admin)",
    tag="bazaar",
    roles=STAFF,
    response=CashSessionOut,
    errors=(404,),
)
def get_session(session_id: int):
    return session_out(cash.get(session_id))


@operation(
    "POST",
    "/cash-sessions/{session_id}/close",
    summary="Count and close a desk; over/short is booked (staff, admin)",
    tag="bazaar",
    roles=STAFF,
    body=CloseIn,
    response=CashSessionOut,
    errors=(404, 409, 422),
)
def close_session(session_id: int, body: CloseIn):
    """Refused (409) while any device says it holds unsent tickets for this desk, naming them;
    and when ``expected_kurus`` no longer matches (a sale came in while counting)."""
    with unit_of_work():
        closing = cash.close_session(
            session_id, body.counted_kurus, api_user().id, expected_kurus=body.expected_kurus
        )
    return session_out(closing.summary.session)


@operation(
    "GET",
    "/cash-sessions/{session_id}/catalogue",
    summary="What a device keeps to sell offline: the products for sale (staff, admin)",
    tag="bazaar",
    roles=STAFF,
    response=CatalogueOut,
    errors=(404,),
)
def catalogue(session_id: int):
    cash.get(session_id)
    return CatalogueOut(items=[CatalogueItemOut(**item.__dict__) for item in sync.catalogue()])


@operation(
    "POST",
    "/cash-sessions/{session_id}/tickets",
    summary="Sync a ticket rung up on a device, maybe offline; recorded once (staff, admin)",
    tag="bazaar",
    roles=STAFF,
    body=TicketIn,
    response=TicketOut,
    status=201,
    also={200: TicketOut},
    errors=(404, 409, 422),
)
def sync_ticket(session_id: int, body: TicketIn):
    """201 the first time; 200 with the first order when the ticket (its ``client_ref``) was
    recorded before. Sold-out stock and changed prices are recorded and counted in
    ``conflicts``. A closed desk answers 409 and the device keeps the ticket."""
    ticket = sync.DeviceTicket(
        client_ref=body.client_ref,
        device_id=body.device_id,
        cash_session_id=session_id,
        payment_method=body.payment_method,
        lines=[sync.DeviceLine(ln.code, ln.quantity, ln.unit_price_kurus) for ln in body.lines],
        rung_at=body.rung_at,
        actor_id=api_user().id,
        slip_number=body.slip_number,
    )
    with unit_of_work():
        synced = sync.record(ticket)
    out = TicketOut(
        client_ref=synced.ticket.client_ref,
        first_time=synced.first_time,
        conflicts=synced.ticket.conflicts,
        order=order_out(load_order(synced.order.id)),
    )
    return out if synced.first_time else (out, 200)


@operation(
    "POST",
    "/cash-sessions/{session_id}/devices",
    summary="A device says how many tickets it still holds unsent (staff, admin)",
    tag="bazaar",
    roles=STAFF,
    body=DeviceIn,
    response=DeviceOut,
    errors=(404, 422),
)
def report_device(session_id: int, body: DeviceIn):
    with unit_of_work():
        device = sync.report_device(session_id, body.device_id, body.label, body.pending)
    return DeviceOut(device_id=device.device_id, label=device.label, pending=device.pending)
