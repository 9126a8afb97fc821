"""RFC2136Provider against a real BIND 9 named on 127.0.0.1 (started by .ci/run or the fixture).

In CI (``CI`` set) these tests fail, never skip, when named is missing.
"""

from __future__ import annotations

import pathlib
from typing import Any

import pytest

import gatewaydns
from gatewaydns import Endpoint, ProviderError, Reconciler, SourceConfig, TXTRegistry
from gatewaydns.adapters.rfc2136 import RFC2136Provider, TSIGKey
from gatewaydns.testing import ScriptedWatcher

from . import bind_server
from .dnsutil import dns_flags, query, raw_update, send

ROOT = pathlib.Path(__file__).parent.parent
OWNER = "gatewaydns-ci"


def load(path: str, **config: Any) -> gatewaydns.Result:
    snap = gatewaydns.Snapshot.from_manifests((ROOT / path).read_text())
    return gatewaydns.compute_endpoints(snap, SourceConfig(**config))


def sync(
    provider: RFC2136Provider, result: gatewaydns.Result, owner: str = OWNER
) -> gatewaydns.Changes:
    desired = provider.adjust_endpoints(result.endpoints)
    changes = gatewaydns.plan(desired, provider.records(), owner_id=owner)
    provider.apply_changes(changes)
    return changes


def test_pipeline_publishes_records_with_ttl_and_targets(
    named: dict[str, Any], provider: RFC2136Provider
) -> None:
    result = load("examples/wildcard-dualstack/cluster.yaml", listener_sets=True)
    sync(provider, result)
    assert query(named, "catalog.example.com", "A") == (300, ["198.51.100.10"])  # ttl annotation
    assert query(named, "catalog.example.com", "AAAA") == (300, ["2001:db8:10::1"])
    assert query(named, "db.example.com", "A") == (120, ["198.51.100.10"])  # default TTL
    assert query(named, "x.api.example.com", "A") == (300, ["198.51.100.10"])  # wildcard record
    _ttl, txt = query(named, "a-catalog.example.com", "TXT")
    assert txt == [
        f'"heritage=external-dns,external-dns/owner={OWNER},external-dns/resource=httproute/team-a/catalog"'
    ]
    # portal.team-a.example.org is outside the zone: left out by the domain of the provider
    assert sync(provider, result).is_empty()  # a second run changes nothing


def test_parent_ref_move_replaces_the_record(
    named: dict[str, Any], provider: RFC2136Provider
) -> None:
    def objects(stage: str) -> list[Any]:
        snap = gatewaydns.Snapshot.from_manifests(
            (ROOT / f"examples/parentref-move/{stage}.yaml").read_text()
        )
        return [*snap.gateways, *snap.routes, *snap.namespaces]

    watcher = ScriptedWatcher(objects("before"))
    rec = Reconciler(watcher, provider, owner_id=OWNER)
    assert rec.step().applied
    assert query(named, "shop.example.com", "A")[1] == ["203.0.113.10"]

    watcher.modify(*objects("lagging"))
    assert rec.step().applied
    assert query(named, "shop.example.com", "A")[1] == ["203.0.113.10"]  # held, not deleted
    assert query(named, "news.example.com", "A")[1] == []  # strict: blog's new name waits

    watcher.modify(*objects("after"))
    rnd = rec.step()
    assert rnd.applied
    assert query(named, "shop.example.com", "A")[1] == ["192.0.2.20"]
    assert query(named, "shop.example.com", "AAAA")[1] == ["2001:db8::20"]
    assert query(named, "news.example.com", "A")[1] == ["203.0.113.10"]
    assert not rec.step().planned


def test_records_of_other_owners_survive(named: dict[str, Any], provider: RFC2136Provider) -> None:
    msg = raw_update(named)
    msg.add("legacy.example.com.", 600, "A", "198.51.100.50")  # no ownership at all
    other = Endpoint(dns_name="other.example.com", targets=("198.51.100.60",), record_type="A")
    msg.add("other.example.com.", 600, "A", "198.51.100.60")
    txt = TXTRegistry("someone-else").txt_record(other)
    msg.add(txt.dns_name + ".", 600, "TXT", *txt.targets)
    msg.add("shop.example.com.", 600, "MX", "10 ns.example.com.")
    send(named, msg)

    sync(provider, load("examples/parentref-move/before.yaml"))
    taken = Endpoint(
        dns_name="other.example.com",
        targets=("192.0.2.99",),
        record_type="A",
        labels={"resource": "httproute/app/x"},
    )
    changes = gatewaydns.plan(
        [*provider.adjust_endpoints(load("examples/parentref-move/before.yaml").endpoints), taken],
        provider.records(),
        owner_id=OWNER,
    )
    assert [d.reason for d in changes.diagnostics] == ["not-owned"]
    provider.apply_changes(changes)
    sync(provider, gatewaydns.Result((), {}, ()))  # desired empty: delete only what we own

    assert query(named, "legacy.example.com", "A")[1] == ["198.51.100.50"]
    assert query(named, "other.example.com", "A")[1] == ["198.51.100.60"]
    assert query(named, "shop.example.com", "MX")[1] == ["10 ns.example.com"]
    assert query(named, "shop.example.com", "A")[1] == []  # ours, gone


