"""How a collection cuts the registry into batches: by expected work, not by count alone."""

from __future__ import annotations

from tasks.fetch import Previous
from tasks.pipeline import KNOWN_SHARE, BatchInput, batches
from tasks.registry import Unit


def units(n: int) -> list[Unit]:
    return [Unit(f"U{i:04d}", f"unit {i}", None, None, f"http://h/{i}.txt", None) for i in range(n)]


def test_new_units_come_in_batches_of_the_configured_size():
    assert [len(b) for b in batches(units(11), 4)] == [4, 4, 3]


def test_units_fetched_before_come_in_batches_KNOWN_SHARE_times_larger():
    everyone = units(4 * KNOWN_SHARE * 2 + 1)
    known = {u.unit_code for u in everyone}
    assert [len(b) for b in batches(everyone, 4, known)] == [4 * KNOWN_SHARE, 4 * KNOWN_SHARE, 1]


def test_a_mixed_registry_fills_each_batch_by_expected_work_keeping_order_and_every_unit_once():
    everyone = units(40)
    known = {u.unit_code for u in everyone[::2]}  # every other unit was fetched before
    cut = list(batches(everyone, 4, known))
    assert [u.unit_code for b in cut for u in b] == [u.unit_code for u in everyone]

    def work(batch: list[Unit]) -> int:
        return sum(1 if u.unit_code in known else KNOWN_SHARE for u in batch)

    for batch, following in zip(cut, cut[1:], strict=False):
        assert work(batch) <= 4 * KNOWN_SHARE < work([*batch, following[0]])  # full: the next did not fit


def test_nothing_to_cut():
    assert list(batches([], 4, {"U0001"})) == []


def test_a_batch_carries_what_the_warehouse_holds_of_its_own_units_only():
    """Not the year's whole parsed set (~6 MB a batch at 100 000 units); and a document parsed by
    another parser version is not among the batch's parsed ones, so it is parsed again."""
    everyone = units(4)
    previous = {"U0000": Previous("s0", '"e0"', None), "U0001": Previous("s1", None, None),
                "U0003": Previous("s3", None, None)}
    batch = BatchInput.of(everyone[:3], previous, frozenset({"s0", "s3", "elsewhere"}))
    assert batch.units == everyone[:3]
    assert batch.previous == {"U0000": previous["U0000"], "U0001": previous["U0001"]}
    assert batch.parsed_shas == {"s0"}  # s1 held but not parsed by this version; s3 is another batch's


def test_prefect_does_not_walk_a_batch_looking_for_futures():
    """Its task engine walks lists, dicts and dataclasses among the parameters in the worker, where
    quote() no longer protects them (Prefect's process pool removes it)."""
    from prefect.utilities.collections import visit_collection

    seen: list[object] = []
    batch = BatchInput.of(units(3), {"U0000": Previous("s0", None, None)}, frozenset({"s0"}))
    visit_collection({"batch": batch}, seen.append)
    assert [x for x in seen if not isinstance(x, (dict, str))] == [batch]
    seen.clear()
    visit_collection({"units": batch.units}, seen.append)
    assert len(seen) > 3  # what it does to a plain list of units: every unit and every field
