"""The webhook client against canned HTTP answers, and the server against its protocol.

The canned answers follow the edge cases of external-dns's own webhook tests (v0.22
``provider/webhook/webhook_test.go`` and ``api/httpapi_test.go``): negotiation failures, a wrong
content type, 4xx versus 5xx, bodies that do not parse, bodies over the size cap. They are served
by a real HTTP server on 127.0.0.1, as Go's ``httptest.NewServer`` does.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from gatewaydns import (
    Changes,
    ChangeUnit,
    ConfigError,
    Endpoint,
    ProviderCapabilities,
    ProviderError,
    TXTRegistry,
)
from gatewaydns.adapters.webhook import (
    MEDIA_TYPE,
    WebhookDomainFilter,
    WebhookProvider,
    changes_from_json,
    endpoint_from_json,
    make_server,
)
from gatewaydns.testing import Faults, InMemoryProvider

Answer = tuple[int, dict[str, str], bytes]
NEGOTIATED: Answer = (200, {"Content-Type": MEDIA_TYPE}, b"{}")


@dataclass
class Canned:
    """A test HTTP server: ``answer(method, path, body)`` decides each response."""

    answer: Callable[[str, str, bytes], Answer]
    requests: list[tuple[str, str, dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""


@contextmanager
def canned(answer: Callable[[str, str, bytes], Answer]) -> Iterator[Canned]:
    state = Canned(answer)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def handle_one(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            state.requests.append((self.command, self.path, dict(self.headers), body))
            status, headers, payload = state.answer(self.command, self.path, body)
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = handle_one  # noqa: N815

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def negotiated_then(
    rest: Callable[[str, str, bytes], Answer],
) -> Callable[[str, str, bytes], Answer]:
    def answer(method: str, path: str, body: bytes) -> Answer:
        if path == "/":
            return NEGOTIATED
        return rest(method, path, body)

    return answer


def client(url: str, **kwargs: Any) -> WebhookProvider:
    kwargs.setdefault("backoff", 0.01)
    return WebhookProvider(url, timeout=5, **kwargs)


def ep(name: str, *targets: str, rtype: str = "A") -> Endpoint:
    return Endpoint(dns_name=name, targets=targets, record_type=rtype)


# --- negotiation ---------------------------------------------------------------------------------
def test_invalid_url_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError, match="not an http"):
        WebhookProvider("://invalid-url")


def test_unreachable_server_is_retried_then_retryable() -> None:
    from tests.pdns_server import _free_port

    started = time.monotonic()
    with pytest.raises(ProviderError, match="cannot negotiate") as info:
        client(f"http://127.0.0.1:{_free_port()}", retries=3, backoff=0.05)
    assert info.value.retryable
    assert time.monotonic() - started >= 0.15  # 0.05 + 0.1 of back-off


def test_negotiation_answer_that_does_not_parse() -> None:
    with (
        canned(lambda *_: (200, {"Content-Type": MEDIA_TYPE}, b"invalid-json")) as srv,
        pytest.raises(ProviderError, match="domain filter does not parse") as info,
    ):
        client(srv.url)
    assert not info.value.retryable


def test_negotiation_without_a_body() -> None:
    with (
        canned(lambda *_: (200, {"Content-Type": MEDIA_TYPE}, b"")) as srv,
        pytest.raises(ProviderError, match="domain filter does not parse"),
    ):
        client(srv.url)


@pytest.mark.parametrize("status", [301, 400, 404])
def test_negotiation_3xx_4xx_are_permanent_and_not_retried(status: int) -> None:
    with (
        canned(lambda *_: (status, {}, b"")) as srv,
        pytest.raises(ProviderError, match=f"HTTP {status}") as info,
    ):
        client(srv.url)
    assert not info.value.retryable
    assert len(srv.requests) == 1


def test_negotiation_5xx_is_retried() -> None:
    def answer(method: str, path: str, body: bytes) -> Answer:
        return (500, {}, b"") if len(srv.requests) < 3 else NEGOTIATED

    with canned(answer) as srv:
        provider = client(srv.url)
    assert len(srv.requests) == 3
    assert provider.zones == ()
    assert srv.requests[0][2]["Accept"] == MEDIA_TYPE


def test_negotiation_5xx_until_the_retries_are_spent() -> None:
    with (
        canned(lambda *_: (503, {}, b"")) as srv,
        pytest.raises(ProviderError, match="HTTP 503") as info,
    ):
        client(srv.url, retries=2)
    assert info.value.retryable
    assert len(srv.requests) == 2


def test_wrong_content_type() -> None:
    wrong = (200, {"Content-Type": MEDIA_TYPE + "wrong"}, b"{}")
    with (
        canned(lambda *_: wrong) as srv,
        pytest.raises(ProviderError, match="wrong content type") as info,
    ):
        client(srv.url)
    assert not info.value.retryable


def test_domain_filter_lists_and_regexes() -> None:
    body = json.dumps(
        {"include": ["Example.COM.", ".sub.example.org"], "exclude": ["x.example.com"]}
    )
    with canned(lambda *_: (200, {"Content-Type": MEDIA_TYPE}, body.encode())) as srv:
        provider = client(srv.url)
    flt = provider.domain_filter
    assert flt.include == (".sub.example.org", "example.com")
    assert provider.zones == ("sub.example.org", "example.com")
    assert flt.matches("www.example.com")
    assert flt.matches("example.com")
    assert not flt.matches("x.example.com")
    assert not flt.matches("a.x.example.com")
    assert not flt.matches("sub.example.org")  # ".sub.example.org": only names below it
    assert flt.matches("a.sub.example.org")
    assert not flt.matches("badexample.com")
    regex = WebhookDomainFilter.from_json(
        {"regexInclude": r"\.example\.com$", "regexExclude": "^x"}
    )
    assert regex.matches("a.example.com")
    assert not regex.matches("xa.example.com")
    assert not regex.matches("example.org")
    assert regex.to_json() == {"regexInclude": r"\.example\.com$", "regexExclude": "^x"}
    with pytest.raises(ValueError, match="both"):
        WebhookDomainFilter.from_json({"include": ["a.com"], "regexInclude": "a"})
    with pytest.raises(ValueError, match="regexInclude"):
        WebhookDomainFilter.from_json({"regexInclude": "("})


# --- records ---------------------------------------------------------------------------------------
def test_records() -> None:
    body = json.dumps(
        [
            {"dnsName": "Test.Example.com.", "targets": ["192.0.2.1"], "recordType": "A"},
            {"dnsName": "test.example.com"},
            {"dnsName": "other.example.org", "recordType": "A"},
            {"DNSNAME": "case.example.com", "RecordType": "A", "unknown": 1},
        ]
    ).encode()

    def answer(method: str, path: str, _body: bytes) -> Answer:
        if path == "/":
            return (200, {"Content-Type": MEDIA_TYPE}, b'{"include": ["example.com"]}')
        assert (method, path) == ("GET", "/records")
        return 200, {"Content-Type": MEDIA_TYPE}, body

    with canned(answer) as srv:
        records = client(srv.url).records()
    assert [(e.dns_name, e.record_type, e.targets) for e in records] == [
        ("case.example.com", "A", ()),
        ("test.example.com", "", ()),
        ("test.example.com", "A", ("192.0.2.1",)),
    ]
    assert srv.requests[-1][2]["Accept"] == MEDIA_TYPE


@pytest.mark.parametrize(
    ("status", "retryable"),
    [(500, True), (503, True), (510, True), (511, False), (404, False), (302, False)],
)
def test_records_errors(status: int, retryable: bool) -> None:
    with canned(negotiated_then(lambda *_: (status, {}, b"nope"))) as srv:
        provider = client(srv.url)
        with pytest.raises(ProviderError, match=f"HTTP {status}: nope") as info:
            provider.records()
    assert info.value.retryable is retryable


@pytest.mark.parametrize(
    "body", [b"invalid-json", b'{"dnsName": "a"}', b'[{"targets": "x"}]', b'[{"recordTTL": -1}]']
)
def test_records_that_do_not_parse(body: bytes) -> None:
    with (
        canned(negotiated_then(lambda *_: (200, {}, body))) as srv,
        pytest.raises(ProviderError, match="does not parse") as info,
    ):
        client(srv.url).records()
    assert not info.value.retryable


def big_records(size: int) -> bytes:
    prefix, suffix = b'[{"dnsName":"', b'"}]'
    return prefix + b"a" * (size - len(prefix) - len(suffix)) + suffix


def test_records_body_over_the_limit() -> None:
    limit = 1 << 20
    with canned(negotiated_then(lambda *_: (200, {}, big_records(2 * limit)))) as srv:
        provider = client(srv.url, max_body_size=limit)
        with pytest.raises(ProviderError, match=f"exceeds {limit} bytes") as info:
            provider.records()
    assert not info.value.retryable


def test_records_body_at_the_limit_and_limit_disabled() -> None:
    limit = 1 << 20
    with canned(negotiated_then(lambda *_: (200, {}, big_records(limit)))) as srv:
        assert len(client(srv.url, max_body_size=limit).records()) == 1
        assert len(client(srv.url, max_body_size=0).records()) == 1


def test_a_slow_server_times_out_retryably() -> None:
    def slow(*_: Any) -> Answer:
        time.sleep(1.5)
        return 200, {}, b"[]"

    with canned(negotiated_then(slow)) as srv:
        provider = WebhookProvider(srv.url, timeout=0.5)
        with pytest.raises(ProviderError, match=r"within 0\.5s") as info:
            provider.records()
    assert info.value.retryable


# --- apply_changes ----------------------------------------------------------------------------------
def unit(name: str) -> ChangeUnit:
    record = Endpoint(
        dns_name=name,
        targets=("192.0.2.1",),
        record_type="A",
        record_ttl=10,
        provider_specific=({"name": "prop1", "value": "value1"},),
    )
    return ChangeUnit(create=(TXTRegistry("me").txt_record(record), record))


def test_apply_changes_sends_the_webhook_shape() -> None:
    with canned(negotiated_then(lambda *_: (204, {}, b""))) as srv:
        client(srv.url).apply_changes(Changes(units=[unit("a.example.com"), unit("b.example.com")]))
    [(method, path, headers, body)] = srv.requests[1:]
    assert (method, path) == ("POST", "/records")
    assert headers["Content-Type"] == MEDIA_TYPE
    sent = json.loads(body)
    assert set(sent) == {"create", "updateOld", "updateNew", "delete"}
    assert [e["dnsName"] for e in sent["create"]] == [
        "a-a.example.com",
        "a.example.com",
        "a-b.example.com",
        "b.example.com",
    ]
    assert sent["create"][1]["providerSpecific"] == [{"name": "prop1", "value": "value1"}]


def test_empty_changes_send_nothing() -> None:
    with canned(negotiated_then(lambda *_: (500, {}, b""))) as srv:
        client(srv.url).apply_changes(Changes())
    assert len(srv.requests) == 1


@pytest.mark.parametrize(("status", "retryable"), [(500, True), (200, False), (511, False)])
def test_apply_changes_errors(status: int, retryable: bool) -> None:
    with (
        canned(negotiated_then(lambda *_: (status, {}, b""))) as srv,
        pytest.raises(ProviderError, match=f"HTTP {status}") as info,
    ):
        client(srv.url).apply_changes(Changes(units=[unit("a.example.com")]))
    assert info.value.retryable is retryable


def test_a_refused_unit_is_isolated_and_the_rest_applies() -> None:
    applied: list[str] = []

    def answer(method: str, path: str, body: bytes) -> Answer:
        names = [e["dnsName"] for e in json.loads(body)["create"] if "-" not in e["dnsName"]]
        if "bad.example.com" in names:
            return 422, {}, b'{"error": "bad"}'
        applied.extend(names)
        return 204, {}, b""

    units = [unit(n) for n in ("a.example.com", "bad.example.com", "c.example.com")]
    with (
        canned(negotiated_then(answer)) as srv,
        pytest.raises(ProviderError, match=r"1 change\(s\) refused, 2 applied") as info,
    ):
        client(srv.url).apply_changes(Changes(units=units))
    assert not info.value.retryable
    assert applied == ["a.example.com", "c.example.com"]
    assert len(srv.requests) == 1 + 1 + 3


def test_a_retryable_failure_stops_sending() -> None:
    with canned(negotiated_then(lambda *_: (503, {}, b""))) as srv:
        provider = client(srv.url, batch_size=1)
        with pytest.raises(ProviderError, match="HTTP 503") as info:
            provider.apply_changes(Changes(units=[unit("a.example.com"), unit("b.example.com")]))
    assert info.value.retryable
    assert len(srv.requests) == 2


def test_units_are_batched_and_never_split() -> None:
    bodies: list[Any] = []

    def answer(method: str, path: str, body: bytes) -> Answer:
        bodies.append(json.loads(body))
        return 204, {}, b""

    units = [unit(f"h{i}.example.com") for i in range(5)]
    with canned(negotiated_then(answer)) as srv:
        client(srv.url, batch_size=2).apply_changes(Changes(units=units))
    assert [len(b["create"]) for b in bodies] == [4, 4, 2]


# --- adjust_endpoints -------------------------------------------------------------------------------
def test_adjust_endpoints() -> None:
    def answer(method: str, path: str, body: bytes) -> Answer:
        assert (method, path) == ("POST", "/adjustendpoints")
        eps = json.loads(body)
        for e in eps:
            e["recordTTL"] = 0
        return 200, {"Content-Type": MEDIA_TYPE}, json.dumps(eps).encode()

    negotiate = (200, {"Content-Type": MEDIA_TYPE}, b'{"include": ["example.com"]}')
    with canned(lambda m, p, b: negotiate if p == "/" else answer(m, p, b)) as srv:
        adjusted = client(srv.url).adjust_endpoints(
            [
                Endpoint(
                    dns_name="test.example.com", record_type="A", record_ttl=10, targets=("",)
                ),
                Endpoint(dns_name="test.example.org", record_type="A", record_ttl=10),
            ]
        )
    assert adjusted == [Endpoint(dns_name="test.example.com", record_type="A", targets=("",))]
    assert srv.requests[1][2]["Content-Type"] == MEDIA_TYPE
    assert srv.requests[1][2]["Accept"] == MEDIA_TYPE


@pytest.mark.parametrize(
    ("answer", "match", "retryable"),
    [
        ((500, {}, b""), "HTTP 500", True),
        ((511, {}, b""), "HTTP 511", False),
        ((200, {}, b"invalid-json"), "does not parse", False),
    ],
)
def test_adjust_endpoints_errors(answer: Answer, match: str, retryable: bool) -> None:
    with (
        canned(negotiated_then(lambda *_: answer)) as srv,
        pytest.raises(ProviderError, match=match) as info,
    ):
        client(srv.url).adjust_endpoints([ep("a.example.com", "192.0.2.1")])
    assert info.value.retryable is retryable


# --- the JSON shapes --------------------------------------------------------------------------------
def test_endpoint_json_is_read_as_external_dns_reads_it() -> None:
    got = endpoint_from_json(
        {
            "DNSName": "a.example.com",
            "Targets": ["x"],
            "recordType": "TXT",
            "setIdentifier": None,
            "labels": {"owner": "me"},
            "providerSpecific": [{"name": "alias"}],
            "futureField": True,
        }
    )
    assert got.to_json() == {
        "dnsName": "a.example.com",
        "targets": ["x"],
        "recordType": "TXT",
        "labels": {"owner": "me"},
        "providerSpecific": [{"name": "alias", "value": ""}],
    }
    for bad, where in [
        ({"dnsName": 3}, "e.dnsName"),
        ({"targets": [1]}, "e.targets"),
        ({"recordTTL": "3"}, "e.recordTTL"),
        ({"recordTTL": True}, "e.recordTTL"),
        ({"labels": {"a": 1}}, "e.labels"),
        ({"providerSpecific": [1]}, r"e.providerSpecific\[0\]"),
        ([], "e"),
    ]:
        with pytest.raises(ValueError, match=where):
            endpoint_from_json(bad, "e")


def test_flat_changes_keys_in_any_case() -> None:
    changes = changes_from_json(
        {
            "Create": [{"dnsName": "foo"}],
            "updateOld": [{"dnsName": "bar"}],
            "updateNew": [{"dnsName": "baz"}],
            "Delete": [{"dnsName": "qux"}],
        }
    )
    [one] = changes.units
    assert [e.dns_name for e in one.create] == ["foo"]
    assert [e.dns_name for e in one.update_old] == ["bar"]
    assert [e.dns_name for e in one.update_new] == ["baz"]
    assert [e.dns_name for e in one.delete] == ["qux"]
    with pytest.raises(ValueError, match="pairs"):
        changes_from_json({"updateOld": [{"dnsName": "bar"}]})
    with pytest.raises(ValueError, match="expected an object"):
        changes_from_json([])


def external_dns_changes(reg: TXTRegistry) -> dict[str, Any]:
    """What external-dns's TXT registry sends: records, then the TXTs it appended per list."""

    def rec(name: str, target: str, rtype: str = "A") -> dict[str, Any]:
        return {"dnsName": name, "targets": [target], "recordType": rtype}

    def txt(name: str, rtype: str = "A") -> dict[str, Any]:
        return {
            "dnsName": reg.txt_name(name, rtype),
            "targets": [reg.txt_value("r")],
            "recordType": "TXT",
        }

    return {
        "create": [
            rec("a.example.com", "192.0.2.1"),
            rec("c.example.com", "lb.example.net", "CNAME"),
            txt("a.example.com"),
            txt("c.example.com", "CNAME"),
        ],
        "updateOld": [rec("u.example.com", "192.0.2.1"), txt("u.example.com")],
        "updateNew": [rec("u.example.com", "192.0.2.2"), txt("u.example.com")],
        "delete": [
            rec("d.example.com", "192.0.2.1"),
            txt("d.example.com"),
            {"dnsName": "stray.example.com", "targets": ['"x"'], "recordType": "TXT"},
        ],
    }


