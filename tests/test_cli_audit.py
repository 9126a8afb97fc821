"""``gatewaydns audit`` end to end against a real BIND 9.

The zone is the one docs/cli.md lists (the seed: external-dns publishing a moved route through
both Gateways; a hand-added target; a record deleted by hand; a record of a deleted route), loaded
with plain signed UPDATEs; docs/cli.md's audit examples run as written (with the test server's
port) and must print exactly what the page shows.
"""

from __future__ import annotations

import io
import json
import pathlib
import re
import shlex
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from gatewaydns._audit import FINDING_KINDS
from gatewaydns._cli import main
from gatewaydns._errors import ConfigError
from gatewaydns.adapters.nameserver import Nameserver, parse_nameserver

from . import dnsutil, pdnsutil

ROOT = pathlib.Path(__file__).parent.parent
AFTER = "examples/parentref-move/after.yaml"
OWNER = "cluster-eu-1"
ZONE_MARK = "; example.com, as the audit examples find it\n"
EXAMPLE = re.compile(
    r"```console\n\$ (gatewaydns audit (?:[^\n]*\\\n)*[^\n]*)\n(.*?)```", re.DOTALL
)


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdin=io.StringIO(""), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def docs_zone() -> list[tuple[str, str, str]]:
    """(name, type, rdata) of the zone listing in docs/cli.md."""
    text = (ROOT / "docs/cli.md").read_text()
    block = text[text.index(ZONE_MARK) + len(ZONE_MARK) :]
    block = block[: block.index("```")]
    out = []
    for line in block.splitlines():
        name, _ttl, _class, rtype, rdata = line.split(None, 4)
        out.append((name, rtype, rdata))
    return out


