"""Centre collection: a pickup run per BELMEK centre and day lists which members bring which
items for which orders; ticking an item receives it through fulfilment.mark_received, once."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import AuditEvent
from coopshop.models.pickup import PickupRun, PickupRunLine
from coopshop.services.core.errors import NotFound, ValidationFailed
from coopshop.services.sales import fulfilment
from coopshop.services.shipping import pickup
from tests.support.factories import ProducerFactory, ProductFactory, paid_order
from tests.support.sql_counter import count_queries
from tests.support.staff_support import staff_user

DAY = date(2026, 12, 2)
KECIOREN, MAMAK = "Keçiören BELMEK", "Mamak BELMEK"


@pytest.fixture
def people(app):
    ayse = ProducerFactory(display_name="Ayşe", centre=KECIOREN)
    fatma = ProducerFactory(display_name="Fatma", centre=KECIOREN)
    zehra = ProducerFactory(display_name="Zehra", centre=MAMAK)
    kase = ProductFactory(title_tr="Çini Kase", makers=[(ayse, 10_000)])
    atki = ProductFactory(title_tr="Atkı", makers=[(fatma, 10_000)])
    kilim = ProductFactory(title_tr="Kilim", makers=[(zehra, 10_000)])
    # One order needs goods from two centres; another only Keçiören's.
    mixed = paid_order([(kase, 1), (kilim, 1)])
    alone = paid_order([(atki, 2)])
    bazaar = paid_order([(kase, 1)], channel="bazaar", payment_method="cash")
    db.session.commit()
    return {
        "ayse": ayse,
        "fatma": fatma,
        "zehra": zehra,
        "mixed": mixed,
        "alone": alone,
        "bazaar": bazaar,
        "clerk": staff_user(),
    }


def _lines(sheet):
    return {(m.name, ln.order_number, ln.title) for m in sheet.members for ln in m.lines}


def test_the_sheet_lists_each_member_of_the_centre_with_her_items_and_orders(people):
    sheet = pickup.sheet(KECIOREN, DAY)

    assert [m.name for m in sheet.members] == ["Ayşe", "Fatma"]
    assert _lines(sheet) == {
        ("Ayşe", people["mixed"].number, "Çini Kase"),
        ("Fatma", people["alone"].number, "Atkı"),
    }  # not the bazaar sale (collected at the desk), not Mamak's kilim
    fatma_line = sheet.members[1].lines[0]
    assert fatma_line.quantity == 2 and fatma_line.received_at is None
    assert sheet.waiting == 2 and sheet.received == 0 and sheet.run is None
    assert _lines(pickup.sheet(MAMAK, DAY)) == {("Zehra", people["mixed"].number, "Kilim")}


def test_ticking_receives_the_items_and_the_order_is_packable_when_all_have_arrived(people):
    clerk, mixed, alone = people["clerk"], people["mixed"], people["alone"]
    kase_line = next(ln for ln in mixed.lines if ln.title == "Çini Kase")
    atki_line = alone.lines[0]

    assert pickup.tick(KECIOREN, DAY, [kase_line.id, atki_line.id], clerk.id) == 2
    db.session.commit()

    assert alone.fulfilment_status == "received"  # all its items arrived: packable
    assert mixed.fulfilment_status == "unfulfilled"  # the kilim is still at Mamak
    run = db.session.scalars(select(PickupRun)).one()
    assert (run.centre, run.day, run.collected_by_id) == (KECIOREN, DAY, clerk.id)
    assert {rl.line_id for rl in run.lines} == {kase_line.id, atki_line.id}
    sheet = pickup.sheet(KECIOREN, DAY)
    assert sheet.received == 2 and sheet.waiting == 0
    assert sheet.collected_by == clerk.name
    packable = {ln.order_number: ln.order_packable for m in sheet.members for ln in m.lines}
    assert packable == {mixed.number: False, alone.number: True}
    # The next day's sheet no longer lists what was received.
    assert pickup.sheet(KECIOREN, date(2026, 12, 3)).members == ()

    kilim_line = next(ln for ln in mixed.lines if ln.title == "Kilim")
    assert pickup.tick(MAMAK, DAY, [kilim_line.id], clerk.id) == 1
    db.session.commit()
    assert mixed.fulfilment_status == "received"


def test_a_repeated_tick_changes_nothing(people):
    clerk, line = people["clerk"], people["alone"].lines[0]
    assert pickup.tick(KECIOREN, DAY, [line.id], clerk.id) == 1
    db.session.commit()
    received_at = line.received_at
    events = db.session.scalars(select(AuditEvent)).all()

    assert pickup.tick(KECIOREN, DAY, [line.id], clerk.id) == 0
    db.session.commit()

    assert line.received_at == received_at
    assert db.session.scalars(select(PickupRunLine)).all()[0].line_id == line.id
    assert len(db.session.scalars(select(PickupRunLine)).all()) == 1
    assert len(db.session.scalars(select(AuditEvent)).all()) == len(events)


def test_an_item_received_on_the_fulfilment_page_is_not_ticked_again(people):
    clerk, line = people["clerk"], people["alone"].lines[0]
    fulfilment.mark_received([line.id], clerk.id)
    db.session.commit()
    assert pickup.tick(KECIOREN, DAY, [line.id], clerk.id) == 0
    assert pickup.sheet(KECIOREN, DAY).members[0].name == "Ayşe"  # Fatma has nothing left


def test_another_centres_item_or_an_unknown_centre_is_refused_and_nothing_changes(people):
    clerk = people["clerk"]
    kilim_line = next(ln for ln in people["mixed"].lines if ln.title == "Kilim")
    with pytest.raises(NotFound):
        pickup.tick(KECIOREN, DAY, [kilim_line.id], clerk.id)
    with pytest.raises(NotFound):
        pickup.tick("Atlantis BELMEK", DAY, [kilim_line.id], clerk.id)
    with pytest.raises(NotFound):
        pickup.sheet("Atlantis BELMEK", DAY)
    with pytest.raises(ValidationFailed):
        pickup.tick(KECIOREN, DAY, [], clerk.id)
    db.session.rollback()
    assert kilim_line.received_at is None
    assert db.session.scalars(select(PickupRun)).all() == []


def test_parse_day():
    assert pickup.parse_day("2026-12-02") == DAY
    with pytest.raises(ValidationFailed):
        pickup.parse_day("2 Aralık")


def test_the_sheet_takes_the_same_queries_for_many_members(people):
    with count_queries() as few:
        pickup.sheet(KECIOREN, DAY)
    for _ in range(5):
        maker = ProducerFactory(centre=KECIOREN)
        paid_order([(ProductFactory(makers=[(maker, 10_000)]), 1)])
    db.session.commit()
    with count_queries() as many:
        pickup.sheet(KECIOREN, DAY)
    assert len(pickup.sheet(KECIOREN, DAY).members) == 7
    assert len(many) == len(few)


def test_waiting_by_centre_counts_what_each_centre_still_brings(people):
    assert pickup.waiting_by_centre() == {KECIOREN: 2, MAMAK: 1}
    pickup.tick(KECIOREN, DAY, [people["alone"].lines[0].id], people["clerk"].id)
    db.session.commit()
    assert pickup.waiting_by_centre() == {KECIOREN: 1, MAMAK: 1}