def test_flat_changes_grouped_by_the_registry() -> None:
    reg = TXTRegistry("ignored", prefix="own-")
    changes = changes_from_json(external_dns_changes(reg), registry=reg)
    summary = [
        (
            [(e.record_type, e.dns_name) for e in u.create],
            [(e.record_type, e.dns_name) for e in u.update_new],
            [(e.record_type, e.dns_name) for e in u.delete],
        )
        for u in changes.units
    ]
    assert summary == [
        ([], [], [("A", "d.example.com"), ("TXT", "own-a-d.example.com")]),
        ([], [], [("TXT", "stray.example.com")]),
        ([], [("A", "u.example.com"), ("TXT", "own-a-u.example.com")], []),
        ([("TXT", "own-a-a.example.com"), ("A", "a.example.com")], [], []),
        ([("TXT", "own-cname-c.example.com"), ("CNAME", "c.example.com")], [], []),
    ]
    assert [e.dns_name for e in changes.units[2].update_old] == [
        "u.example.com",
        "own-a-u.example.com",
    ]
    # without the registry (or with another prefix) the request stays one unit, or TXTs alone
    assert len(changes_from_json(external_dns_changes(reg)).units) == 1
    other = changes_from_json(external_dns_changes(reg), registry=TXTRegistry("x"))
    assert len(other.units) == 9