@pytest.fixture
def seed(named: dict[str, Any], provider: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    """The test BIND holding the docs' zone; returns its ``IP:PORT``."""
    msg = dnsutil.raw_update(named)
    for name, rtype, rdata in docs_zone():
        msg.add(name, 300, rtype, rdata)
    dnsutil.send(named, msg)
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("GATEWAYDNS_RFC2136_TSIG_SECRET", named["key"].secret)
    return f"{named['host']}:{named['port']}"


@pytest.fixture
def silent() -> Iterator[str]:
    """A UDP port that receives and never answers: ``IP:PORT``."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    try:
        yield f"127.0.0.1:{sock.getsockname()[1]}"
    finally:
        sock.close()


def bind_flags(named: dict[str, Any]) -> list[str]:
    return [
        "--provider",
        "rfc2136",
        "--rfc2136-host",
        named["host"],
        "--rfc2136-port",
        str(named["port"]),
        "--rfc2136-zone",
        named["zone"],
        "--rfc2136-tsig-keyname",
        named["key"].name,
        "--owner-id",
        OWNER,
    ]


def findings(out: str) -> list[tuple[str, ...]]:
    return [
        (f["kind"], f["name"], f["type"], *f["targets"], f.get("route", ""), f.get("gateway", ""))
        for f in json.loads(out)
    ]


SEED_FINDINGS = [
    ("unexpected-target", "blog.example.com", "A", "198.51.100.7", "app/blog", ""),
    ("missing", "news.example.com", "A", "203.0.113.10", "app/blog", "infra/external"),
    ("stale-gateway", "shop.example.com", "A", "203.0.113.10", "app/shop", "infra/external"),
]


def test_seed_zone_by_plain_queries(seed: str) -> None:
    code, out, err = run("audit", AFTER, "--nameserver", seed, "-o", "json")
    assert (code, err) == (3, "")
    assert findings(out) == SEED_FINDINGS
    stale = json.loads(out)[2]
    assert stale["routeKind"] == "HTTPRoute"
    assert stale["sources"] == [f"nameserver {seed}"]
    assert "which HTTPRoute app/shop left" in stale["message"]


def test_seed_zone_through_the_provider(named: dict[str, Any], seed: str) -> None:
    code, out, err = run("audit", AFTER, *bind_flags(named), "-o", "json", "--explain")
    assert (code, err) == (3, "")
    assert findings(out) == [
        *SEED_FINDINGS[:2],
        ("orphaned", "old.example.com", "A", "203.0.113.10", "app/old", ""),
        SEED_FINDINGS[2],
    ]
    stale = json.loads(out)[3]
    assert stale["explain"][-1] == (
        "ownership TXT a-shop.example.com: owned by cluster-eu-1 for httproute/app/shop"
    )


def test_seed_zone_on_powerdns(pdns: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """The same zone on PowerDNS: through its API, and by plain queries to its DNS port."""
    pdnsutil.reset(pdns)
    rrsets: dict[tuple[str, str], list[str]] = {}
    for name, rtype, rdata in docs_zone():
        rrsets.setdefault((name.rstrip("."), rtype), []).append(rdata)
    pdnsutil.patch(pdns, *((n, t, v) for (n, t), v in rrsets.items()))
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("GATEWAYDNS_PDNS_API_KEY", pdns["key"])
    flags = ["--provider", "powerdns", "--pdns-server", pdns["api"], "--pdns-zone", pdns["zone"]]
    code, out, err = run("audit", AFTER, *flags, "--owner-id", OWNER, "-o", "json")
    assert (code, err) == (3, "")
    assert findings(out) == [
        *SEED_FINDINGS[:2],
        ("orphaned", "old.example.com", "A", "203.0.113.10", "app/old", ""),
        SEED_FINDINGS[2],
    ]
    code, out, err = run("audit", AFTER, "--nameserver", pdns["dns"], "-o", "json")
    assert (code, err) == (3, "")
    assert findings(out) == SEED_FINDINGS


def test_sync_then_the_zone_matches(named: dict[str, Any], seed: str) -> None:
    assert run("sync", AFTER, *bind_flags(named))[0] == 0
    assert run("audit", AFTER, "--nameserver", seed) == (
        0,
        f"DNS matches: 4 record set(s) checked (nameserver {seed}) hold what the manifests "
        "call for.\n",
        "",
    )
    code, out, _ = run("audit", AFTER, *bind_flags(named), "-o", "prometheus")
    assert code == 0
    assert 'gatewaydns_audit_findings{kind="stale-gateway"} 0' in out.splitlines()


def test_a_lagging_controller_is_held_not_reported(named: dict[str, Any], seed: str) -> None:
    """Before the controller catches up, the old Gateway's record is what hold keeps."""
    assert run("sync", "examples/parentref-move/before.yaml", *bind_flags(named))[0] == 0
    code, out, _ = run("audit", "examples/parentref-move/lagging.yaml", "--nameserver", seed)
    assert code == 0
    assert "(2 with records that hold keeps while their routes' status lags)" in out


def test_an_unanswering_server_is_an_error(seed: str, silent: str) -> None:
    code, out, err = run(
        "audit", AFTER, "--nameserver", seed, "--nameserver", silent, "--nameserver-timeout", "0.2"
    )
    assert (code, out) == (1, "")
    assert err == (
        f"gatewaydns: error: nameserver {silent} did not answer: no reply to A blog.example.com "
        "within 0.2s (2 tries); is it running and reachable?\n"
    )


def test_a_refusing_server_is_an_error_not_missing(seed: str, tmp_path: pathlib.Path) -> None:
    elsewhere = (ROOT / AFTER).read_text().replace("example.com", "example.org")
    manifest = tmp_path / "org.yaml"
    manifest.write_text(elsewhere)
    code, out, err = run("audit", str(manifest), "--nameserver", seed)
    assert (code, out) == (1, "")
    assert f"nameserver {seed} answered REFUSED for A blog.example.org" in err


def test_a_nameserver_given_twice_is_asked_once(seed: str) -> None:
    code, out, _ = run("audit", AFTER, "--nameserver", seed, "--nameserver", seed, "-o", "json")
    assert code == 3
    assert all(f["sources"] == [f"nameserver {seed}"] for f in json.loads(out))


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param([], "audit needs --nameserver IP[:PORT]", id="neither"),
        pytest.param(
            ["--nameserver", "127.0.0.1", "--provider", "webhook", "--owner-id", "x"],
            "--nameserver or --provider, not both",
            id="both",
        ),
        pytest.param(["--provider", "webhook"], "--provider needs --owner-id", id="no-owner"),
        pytest.param(["--nameserver", "ns1.example.com"], "not a host name", id="host-name"),
        pytest.param(["--nameserver", "127.0.0.1:0"], "port must be a number", id="port"),
    ],
)
def test_configuration_errors_exit_1(
    argv: list[str], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    code, out, err = run("audit", AFTER, *argv)
    assert (code, out) == (1, "")
    assert message in err


def test_usage_errors_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["audit", "-o", "yaml"])
    assert info.value.code == 1
    assert "invalid choice" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("192.0.2.53", ("192.0.2.53", 53)),
        ("192.0.2.53:5353", ("192.0.2.53", 5353)),
        ("2001:db8::53", ("2001:db8::53", 53)),
        ("[2001:db8::53]:5353", ("2001:db8::53", 5353)),
        ("[2001:DB8::53]", ("2001:db8::53", 53)),
    ],
)
def test_parse_nameserver(text: str, expected: tuple[str, int]) -> None:
    assert parse_nameserver(text) == expected


