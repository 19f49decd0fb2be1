"""Reading the cooperative's bank statements: MT940 (through the kept ``mt-940`` parser) and the
CSV exports of Turkish banks' internet branches, one column mapping per bank.

Each file becomes a ``Statement`` of plain ``Movement``s in kuruş (money in positive, money out
negative); nothing here touches the database. A layout is chosen by its key (``--bank`` on the
command line, a select on the upload page).

The CSV layouts (columns as the bank's "Hesap Hareketleri" export names them; rows above the
header — account holder, IBAN, period — are skipped until the header row is found):

- ``ziraat`` — Ziraat Bankası: ``Tarih;Fiş No;Açıklama;İşlem Tutarı;Bakiye``, dates as
  ``03.11.2026``, one signed amount column (``-850,00`` out, ``1.500,00`` in), semicolons,
  Windows-1254 or UTF-8 (a BOM is honoured). ``Fiş No`` is the bank's reference.
- ``isbank`` — Türkiye İş Bankası: ``Tarih/Saat;İşlem;Kanal;Dekont No;Açıklama;İşlem Tutarı;
  Bakiye``, dates as ``03/11/2026-14:22:05``; ``İşlem`` (Gelen EFT, Havale, ...) is kept in front
  of the description, ``Dekont No`` is the reference.

A statement line's counterparty is not a column of either export: their description carries it
("GELEN EFT AYŞE YILMAZ ..."), and the matcher reads references from the description.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

import mt940
from flask_babel import lazy_gettext as _l

from coopshop.money import MoneyError, parse_kurus
from coopshop.services.core.errors import ValidationFailed


@dataclass(frozen=True)
class Movement:
    booked_on: date
    amount_kurus: int
    reference: str = ""
    counterparty: str = ""
    description: str = ""


@dataclass(frozen=True)
class Statement:
    bank: str
    account: str = ""
    opening_kurus: int | None = None
    closing_kurus: int | None = None
    movements: list[Movement] = field(default_factory=list)

    @property
    def first_day(self) -> date | None:
        return min((m.booked_on for m in self.movements), default=None)

    @property
    def last_day(self) -> date | None:
        return max((m.booked_on for m in self.movements), default=None)


@dataclass(frozen=True)
class CsvLayout:
    """Where a bank's CSV export keeps each field (see the module docstring)."""

    label: str
    date_column: str
    date_format: str
    amount_column: str
    description_column: str
    reference_column: str
    kind_column: str | None = None  # a column put in front of the description (İş Bankası)
    delimiter: str = ";"


CSV_LAYOUTS = {
    "ziraat": CsvLayout(
        label="Ziraat Bankası (CSV)",
        date_column="Tarih",
        date_format="%d.%m.%Y",
        amount_column="İşlem Tutarı",
        description_column="Açıklama",
        reference_column="Fiş No",
    ),
    "isbank": CsvLayout(
        label="Türkiye İş Bankası (CSV)",
        date_column="Tarih/Saat",
        date_format="%d/%m/%Y-%H:%M:%S",
        amount_column="İşlem Tutarı",
        description_column="Açıklama",
        reference_column="Dekont No",
        kind_column="İşlem",
    ),
}
BANKS = {"mt940": "MT940", **{key: layout.label for key, layout in CSV_LAYOUTS.items()}}


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _refuse(message, **details):
    raise ValidationFailed(message, field="file", **details)


def _decimal_kurus(value: Decimal) -> int:
    kurus = value * 100
    if kurus != kurus.to_integral_value():
        _refuse(_l("Tutar kuruştan küçük basamak içeriyor: %(value)s", value=str(value)))
    return int(kurus)