def test_many_changes_are_batched(named: dict[str, Any], provider: RFC2136Provider) -> None:
    small = RFC2136Provider(
        named["host"], [named["zone"]], key=named["key"], port=named["port"], batch_size=7
    )
    desired = [
        Endpoint(
            dns_name=f"h{i}.example.com",
            targets=(f"198.51.100.{i}",),
            record_type="A",
            labels={"resource": f"httproute/app/h{i}"},
        )
        for i in range(40)
    ]
    changes = gatewaydns.plan(desired, small.records(), owner_id=OWNER)
    small.apply_changes(changes)
    assert (
        len([e for e in small.records() if e.dns_name.startswith("h") and e.record_type == "A"])
        == 40
    )
    assert query(named, "h39.example.com", "A")[1] == ["198.51.100.39"]


@pytest.mark.parametrize(
    ("kwargs", "message", "retryable"),
    [
        pytest.param(
            {"key": TSIGKey("gatewaydns-key", "d3JvbmcgYnV0IHZhbGlkIGJhc2U2NCBzZWNyZXQ=")},
            "TSIG key",
            False,
            id="bad-secret",
        ),
        pytest.param(
            {"key": TSIGKey("no-such-key", "d3JvbmcgYnV0IHZhbGlkIGJhc2U2NCBzZWNyZXQ=")},
            "TSIG key",
            False,
            id="unknown-key",
        ),
        pytest.param({"zones": ["not-served.test"]}, "", False, id="zone-not-served"),
    ],
)
def test_errors_say_what_to_fix(
    named: dict[str, Any], kwargs: dict[str, Any], message: str, retryable: bool
) -> None:
    args: dict[str, Any] = {"key": named["key"], "port": named["port"], "timeout": 3, **kwargs}
    zones = args.pop("zones", [named["zone"]])
    prov = RFC2136Provider(named["host"], zones, **args)
    with pytest.raises(ProviderError) as info:
        prov.records()
    assert message in str(info.value)
    assert info.value.retryable is retryable
    with pytest.raises(ProviderError) as info:
        prov.apply_changes(
            gatewaydns.Changes(
                create=(
                    Endpoint(dns_name=f"x.{zones[0]}", targets=("192.0.2.1",), record_type="A"),
                )
            )
        )
    assert info.value.retryable is False


def test_unreachable_server_is_retryable(named: dict[str, Any]) -> None:
    prov = RFC2136Provider(
        "127.0.0.1", [named["zone"]], key=named["key"], port=bind_server._free_port(), timeout=1
    )
    # nothing listens on the port: the connection is refused at once (a closed port on
    # 127.0.0.1 answers with a reset), never a timeout
    with pytest.raises(ProviderError, match="refused or dropped the connection") as info:
        prov.records()
    assert info.value.retryable


def test_a_bug_propagates_instead_of_becoming_a_provider_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # protocols.Provider: only what the server or the network did is a ProviderError
    prov = RFC2136Provider("127.0.0.1", ["example.com"], port=bind_server._free_port(), timeout=1)

    def broken(message: Any) -> Any:
        raise TypeError("a bug in the adapter")

    monkeypatch.setattr(prov, "_exchange", broken)
    create = Endpoint(dns_name="x.example.com", targets=("192.0.2.1",), record_type="A")
    with pytest.raises(TypeError, match="a bug in the adapter"):
        prov.apply_changes(gatewaydns.Changes(create=(create,)))


def test_configuration_errors() -> None:
    with pytest.raises(gatewaydns.ConfigError, match="base64"):
        RFC2136Provider("127.0.0.1", ["example.com"], key=TSIGKey("k", "not base64!!"))
    with pytest.raises(gatewaydns.ConfigError, match="zone"):
        RFC2136Provider("127.0.0.1", [])
    assert "secret=<hidden>" in repr(TSIGKey("k", "c2VjcmV0"))


def test_example_controller_end_to_end(
    named: dict[str, Any], provider: RFC2136Provider, tmp_path: pathlib.Path
) -> None:
    import importlib.util

    from .fake_apiserver import FakeAPIServer, Resource
    from .helpers import gateway, route

    spec = importlib.util.spec_from_file_location("controller", ROOT / "examples/controller.py")
    assert spec is not None
    assert spec.loader is not None
    controller = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(controller)

    resources = [
        Resource(k, "gateway.networking.k8s.io", p, ["v1"])
        for k, p in [("Gateway", "gateways"), ("HTTPRoute", "httproutes")]
    ]
    with FakeAPIServer(resources) as api:
        api.put(
            "Gateway",
            {k: v for k, v in gateway("edge", addresses=["192.0.2.44"]).items() if k != "kind"},
            event=None,
        )
        api.put(
            "HTTPRoute",
            route(
                "ctl",
                hostnames=["ctl.example.com"],
                parents=[{"name": "edge", "namespace": "infra"}],
            ),
            event=None,
        )
        code = controller.main(
            [
                *dns_flags(named, tmp_path, "example-controller"),
                "--kube-host",
                api.url,
                "--rounds",
                "40",
                "--interval",
                "0.05",
            ]
        )
    assert code == 0
    assert query(named, "ctl.example.com", "A") == (300, ["192.0.2.44"])
    _, txt = query(named, "a-ctl.example.com", "TXT")
    assert "external-dns/owner=example-controller" in txt[0]
