"""Hardening properties over generated snapshots and configurations (issue #8)."""

from __future__ import annotations

import copy
import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gatewaydns
from gatewaydns import SourceConfig
from gatewaydns._hostnames import normalize_hostname
from tests.strategies import G, attachable_configs, attachable_snapshots, configs, snapshots

SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def compute(
    docs: list[dict[str, Any]], config: dict[str, Any], previous: Any = None
) -> gatewaydns.Result:
    return gatewaydns.compute_endpoints(
        gatewaydns.Snapshot.from_manifests(docs), SourceConfig(**config), previous
    )


def dump(result: gatewaydns.Result) -> Any:
    return (
        [e.to_json() for e in result.endpoints],
        {k: [e.to_json() for e in v] for k, v in result.by_route.items()},
        [d.model_dump() for d in result.diagnostics],
        [(a.route, a.parent, a.listener, a.hostname) for a in result.attachments],
    )


@SETTINGS
@given(st.one_of(snapshots(), attachable_snapshots()), configs, st.randoms(use_true_random=False))
def test_no_exception_order_independent_and_idempotent(
    docs: list[dict[str, Any]], config: dict[str, Any], rnd: random.Random
) -> None:
    first = compute(docs, config)
    shuffled = list(docs)
    rnd.shuffle(shuffled)
    assert dump(compute(shuffled, config)) == dump(first)
    assert dump(compute(docs, config)) == dump(first)
    snap = gatewaydns.Snapshot.from_manifests(docs)  # one snapshot, computed twice
    assert dump(gatewaydns.compute_endpoints(snap, SourceConfig(**config))) == dump(first)
    assert dump(gatewaydns.compute_endpoints(snap, SourceConfig(**config))) == dump(first)


@SETTINGS
@given(st.one_of(snapshots(), attachable_snapshots()), configs)
def test_strict_within_off(docs: list[dict[str, Any]], config: dict[str, Any]) -> None:
    def records(policy: str) -> set[tuple[str, str, str]]:
        res = compute(
            docs,
            {
                **config,
                "generation_policy": policy,
                "missing_observed_generation": "trust",
                "conflict_policy": "report",
            },
        )
        return {(e.dns_name, e.record_type, t) for e in res.endpoints for t in e.targets}

    assert records("strict") <= records("off")
    assert records("latest") <= records("off")


@SETTINGS
@given(st.one_of(snapshots(), attachable_snapshots()), configs)
def test_every_endpoint_is_valid_dns(docs: list[dict[str, Any]], config: dict[str, Any]) -> None:
    for ep in compute(docs, config).endpoints:
        assert ep.targets
        assert normalize_hostname(ep.dns_name) == ep.dns_name
        for target in ep.targets:
            assert target.isascii()
            assert target.isprintable()
            assert " " not in target
        assert ep.set_identifier.isascii()
        assert ep.set_identifier.isprintable()
        for prop in ep.provider_specific:
            assert prop.value.isascii()
            assert prop.value.isprintable()


def _labels_match(selector: dict[str, Any], labels: dict[str, str]) -> bool | None:
    """An independent LabelSelector oracle; None for an invalid selector."""
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        op, key, values = expr["operator"], expr["key"], expr.get("values") or []
        if op == "In":
            ok = key in labels and labels[key] in values
        elif op == "NotIn":
            ok = key not in labels or labels[key] not in values
        elif op == "Exists":
            ok = key in labels
        elif op == "DoesNotExist":
            ok = key not in labels
        else:
            return None
        if not ok:
            return False
    return True


