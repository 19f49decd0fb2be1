"""All models, imported here so the metadata is complete for Alembic and create_all()."""

from coopshop.models.audit import AuditEvent
from coopshop.models.bank import BankStatement, BankStatementLine, ProviderSettlement
from coopshop.models.base import Base, utcnow
from coopshop.models.cash import CashSession, OfflineTicket, PosDevice
from coopshop.models.catalog import Category, Collection, Product, ProductImage, ProductMaker
from coopshop.models.events import OutboxJob, OutboxMessage, SmsMessage, WebhookEvent
from coopshop.models.invoicing import Invoice
from coopshop.models.ledger import Account, LedgerEntry, LedgerTransaction
from coopshop.models.legal import LegalDocument, OrderAgreement
from coopshop.models.orders import (
    Order,
    OrderLine,
    OrderLineMaker,
    Payment,
    Refund,
    RefundLine,
    RefundRequest,
)
from coopshop.models.payouts import PayoutBatch, PayoutLine
from coopshop.models.pickup import PickupRun, PickupRunLine
from coopshop.models.policy import CommissionRate, WithholdingRate
from coopshop.models.privacy import ConsentRecord, DataRequest
from coopshop.models.producer import StatementQuestion, StockMovement
from coopshop.models.rollups import ReportRollup
from coopshop.models.shipping import ReturnShipment, Shipment, ShipmentEvent, ShippingRate
from coopshop.models.user import ApiToken, ExemptionReminder, IbanChange, ProducerProfile, User
from coopshop.models.withdrawals import WithdrawalLine, WithdrawalRequest

__all__ = [
    "BankStatement",
    "BankStatementLine",
    "ProviderSettlement",
    "Account",
    "ApiToken",
    "AuditEvent",
    "Base",
    "CashSession",
    "OfflineTicket",
    "PosDevice",
    "Category",
    "Collection",
    "CommissionRate",
    "ConsentRecord",
    "DataRequest",
    "IbanChange",
    "WithholdingRate",
    "Invoice",
    "LedgerEntry",
    "LegalDocument",
    "OrderAgreement",
    "LedgerTransaction",
    "Order",
    "OrderLine",
    "OrderLineMaker",
    "OutboxJob",
    "OutboxMessage",
    "SmsMessage",
    "Payment",
    "PayoutBatch",
    "PickupRun",
    "PickupRunLine",
    "PayoutLine",
    "ProducerProfile",
    "ReportRollup",
    "ExemptionReminder",
    "Product",
    "ProductImage",
    "ProductMaker",
    "Refund",
    "RefundLine",
    "RefundRequest",
    "ReturnShipment",
    "Shipment",
    "ShipmentEvent",
    "ShippingRate",
    "StatementQuestion",
    "StockMovement",
    "User",
    "WebhookEvent",
    "WithdrawalLine",
    "WithdrawalRequest",
    "utcnow",
]
