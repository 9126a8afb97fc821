"""Shared fixtures and helpers."""

from __future__ import annotations

import os
import pathlib
from collections.abc import Iterator
from typing import Any

import pytest

from gatewaydns.adapters.rfc2136 import TSIGKey

from . import bind_server

DATA = pathlib.Path(__file__).parent / "data"


@pytest.fixture
def data_dir() -> pathlib.Path:
    return DATA


@pytest.fixture(scope="session")
def named(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A running BIND 9: .ci/run's (GATEWAYDNS_NAMED...) or one started for this session.

    In CI (``CI`` set) a missing named fails the tests; elsewhere they skip.
    """

    if os.environ.get("GATEWAYDNS_NAMED"):
        host, port = os.environ["GATEWAYDNS_NAMED"].rsplit(":", 1)
        name, secret = os.environ["GATEWAYDNS_NAMED_KEY"].split(":", 1)
        yield {
            "host": host,
            "port": int(port),
            "key": TSIGKey(name, secret),
            "zone": os.environ["GATEWAYDNS_NAMED_ZONE"],
        }
        return
    if bind_server.named_binary() is None:
        if os.environ.get("CI"):
            pytest.fail("named (Debian package bind9) is missing: .ci/run must install it")
        pytest.skip("named is not installed (apt-get install bind9); CI always runs these")
    directory = tmp_path_factory.mktemp("named")
    server = bind_server.start(directory)
    try:
        yield {
            "host": server.host,
            "port": server.port,
            "key": TSIGKey(server.key_name, server.secret),
            "zone": server.zone,
        }
    finally:
        bind_server.stop(directory)


@pytest.fixture
def provider(named: dict[str, Any]) -> Any:
    """An RFC2136Provider over the test zone, emptied of everything but SOA, NS and ns."""
    from gatewaydns.adapters.rfc2136 import RFC2136Provider

    from .dnsutil import reset

    reset(named)
    return RFC2136Provider(
        named["host"], [named["zone"]], key=named["key"], port=named["port"], default_ttl=120
    )


@pytest.fixture(scope="session")
def pdns(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A running PowerDNS: .ci/run's (GATEWAYDNS_PDNS...) or one started for this session.

    In CI (``CI`` set) a missing pdns_server fails the tests; elsewhere they skip.
    """
    from . import pdns_server

    if os.environ.get("GATEWAYDNS_PDNS"):
        yield {
            "api": os.environ["GATEWAYDNS_PDNS"],
            "key": os.environ["GATEWAYDNS_PDNS_KEY"],
            "dns": os.environ["GATEWAYDNS_PDNS_DNS"],
            "zone": os.environ["GATEWAYDNS_PDNS_ZONE"],
        }
        return
    if pdns_server.pdns_binary() is None:
        if os.environ.get("CI"):
            pytest.fail("pdns_server (pdns-server, pdns-backend-sqlite3) is missing")
        pytest.skip(
            "pdns_server is not installed (apt-get install pdns-server pdns-backend-sqlite3)"
        )
    directory = tmp_path_factory.mktemp("pdns")
    server = pdns_server.start(directory)
    try:
        yield {"api": server.api, "key": server.key, "dns": server.dns, "zone": server.zone}
    finally:
        pdns_server.stop(directory)


@pytest.fixture
def pdns_provider(pdns: dict[str, Any]) -> Any:
    """A PowerDNSProvider over the test zone, emptied of everything but SOA, NS and ns."""
    from gatewaydns.adapters.powerdns import PowerDNSProvider

    from .pdnsutil import reset

    reset(pdns)
    return PowerDNSProvider(pdns["api"], [pdns["zone"]], api_key=pdns["key"], default_ttl=120)
