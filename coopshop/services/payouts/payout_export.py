"""The bank's bulk-transfer file (EFT) for a payout batch, as Turkish banks' upload pages take it:
UTF-8 with a BOM, semicolons, CRLF; name, IBAN, amount as 1234,50 and a description."""

from __future__ import annotations

import csv
import io

from flask_babel import lazy_gettext as _l

from coopshop.services.core import audit
from coopshop.services.core.errors import Conflict
from coopshop.services.payouts.batches import get_batch, period_label
from coopshop.services.payouts.totals import totals

DESCRIPTION_PREFIX = "Başkent Kadın Girişimi ödeme"
CSV_HEADER = ("Alıcı Adı", "IBAN", "Tutar", "Açıklama")


def format_amount(kurus: int) -> str:
    """Kuruş as a bank file wants it: 1234,50 (no thousands separator, comma decimals)."""
    return f"{kurus // 100},{kurus % 100:02d}"


def export_csv(batch_id: int, actor_id: int | None) -> bytes:
    """The bank's bulk-transfer file for the lines still to pay: UTF-8 with a BOM (so Excel and
    the banks' upload pages read Turkish letters), semicolons, CRLF. Drafts cannot be exported:
    only approved money leaves."""
    batch = get_batch(batch_id)
    if batch.status not in ("approved", "paid"):
        raise Conflict(_l("Yalnız onaylanmış bir liste bankaya aktarılabilir."))
    label = period_label(batch)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    pending = [line for line in batch.lines if line.status == "pending"]
    for line in pending:
        writer.writerow(
            (
                line.account_name,
                line.iban,
                format_amount(line.net_kurus),  # after the withholding kept for the tax office
                f"{DESCRIPTION_PREFIX} {label} #{line.id}",
            )
        )
    still = totals(batch).pending
    audit.record(
        actor_id,
        "payout.batch_exported",
        batch,
        lines=still.lines,
        total_kurus=still.net_kurus,
        withholding_kurus=still.withholding_kurus,
    )
    return ("\ufeff" + out.getvalue()).encode("utf-8")