def _text(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1254")  # Turkish Windows, as older exports are


def _movement(info) -> Movement:
    reference = info.get("customer_reference") or ""
    return Movement(
        booked_on=date(info["date"].year, info["date"].month, info["date"].day),
        amount_kurus=_decimal_kurus(info["amount"].amount),
        reference=("" if reference == "NONREF" else reference)[:120],
        counterparty=str(info.get("extra_details") or "")[:200],
        description=" ".join(str(info.get("transaction_details") or "").split()),
    )


def _balance(head: dict, *names: str) -> int | None:
    found = next((head[name] for name in names if head.get(name)), None)
    return _decimal_kurus(found.amount.amount) if found is not None else None


def read_mt940(data: bytes) -> Statement:
    """An MT940 file (one statement or several, each from its ``:20:``) through the kept
    ``mt940`` parser. Each statement must add up: opening balance + movements = closing."""
    try:
        blocks = mt940.parse_statements(_text(data))
    except Exception as exc:  # noqa: BLE001  (the parser raises plain exceptions of many kinds)
        _refuse(_l("MT940 dosyası okunamadı: %(error)s", error=str(exc)[:200]))
    movements: list[Movement] = []
    openings, closings = [], []
    for block in blocks:
        moved = [_movement(txn.data) for txn in block]
        opening = _balance(block.data, "final_opening_balance", "opening_balance")
        closing = _balance(block.data, "final_closing_balance", "closing_balance")
        if opening is not None and closing is not None:
            if opening + sum(m.amount_kurus for m in moved) != closing:
                _refuse(_l("Ekstre tutmuyor: açılış bakiyesi ile hareketler kapanışı vermiyor."))
        openings.append(opening)
        closings.append(closing)
        movements += moved
    if not movements:
        _refuse(_l("MT940 dosyasında hareket yok."))
    return Statement(
        bank="mt940",
        account=str(blocks[0].data.get("account_identification") or "")[:40],
        opening_kurus=openings[0],
        closing_kurus=closings[-1],
        movements=movements,
    )


def _signed_kurus(text: str) -> int:
    raw = (text or "").strip()
    sign = -1 if raw.startswith("-") else 1
    try:
        return sign * parse_kurus(raw.lstrip("+-"))
    except MoneyError:
        _refuse(_l("Tutar okunamadı: %(value)s", value=raw[:40]))


def read_csv(data: bytes, bank: str) -> Statement:
    """A bank's CSV export by its layout in CSV_LAYOUTS."""
    layout = CSV_LAYOUTS[bank]
    rows = list(csv.reader(io.StringIO(_text(data)), delimiter=layout.delimiter))
    header_at = next(
        (i for i, row in enumerate(rows) if layout.date_column in [c.strip() for c in row]), None
    )
    if header_at is None:
        _refuse(
            _l(
                "%(bank)s dosyasında '%(column)s' sütunu bulunamadı.",
                bank=layout.label,
                column=layout.date_column,
            )
        )
    columns = {name.strip(): i for i, name in enumerate(rows[header_at])}
    wanted = [layout.amount_column, layout.description_column, layout.reference_column]
    missing = [name for name in wanted if name not in columns]
    if missing:
        _refuse(_l("Eksik sütunlar: %(names)s", names=", ".join(missing)))

    def cell(row, name):
        index = columns.get(name)
        return row[index].strip() if index is not None and index < len(row) else ""

    movements = []
    for number, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        if not any(c.strip() for c in row):
            continue
        try:
            when = datetime.strptime(cell(row, layout.date_column), layout.date_format).date()
        except ValueError:
            _refuse(_l("%(n)d. satırın tarihi okunamadı.", n=number))
        description = cell(row, layout.description_column)
        if layout.kind_column:
            description = f"{cell(row, layout.kind_column)} {description}".strip()
        movements.append(
            Movement(
                booked_on=when,
                amount_kurus=_signed_kurus(cell(row, layout.amount_column)),
                reference=cell(row, layout.reference_column)[:120],
                description=" ".join(description.split()),
            )
        )
    if not movements:
        _refuse(_l("Dosyada hareket yok."))
    return Statement(bank=bank, movements=movements)


def read(data: bytes, bank: str) -> Statement:
    if bank == "mt940":
        return read_mt940(data)
    if bank in CSV_LAYOUTS:
        return read_csv(data, bank)
    _refuse(_l("Bilinmeyen banka biçimi: %(bank)s", bank=bank))
