"""The fakes in gatewaydns.testing behave like the real adapters they stand in for."""

from __future__ import annotations

from gatewaydns.protocols import WaitsForEvents, Watcher
from gatewaydns.testing import ScriptedWatcher

from .helpers import model, route


def test_scripted_watcher_wait_reports_pending_events_without_blocking() -> None:
    shop = model(route("shop", hostnames=["shop.example.com"]))
    w = ScriptedWatcher([shop])
    assert isinstance(w, Watcher)
    assert isinstance(w, WaitsForEvents)
    assert w.wait(3600) is True  # the initial listing is queued: returns at once
    assert [e.type for e in w.poll()] == ["ADDED"]
    assert w.wait(3600) is False  # nothing new: a script cannot change while it waits
    w.modify(shop)
    assert w.wait(0) is True
    w.poll()
    w.relist([])
    assert w.wait(0) is True  # the relist's DELETED
    assert [e.type for e in w.poll()] == ["DELETED"]


def test_scripted_watcher_wait_wakes_once_when_it_becomes_synced() -> None:
    w = ScriptedWatcher(synced=False)
    assert w.wait(0) is False
    w.mark_synced()
    assert w.wait(0) is True  # a round now has something to do: plan the empty cluster
    assert w.poll() == []
    assert w.wait(0) is False
    w.mark_synced()
    assert w.wait(0) is False  # already synced: nothing new
