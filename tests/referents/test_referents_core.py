"""The référents directory through the Desk: validation, scope, « à vérifier », journal, rights."""

from datetime import date, timedelta

import pytest
from sqlmodel import select

from app.core import referents
from app.core.referents import is_stale
from app.models.errors import NotFound, PermissionDenied, ValidationError
from app.models.referents import Referent
from app.models.security import JournalEntry
from tests.desks import desk_for
from tests.referents.helpers import add_referent, caf_phone


def test_an_entry_is_saved_normalised_and_journaled_without_the_name(store, site, frozen_clock):
    desk = desk_for(store, site["agent"])
    rid = desk.op(referents.save_referent, None, caf_phone(verified_on=frozen_clock.today())).value.id
    rows = desk.query(referents.list_referents)
    assert [(r.partner, r.contact, r.stale) for r in rows] == [("CAF", "+33123456789", False)]
    with store.read() as s:
        entry = s.exec(select(JournalEntry).where(JournalEntry.action == "referent_created")).one()
        ref = f"referent:{s.get(Referent, rid).uuid}"
    assert entry.object_ref == ref and "Référente" not in entry.detail


@pytest.mark.parametrize("change, field", [
    (dict(partner_code="NOPE"), "partner"),
    (dict(scope="mondial"), "scope"),
    (dict(name="  "), "name"),
    (dict(channel="pigeon"), "channel"),
    (dict(contact="12"), "contact"),
    (dict(channel="email", contact="pas-une-adresse"), "contact"),
    (dict(channel="portail", contact=""), "contact"),
    (dict(notes="x" * 301), "notes"),
])
def test_bad_entries_are_refused_next_to_the_field(store, site, frozen_clock, change, field):
    desk = desk_for(store, site["agent"])
    with pytest.raises(ValidationError) as err:
        desk.op(referents.save_referent, None, caf_phone(**change))
    assert err.value.field == field
    assert desk.query(referents.list_referents) == []


def test_a_future_verification_date_is_refused(store, site, frozen_clock):
    with pytest.raises(ValidationError) as err:
        desk_for(store, site["agent"]).op(referents.save_referent, None,
                                          caf_phone(verified_on=frozen_clock.today() + timedelta(days=1)))
    assert err.value.field == "verified_on"


def test_stale_after_six_months_to_the_day():
    today = date(2026, 10, 14)
    assert is_stale(None, today)
    assert is_stale(date(2026, 4, 14), today)
    assert not is_stale(date(2026, 4, 15), today)


def test_mark_verified_clears_a_la_verifier(store, site, frozen_clock):
    desk = desk_for(store, site["agent"])
    rid = add_referent(store, site["agent"], verified_on=date(2025, 1, 2))
    assert desk.query(referents.list_referents)[0].stale
    desk.op(referents.mark_verified, rid)
    row = desk.query(referents.list_referents)[0]
    assert not row.stale and row.verified_on == frozen_clock.today()


def test_a_bus_agent_sees_its_structures_directory_only(store, site, frozen_clock):
    add_referent(store, site["agent"], name="Site")
    add_referent(store, site["bus_agent"], name="Bus")
    bus = desk_for(store, site["bus_agent"])
    assert [r.name for r in bus.query(referents.list_referents)] == ["Bus"]
    assert {r.name for r in desk_for(store, site["supervisor"]).query(referents.list_referents)} == {"Site", "Bus"}
    site_id = [r.id for r in desk_for(store, site["agent"]).query(referents.list_referents)][0]
    with pytest.raises(NotFound):
        bus.op(referents.mark_verified, site_id)
    with pytest.raises(NotFound):  # nor can an agent file an entry under another structure
        bus.op(referents.save_referent, None, caf_phone(structure_id=site["fixed"].id))


def test_update_keeps_the_row_and_journals(store, site, frozen_clock):
    desk = desk_for(store, site["agent"])
    rid = add_referent(store, site["agent"])
    desk.op(referents.save_referent, rid, caf_phone(channel="email", contact="referent.fs@caf.example.fr"))
    rows = desk.query(referents.list_referents)
    assert [(r.id, r.channel, r.contact) for r in rows] == [(rid, "email", "referent.fs@caf.example.fr")]
    with store.read() as s:
        assert [e.action for e in s.exec(select(JournalEntry).where(JournalEntry.action.like("referent_%")))] == [
            "referent_created", "referent_updated"]


def test_rights_export_then_erasure_removes_the_row_for_real(store, site, frozen_clock):
    sup = desk_for(store, site["supervisor"])
    rid = add_referent(store, site["agent"], name="Mme Zorglub-Unique")
    with pytest.raises(PermissionDenied):
        desk_for(store, site["agent"]).op(referents.export_referent, rid)
    data = sup.op(referents.export_referent, rid).value
    assert data["referent"]["name"] == "Mme Zorglub-Unique"
    assert [e["action"] for e in data["journal"]] == ["referent_created"]
    sup.store_op(referents.erase_referent, rid)
    assert sup.query(referents.list_referents) == []
    store.close()
    raw = (store.path if hasattr(store, "path") else None)
    assert b"Zorglub-Unique" not in open(raw, "rb").read()
