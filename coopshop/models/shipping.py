"""Parcels sent to shoppers: one shipment (label) per order and the tracking events it received.

The rules live in coopshop.services.shipping; here are the tables and what the database itself
refuses (a second shipment for an order, the same provider event stored twice).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from coopshop.models.base import Base, UTCDateTime, utcnow
from coopshop.models.orders import Order
from coopshop.models.withdrawals import WithdrawalRequest

# The normalised tracking statuses, in the order a parcel normally moves through them
# (services.shipping.base.apply_event orders them).
SHIPMENT_STATUSES = ("created", "in_transit", "out_for_delivery", "delivered", "returned", "failed")
SHIPPING_PROVIDERS = ("manual", "geliver")
# Our carrier codes and their names as shoppers know them (proper names, not translated).
CARRIER_NAMES = {
    "yurtici": "Yurtiçi Kargo",
    "aras": "Aras Kargo",
    "mng": "MNG Kargo / DHL eCommerce",
    "ptt": "PTT Kargo",
    "surat": "Sürat Kargo",
}


class Shipment(Base):
    """The label of one order: who carries it, its tracking number and link, its PDF, and the
    parcel's latest status (changed only through services.shipping.tracking)."""

    __tablename__ = "shipments"
    __table_args__ = (
        CheckConstraint(f"status IN {SHIPMENT_STATUSES!r}", name="status_valid"),
        CheckConstraint(f"provider IN {SHIPPING_PROVIDERS!r}", name="provider_valid"),
        CheckConstraint("price_kurus IS NULL OR price_kurus >= 0", name="price_non_negative"),
        CheckConstraint(
            "weight_g > 0 AND length_cm > 0 AND width_cm > 0 AND height_cm > 0",
            name="parcel_positive",
        ),
        UniqueConstraint("provider", "provider_ref"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="RESTRICT"), unique=True)
    provider: Mapped[str] = mapped_column(String(20))
    provider_ref: Mapped[str] = mapped_column(String(255))
    carrier: Mapped[str] = mapped_column(String(40))
    tracking_number: Mapped[str | None] = mapped_column(String(80))
    tracking_url: Mapped[str | None] = mapped_column(String(500))
    label_url: Mapped[str | None] = mapped_column(String(500))
    label_pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    barcode: Mapped[str | None] = mapped_column(String(80))
    price_kurus: Mapped[int | None] = mapped_column(BigInteger)
    weight_g: Mapped[int] = mapped_column(Integer)
    length_cm: Mapped[int] = mapped_column(Integer)
    width_cm: Mapped[int] = mapped_column(Integer)
    height_cm: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="created", index=True)
    status_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Set when the label was cancelled before the carrier had the parcel: the order may then get
    # a new label, which reuses this row (the cancelled one is in the audit log).
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Order.shipment (None until a label is bought), declared here so orders.py stays as it is.
    order: Mapped[Order] = relationship(backref=backref("shipment", uselist=False))
    events: Mapped[list[ShipmentEvent]] = relationship(
        back_populates="shipment", order_by="ShipmentEvent.id"
    )

    @property
    def carrier_name(self) -> str:
        """The carrier as shoppers know it; an unknown provider code as it came."""
        return CARRIER_NAMES.get(self.carrier, self.carrier.upper())

    def __repr__(self) -> str:
        return f"<Shipment {self.provider}:{self.provider_ref} {self.status}>"


class ShipmentEvent(Base):
    """One tracking event as the provider sent it (webhook or poll). The provider's event id is
    unique, so a repeated delivery is recognised and changes nothing."""

    __tablename__ = "shipment_events"
    __table_args__ = (
        CheckConstraint(f"status IN {SHIPMENT_STATUSES!r}", name="status_valid"),
        UniqueConstraint("provider", "provider_event_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(
        ForeignKey("shipments.id", ondelete="RESTRICT"), index=True
    )
    provider: Mapped[str] = mapped_column(String(20))
    provider_event_id: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(20))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Whether this event moved the shipment's status (an old scan arriving late does not).
    changed: Mapped[bool] = mapped_column(default=False)
    source: Mapped[str] = mapped_column(String(10))  # "webhook" or "poll"
    detail: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    shipment: Mapped[Shipment] = relationship(back_populates="events")


class ReturnShipment(Base):
    """The return code or label of one withdrawal request: the buyer sends the goods back with
    it. Bought through the aggregator (a return of the order's shipment) or typed by staff (the
    carrier and the return code of the cooperative's agreement). Its "delivered" event marks the
    request's goods received (services.shipping.returns), once."""

    __tablename__ = "return_shipments"
    __table_args__ = (
        CheckConstraint(f"status IN {SHIPMENT_STATUSES!r}", name="status_valid"),
        CheckConstraint(f"provider IN {SHIPPING_PROVIDERS!r}", name="provider_valid"),
        CheckConstraint("price_kurus IS NULL OR price_kurus >= 0", name="price_non_negative"),
        UniqueConstraint("provider", "provider_ref"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    withdrawal_id: Mapped[int] = mapped_column(
        ForeignKey("withdrawal_requests.id", ondelete="RESTRICT"), unique=True
    )
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="RESTRICT"), index=True)
    provider: Mapped[str] = mapped_column(String(20))
    provider_ref: Mapped[str] = mapped_column(String(255))
    carrier: Mapped[str] = mapped_column(String(40))
    return_code: Mapped[str | None] = mapped_column(String(80))
    tracking_number: Mapped[str | None] = mapped_column(String(80))
    tracking_url: Mapped[str | None] = mapped_column(String(500))
    label_url: Mapped[str | None] = mapped_column(String(500))
    label_pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    price_kurus: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(20), default="created", index=True)
    status_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    withdrawal: Mapped[WithdrawalRequest] = relationship(
        backref=backref("return_shipment", uselist=False)
    )
    order: Mapped[Order] = relationship()

    @property
    def carrier_name(self) -> str:
        return CARRIER_NAMES.get(self.carrier, self.carrier.upper())


class ShippingRate(Base):
    """One row of the admin's shipping price table: parcels up to `max_desi` (the greater of
    volumetric desi and kilograms, rounded up) to `province` ("" = everywhere else) cost
    `price_kurus`. services.shipping.rates picks the row."""

    __tablename__ = "shipping_rates"
    __table_args__ = (
        CheckConstraint("max_desi > 0", name="max_desi_positive"),
        CheckConstraint("price_kurus >= 0", name="price_non_negative"),
        UniqueConstraint("province", "max_desi"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    province: Mapped[str] = mapped_column(String(40), default="")
    max_desi: Mapped[int] = mapped_column(Integer)
    price_kurus: Mapped[int] = mapped_column(BigInteger)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