@pytest.mark.parametrize("text", ["ns1", "192.0.2.53:x", "192.0.2.53:70000", "[2001:db8::1", ""])
def test_parse_nameserver_refuses(text: str) -> None:
    with pytest.raises(ConfigError):
        parse_nameserver(text)


def test_nameserver_reads_records_and_cname_owner_only(
    named: dict[str, Any], provider: Any
) -> None:
    msg = dnsutil.raw_update(named)
    msg.add("www.example.com.", 60, "CNAME", "Shop.example.com.")
    msg.add("shop.example.com.", 60, "A", "192.0.2.20")
    dnsutil.send(named, msg)
    ns = Nameserver(named["host"], named["port"], timeout=2)
    got = ns.records(["WWW.example.com.", "shop.example.com", "none.example.com"])
    assert [(e.dns_name, e.record_type, e.targets) for e in got] == [
        ("shop.example.com", "A", ("192.0.2.20",)),
        ("www.example.com", "CNAME", ("shop.example.com",)),
    ]
    assert ns.label == f"{named['host']}:{named['port']}"
    assert Nameserver("2001:db8::53", 5353).label == "[2001:db8::53]:5353"
    with pytest.raises(ConfigError):
        Nameserver("127.0.0.1", concurrency=0)


# --- docs/cli.md ---------------------------------------------------------------------------------
def test_cli_page_lists_every_finding_kind() -> None:
    text = (ROOT / "docs/cli.md").read_text()
    listed = re.findall(r"^\| `([a-z-]+)` \| .* \| .* \|$", text[text.index("## audit") :], re.M)
    assert listed == list(FINDING_KINDS)


def test_cli_page_audit_examples_print_what_the_page_shows(
    named: dict[str, Any], seed: str, silent: str
) -> None:
    text = (ROOT / "docs/cli.md").read_text()
    examples = EXAMPLE.findall(text)
    assert len(examples) == 7
    for i, (written, expected) in enumerate(examples):
        if i == 5:  # the page says: after gatewaydns sync with the same provider options
            assert run("sync", AFTER, *bind_flags(named))[0] == 0
        command = (
            written.replace("\\\n", " ")
            .replace("127.0.0.1:5353", seed)
            .replace("--rfc2136-port 5353", f"--rfc2136-port {named['port']}")
            .replace("127.0.0.1:5354", silent)
        )
        code, out, err = run(*shlex.split(command)[1:])
        shown = (out + err).replace(seed, "127.0.0.1:5353").replace(silent, "127.0.0.1:5354")
        assert shown == expected, command
        if err:
            assert code == 1
        else:
            assert code == (0 if out.startswith("DNS matches") else 3)
