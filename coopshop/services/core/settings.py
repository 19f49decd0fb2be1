"""The cooperative's money settings as one frozen value, so services take plain arguments."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app


@dataclass(frozen=True)
class CoopSettings:
    default_commission_bp: int = 1500
    return_window_days: int = 14
    offline_available_days: int = 0
    payout_minimum_kurus: int = 10000
    payout_two_admins: bool = True
    fees_spread_to_makers: bool = False
    shipping_flat_kurus: int = 7500
    free_shipping_threshold_kurus: int = 150000
    order_expiry_minutes: int = 30
    transfer_payment_days: int = 3
    dispatch_days: int = 3  # an in-stock order reaches the carrier within this (the contract)
    iban_hold_hours: int = 48
    coop_iban: str = ""
    # An online sale with no delivery recorded becomes payable this long after payment.
    max_payable_wait_days: int = 45


def from_config(config) -> CoopSettings:
    return CoopSettings(
        default_commission_bp=config["DEFAULT_COMMISSION_BP"],
        return_window_days=config["RETURN_WINDOW_DAYS"],
        offline_available_days=config["OFFLINE_AVAILABLE_DAYS"],
        payout_minimum_kurus=config["PAYOUT_MINIMUM_KURUS"],
        payout_two_admins=config["PAYOUT_TWO_ADMINS"],
        fees_spread_to_makers=config["FEES_SPREAD_TO_MAKERS"],
        shipping_flat_kurus=config["SHIPPING_FLAT_KURUS"],
        free_shipping_threshold_kurus=config["FREE_SHIPPING_THRESHOLD_KURUS"],
        order_expiry_minutes=config["ORDER_EXPIRY_MINUTES"],
        transfer_payment_days=config["TRANSFER_PAYMENT_DAYS"],
        dispatch_days=config.get("DISPATCH_DAYS", 3),
        iban_hold_hours=config["IBAN_HOLD_HOURS"],
        coop_iban="".join((config.get("COOP_IBAN") or "").split()).upper(),
        max_payable_wait_days=config.get("MAX_PAYABLE_WAIT_DAYS", 45),
    )


_SHIPPING_KEYS = (
    "SHIPPING_DEFAULT_DIMENSIONS_CM",
    "SHIPPING_DEFAULT_WEIGHT_G",
    "SHIPPING_ITEM_WEIGHT_G",
)


def shipping_config() -> dict:
    """The parcel settings the shipping price reads (services.sales.shipping_price.cart_box)."""
    return {key: current_app.config.get(key) for key in _SHIPPING_KEYS}


def current() -> CoopSettings:
    """The settings of the running app (services may also be handed a CoopSettings directly)."""
    return from_config(current_app.config)