# --- the server --------------------------------------------------------------------------------------
@contextmanager
def served(provider: Any, **kwargs: Any) -> Iterator[str]:
    server = make_server(provider, "127.0.0.1", 0, **kwargs)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield server.url
    finally:
        server.shutdown()
        server.server_close()


def raw(
    url: str,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


def test_server_speaks_the_protocol() -> None:
    provider = InMemoryProvider(
        [ep("www.example.com", "192.0.2.1")], zones=("example.com", "example.org")
    )
    with served(provider) as url:
        status, headers, body = raw(url, "GET", "/", headers={"Accept": MEDIA_TYPE})
        assert (status, headers["Content-Type"]) == (200, MEDIA_TYPE)
        assert json.loads(body) == {"include": ["example.com", "example.org"]}
        status, headers, body = raw(url, "GET", "/records")
        assert (status, headers["Content-Type"]) == (200, MEDIA_TYPE)
        assert json.loads(body) == [
            {"dnsName": "www.example.com", "targets": ["192.0.2.1"], "recordType": "A"}
        ]
        assert raw(url, "GET", "/healthz")[0] == 200
        assert raw(url, "PUT", "/records", b"{}")[0] == 405
        assert raw(url, "GET", "/adjustendpoints")[0] == 405
        assert raw(url, "GET", "/nothing")[0] == 404
        assert raw(url, "POST", "/records", b"invalid-json")[0] == 400
        assert raw(url, "POST", "/records", b"")[0] == 400
        assert raw(url, "POST", "/adjustendpoints", b"{}")[0] == 400
        new = {
            "create": [{"dnsName": "new.example.com", "targets": ["192.0.2.9"], "recordType": "A"}]
        }
        status, headers, body = raw(
            url, "POST", "/records", json.dumps(new).encode(), {"Content-Type": MEDIA_TYPE}
        )
        assert (status, body) == (204, b"")
        assert provider.get("new.example.com", "A") is not None
        adjusted = raw(url, "POST", "/adjustendpoints", b'[{"dnsName": "x.example.com"}]')
        assert (adjusted[0], json.loads(adjusted[2])) == (200, [{"dnsName": "x.example.com"}])


def test_server_caps_the_request_body() -> None:
    with served(InMemoryProvider(), max_body_size=1000) as url:
        status, _, _ = raw(url, "POST", "/records", b"[" + b" " * 2000 + b"]")
    assert status == 413


def test_server_maps_provider_errors_onto_retryable_statuses() -> None:
    provider = InMemoryProvider(faults=Faults(fail_records={1}))
    with served(provider) as url:
        assert raw(url, "GET", "/records")[0] == 500  # retryable: external-dns retries
        new = {
            "create": [{"dnsName": "x.example.org", "targets": ["192.0.2.9"], "recordType": "A"}]
        }
        status, _, body = raw(url, "POST", "/records", json.dumps(new).encode())
    assert status == 422  # not retryable: outside the zones
    assert "outside the zones" in json.loads(body)["error"]


def test_client_and_server_round_trip_through_memory() -> None:
    """The client against the server: negotiation, records, adjust, apply, errors."""
    provider = InMemoryProvider(
        zones=("example.com",), capabilities=ProviderCapabilities(set_identifiers=False)
    )
    with served(provider, registry=TXTRegistry("me")) as url:
        hook = client(url)
        assert hook.zones == ("example.com",)
        record = ep("www.example.com", "192.0.2.1")
        hook.apply_changes(
            Changes(units=[ChangeUnit(create=(TXTRegistry("me").txt_record(record), record))])
        )
        assert [e.dns_name for e in hook.records()] == ["a-www.example.com", "www.example.com"]
        assert hook.adjust_endpoints([record, ep("x.example.org", "192.0.2.1")]) == [record]
        outside = ep("w.example.org", "192.0.2.1")
        with pytest.raises(ProviderError, match="outside the zones") as info:
            hook.apply_changes(Changes(units=[ChangeUnit(create=(outside,))]))
        assert not info.value.retryable