@SETTINGS
@given(attachable_snapshots(), attachable_configs)
def test_attachments_respect_allowed_routes_and_listener_set_attachment(
    docs: list[dict[str, Any]], config: dict[str, Any]
) -> None:
    result = compute(docs, config)
    by_key = {
        (d["kind"], d["metadata"].get("namespace", "default"), d["metadata"]["name"]): d
        for d in docs
    }
    ns_labels = {
        d["metadata"]["name"]: d["metadata"].get("labels") or {}
        for d in docs
        if d["kind"] == "Namespace"
    }
    for att in result.attachments:
        route_kind, route_ns, route_name = att.route.split("/")
        route = next(
            d
            for k, d in by_key.items()
            if k[0].lower() == route_kind and k[1:] == (route_ns, route_name)
        )
        owner_kind, rest = att.parent.split(" ", 1)
        owner_ns, owner_name = rest.split(" ")[0].split("/")
        owner = by_key[(owner_kind, owner_ns, owner_name)]
        listener = next(
            entry for entry in owner["spec"]["listeners"] if entry["name"] == att.listener
        )
        allowed = listener.get("allowedRoutes") or {}
        source = (allowed.get("namespaces") or {}).get("from", "Same")
        if source == "Same":
            assert route_ns == owner_ns
        elif source == "Selector":
            assert route_ns in ns_labels
            assert _labels_match(allowed["namespaces"]["selector"], ns_labels[route_ns]) is True
        else:
            assert source == "All"
        kinds = allowed.get("kinds") or []
        if kinds:
            assert any(k["kind"] == route["kind"] and k.get("group", G) == G for k in kinds)
        if owner_kind == "ListenerSet":
            assert config["listener_sets"]
            gw = by_key[
                (
                    "Gateway",
                    owner["spec"]["parentRef"].get("namespace", owner_ns),
                    owner["spec"]["parentRef"]["name"],
                )
            ]
            namespaces = (gw["spec"].get("allowedListeners") or {}).get("namespaces") or {}
            source = namespaces.get("from", "None")
            assert source in ("All", "Same", "Selector")
            if source == "Same":
                assert owner_ns == "infra"
            if source == "Selector":
                assert _labels_match(namespaces["selector"], ns_labels.get(owner_ns, {})) is True
                assert owner_ns in ns_labels
            assert any(
                c["type"] == "Accepted" and c["status"] == "True"
                for c in owner["status"]["conditions"]
            )
            accepted = {entry["name"] for entry in owner["status"]["listeners"]}
            assert att.listener in accepted
    # every endpoint of a route comes from one of its attachments (unless held)
    held = {
        f"{d.kind.lower()}/{d.namespace}/{d.name}" for d in result.diagnostics if d.reason == "held"
    }
    attached = {(a.route, a.hostname) for a in result.attachments}
    for key, eps in result.by_route.items():
        if key not in held:
            for ep in eps:
                assert (key, ep.dns_name) in attached


@SETTINGS
@given(attachable_snapshots(), attachable_snapshots(), attachable_configs)
def test_hold_only_returns_previous_endpoints(
    before: list[dict[str, Any]], now: list[dict[str, Any]], config: dict[str, Any]
) -> None:
    config = {**config, "generation_policy": "strict"}
    previous = compute(before, config)
    result = compute(now, config, previous)
    live = compute(now, config)
    for diag in result.diagnostics:
        if diag.reason == "held":
            key = f"{diag.kind.lower()}/{diag.namespace}/{diag.name}"
            assert key in previous.by_route
            kept = result.by_route.get(key, ())
            if diag.parent is None:  # generation hold: exactly the previous endpoints
                assert set(map(str, kept)) <= set(map(str, previous.by_route[key]))
            else:  # address-loss hold: previous records next to live ones, nothing else
                allowed = _triples(previous.by_route[key]) | _triples(live.by_route.get(key, ()))
                assert _triples(kept) <= allowed


def _triples(endpoints: Any) -> set[tuple[str, str, str]]:
    return {(e.dns_name, e.record_type, t) for e in endpoints for t in e.targets}


@SETTINGS
@given(attachable_snapshots(), attachable_configs, st.data())
def test_address_loss_keeps_every_previous_record_of_a_served_name(
    before: list[dict[str, Any]], config: dict[str, Any], data: st.DataObject
) -> None:
    config = {**config, "conflict_policy": "report"}
    gateways = sorted(d["metadata"]["name"] for d in before if d["kind"] == "Gateway")
    emptied = set(data.draw(st.lists(st.sampled_from(gateways), min_size=1, unique=True)))
    now = copy.deepcopy(before)
    for doc in now:
        if doc["kind"] == "Gateway" and doc["metadata"]["name"] in emptied:
            doc["status"]["addresses"] = []
    set_gateway = {
        f"ListenerSet {d['metadata']['namespace']}/{d['metadata']['name']}": d["spec"]["parentRef"][
            "name"
        ]
        for d in now
        if d["kind"] == "ListenerSet"
    }
    previous = compute(before, config)
    live = compute(now, config)
    result = compute(now, config, previous)
    for att in result.attachments:
        owner = " ".join(att.parent.split(" ")[:2])  # without " section ..." / " port ..."
        gw = set_gateway.get(owner) or owner.partition("/")[2]
        if gw not in emptied:
            continue
        had = {t for t in _triples(previous.by_route.get(att.route, ())) if t[0] == att.hostname}
        assert had <= _triples(result.by_route.get(att.route, ()))
    for key, eps in result.by_route.items():  # and nothing that was neither kept nor live
        assert _triples(eps) <= _triples(previous.by_route.get(key, ())) | _triples(
            live.by_route.get(key, ())
        )
