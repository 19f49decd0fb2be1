"""What an admin must look at before a payout batch goes to the bank: two members paid to the
same IBAN, a member paid to the cooperative's own IBAN, and members whose new IBAN was still on
hold when the batch was made (paid to their old one, or held back)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from coopshop.models import IbanChange, PayoutBatch
from coopshop.services.members import iban_changes
from coopshop.services.members.producer_profile import masked_iban


@dataclass(frozen=True)
class SharedIban:
    iban: str  # masked
    names: tuple[str, ...]


@dataclass(frozen=True)
class HeldChange:
    name: str
    paid_to: str | None  # masked IBAN the line pays, None when she was held back
    new_iban: str  # masked
    hold_until: datetime


@dataclass(frozen=True)
class BatchWarnings:
    shared: tuple[SharedIban, ...] = ()
    coop_iban: tuple[str, ...] = ()  # names of members paid to the cooperative's IBAN
    held: tuple[HeldChange, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.shared or self.coop_iban or self.held)


def warnings_for(batch: PayoutBatch, coop_iban: str) -> BatchWarnings:
    """The batch's warnings (its lines are loaded; one query for the IBAN changes)."""
    lines = [line for line in batch.lines if line.status != "failed"]
    by_iban: dict[str, list[str]] = defaultdict(list)
    for line in lines:
        by_iban[line.iban].append(line.account_name)
    shared = tuple(
        SharedIban(masked_iban(iban), tuple(names))
        for iban, names in sorted(by_iban.items())
        if len(names) > 1
    )
    coop = tuple(line.account_name for line in lines if coop_iban and line.iban == coop_iban)
    line_of = {line.producer_id: line for line in batch.lines}
    held_out = {item["producer_id"]: item for item in (batch.left_out or [])}
    ids = sorted(set(line_of) | set(held_out))
    changes: dict[int, IbanChange] = iban_changes.not_in_force_at(ids, batch.created_at)
    held = []
    for producer_id, change in sorted(changes.items()):
        line = line_of.get(producer_id)
        if line is None and held_out.get(producer_id, {}).get("reason") != "iban_on_hold":
            continue
        held.append(
            HeldChange(
                name=line.account_name if line else held_out[producer_id]["name"],
                paid_to=masked_iban(line.iban) if line else None,
                new_iban=masked_iban(change.new_iban),
                hold_until=change.hold_until,
            )
        )
    return BatchWarnings(shared=shared, coop_iban=coop, held=tuple(held))
