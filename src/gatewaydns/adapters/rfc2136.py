"""An RFC 2136 DNS provider: reads zones by AXFR, applies changes as TSIG-signed UPDATEs.

Needs the ``rfc2136`` extra (dnspython), imported when a provider is created. Works with any
server that accepts TSIG-signed dynamic updates and zone transfers (BIND 9, Knot, PowerDNS).

Errors say what to fix:

* ``REFUSED`` — the server does not allow this key to update (or transfer) the zone:
  check ``update-policy`` / ``allow-update`` and ``allow-transfer``;
* ``NOTAUTH`` / bad key or signature — the key name, secret or algorithm differ from the server's;
* timeouts and refused connections — the server is unreachable (retryable);
* ``YXRRSET`` on a create — someone created the record meanwhile (retryable: re-read, re-plan).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gatewaydns._endpoint import Endpoint, endpoint_sort_key
from gatewaydns._errors import ConfigError, ProviderError
from gatewaydns._plan import Changes

__all__ = ["RFC2136Provider", "TSIGKey"]

_log = logging.getLogger("gatewaydns.adapters.rfc2136")


def _dns() -> Any:
    try:
        import dns.exception  # noqa: PLC0415 - optional dependency, imported on use
        import dns.message  # noqa: PLC0415
        import dns.name  # noqa: PLC0415
        import dns.query  # noqa: PLC0415
        import dns.rcode  # noqa: PLC0415
        import dns.rdatatype  # noqa: PLC0415
        import dns.tsig  # noqa: PLC0415
        import dns.tsigkeyring  # noqa: PLC0415
        import dns.update  # noqa: PLC0415
        import dns.xfr  # noqa: PLC0415
        import dns.zone  # noqa: PLC0415
    except ImportError as exc:  # pragma: no cover - exercised without the extra
        msg = "the RFC 2136 provider needs dnspython: pip install 'gatewaydns[rfc2136]'"
        raise ImportError(msg) from exc
    return dns


@dataclass(frozen=True)
class TSIGKey:
    """A TSIG key: its name, base64 secret and algorithm (default ``hmac-sha256``)."""

    name: str
    secret: str
    algorithm: str = "hmac-sha256"

    def __repr__(self) -> str:
        return f"TSIGKey(name={self.name!r}, secret=<hidden>, algorithm={self.algorithm!r})"


class RFC2136Provider:
    """A :class:`gatewaydns.protocols.Provider` for servers that take RFC 2136 updates.

    Args:
        server: the primary server's IP address.
        zones: the zones to manage (``example.com``).
        key: the TSIG key (``None``: unsigned, for servers that allow it by address).
        port: the server's port.
        timeout: seconds for each query, transfer or update.
        batch_size: the most record-set operations in one UPDATE message.
        default_ttl: the TTL of records whose endpoint has none.
    """

    def __init__(
        self,
        server: str,
        zones: Sequence[str],
        *,
        key: TSIGKey | None = None,
        port: int = 53,
        timeout: float = 5.0,
        batch_size: int = 100,
        default_ttl: int = 300,
    ) -> None:
        if not zones:
            msg = "RFC2136Provider needs at least one zone"
            raise ConfigError(msg)
        if batch_size < 1:
            msg = f"batch_size must be at least 1, got {batch_size}"
            raise ConfigError(msg)
        self._dns = _dns()
        self.server = server
        self.port = port
        self.timeout = timeout
        self.batch_size = batch_size
        self.default_ttl = default_ttl
        self.key = key
        self._zones = tuple(z.lower().rstrip(".") for z in zones)
        self._keyring: Any = None
        self._keyname: Any = None
        self._keyalgorithm: Any = None
        if key is not None:
            try:
                self._keyring = self._dns.tsigkeyring.from_text({key.name: key.secret})
            except Exception as exc:
                msg = f"TSIG key {key.name!r}: the secret is not valid base64 ({exc})"
                raise ConfigError(msg) from exc
            self._keyname = self._dns.name.from_text(key.name)
            self._keyalgorithm = self._dns.name.from_text(key.algorithm)

    def __repr__(self) -> str:
        return f"RFC2136Provider({self.server}:{self.port}, zones={self._zones}, key={self.key!r})"

    @property
    def zones(self) -> Sequence[str]:
        """The managed zones."""
        return self._zones

    # --- reading ------------------------------------------------------------------------------
    def records(self) -> Sequence[Endpoint]:
        """Every record of the managed zones, read by AXFR."""
        out: list[Endpoint] = []
        for zone in self._zones:
            out.extend(self._transfer(zone))
        return tuple(sorted(out, key=endpoint_sort_key))

    def _transfer(self, zone: str) -> list[Endpoint]:
        dns = self._dns
        try:
            xfr = dns.query.xfr(
                self.server,
                zone + ".",
                port=self.port,
                keyring=self._keyring,
                keyname=self._keyname,
                keyalgorithm=self._keyalgorithm,
                timeout=self.timeout,
                lifetime=self.timeout * 4,
                relativize=False,
            )
            data = dns.zone.from_xfr(xfr, relativize=False)
        except Exception as exc:
            raise self._error(f"zone transfer of {zone}", exc) from exc
        out: list[Endpoint] = []
        for name, rdataset in data.iterate_rdatasets():
            rtype = dns.rdatatype.to_text(rdataset.rdtype)
            dns_name = name.to_text(omit_final_dot=True).lower()
            if rtype in ("CNAME",):
                targets = [r.target.to_text(omit_final_dot=True).lower() for r in rdataset]
            elif rtype in ("A", "AAAA"):
                targets = [r.address for r in rdataset]
            else:
                targets = [r.to_text() for r in rdataset]
            out.append(
                Endpoint(
                    dns_name=dns_name,
                    targets=tuple(sorted(targets)),
                    record_type=rtype,
                    record_ttl=rdataset.ttl,
                )
            )
        return out

    # --- writing ------------------------------------------------------------------------------
    def adjust_endpoints(self, endpoints: Sequence[Endpoint]) -> Sequence[Endpoint]:
        """Endpoints as the zones will hold them.

        Names outside the managed zones are dropped, provider-specific properties removed (plain
        DNS has none) and the default TTL applied.
        """
        return [
            ep.model_copy(
                update={"provider_specific": (), "record_ttl": ep.record_ttl or self.default_ttl}
            )
            for ep in endpoints
            if self._in_zones(ep.dns_name)
        ]

    def _in_zones(self, name: str) -> bool:
        return any(name == z or name.endswith("." + z) for z in self._zones)

    def _zone_of(self, name: str) -> str:
        best = ""
        for zone in self._zones:
            if (name == zone or name.endswith("." + zone)) and len(zone) > len(best):
                best = zone
        if not best:
            msg = f"{name} is in none of the managed zones {', '.join(self._zones)}"
            raise ProviderError(msg, retryable=False)
        return best

    def apply_changes(self, changes: Changes) -> None:
        """Apply changes as TSIG-signed UPDATE messages, ``batch_size`` operations per message."""
        ops: dict[str, list[tuple[str, Endpoint]]] = {}
        for ep in changes.delete:
            ops.setdefault(self._zone_of(ep.dns_name), []).append(("delete", ep))
        for old, new in zip(changes.update_old, changes.update_new, strict=True):
            ops.setdefault(self._zone_of(old.dns_name), []).append(("delete", old))
            ops.setdefault(self._zone_of(new.dns_name), []).append(("add", new))
        for ep in changes.create:
            ops.setdefault(self._zone_of(ep.dns_name), []).append(("create", ep))
        for zone, zone_ops in sorted(ops.items()):
            for start in range(0, len(zone_ops), self.batch_size):
                self._send(zone, zone_ops[start : start + self.batch_size])

    def _send(self, zone: str, ops: list[tuple[str, Endpoint]]) -> None:
        dns = self._dns
        msg = dns.update.UpdateMessage(
            zone + ".",
            keyring=self._keyring,
            keyname=self._keyname,
            keyalgorithm=self._keyalgorithm,
        )
        for op, ep in ops:
            if ep.set_identifier:
                text = f"{ep.dns_name} has set identifier {ep.set_identifier!r}"
                raise ProviderError(f"{text}: RFC 2136 has no routing policies", retryable=False)
            name = ep.dns_name + "."
            if op == "delete":
                msg.delete(name, ep.record_type)
                continue
            if op == "create":
                msg.absent(name, ep.record_type)
            targets = [
                t + "." if ep.record_type == "CNAME" and not t.endswith(".") else t
                for t in ep.targets
            ]
            msg.add(name, ep.record_ttl or self.default_ttl, ep.record_type, *targets)
        try:
            response = dns.query.tcp(msg, self.server, port=self.port, timeout=self.timeout)
        except Exception as exc:
            raise self._error(f"update of {zone}", exc) from exc
        rcode = response.rcode()
        if rcode != dns.rcode.NOERROR:
            raise self._rcode_error(zone, dns.rcode.to_text(rcode))
        _log.debug("updated %s: %d operations", zone, len(ops))

    # --- errors -------------------------------------------------------------------------------
    def _rcode_error(self, zone: str, rcode: str) -> ProviderError:
        hints = {
            "REFUSED": (
                f"the server refused the update of {zone}: allow key "
                f"{self.key.name if self.key else '(none)'!r} in the zone's update-policy",
                False,
            ),
            "NOTAUTH": (
                f"the server is not authoritative for {zone}, or rejected the TSIG key: "
                "check the zone and the key's name, secret and algorithm",
                False,
            ),
            "NOTZONE": (f"a name is outside zone {zone}", False),
            "YXRRSET": (
                f"a record to create in {zone} exists already (created meanwhile); "
                "re-read and plan again",
                True,
            ),
            "SERVFAIL": (f"the server failed to update {zone}", True),
        }
        text, retryable = hints.get(rcode, (f"the update of {zone} failed", True))
        return ProviderError(f"{text} (rcode {rcode})", retryable=retryable)

    def _error(self, what: str, exc: Exception) -> ProviderError:
        dns = self._dns
        where = f"{self.server}:{self.port}"
        if isinstance(exc, dns.exception.Timeout):
            return ProviderError(f"{what}: {where} did not answer within {self.timeout}s")
        if isinstance(exc, ConnectionRefusedError | ConnectionResetError):
            return ProviderError(f"{what}: {where} refused the connection (is the server up?)")
        if isinstance(exc, dns.tsig.PeerBadKey | dns.tsig.PeerBadSignature):
            return ProviderError(
                f"{what}: {where} rejected the TSIG key ({type(exc).__name__}): check the key's "
                "name, secret and algorithm",
                retryable=False,
            )
        if isinstance(exc, dns.xfr.TransferError):
            rcode = dns.rcode.to_text(exc.rcode)
            if rcode == "REFUSED":
                return ProviderError(
                    f"{what}: {where} refused the transfer: allow the key in allow-transfer",
                    retryable=False,
                )
            if rcode == "NOTAUTH":
                return ProviderError(
                    f"{what}: {where} rejected the TSIG key or is not authoritative "
                    "(rcode NOTAUTH): check the key's name, secret and algorithm",
                    retryable=False,
                )
            return ProviderError(f"{what}: {where} answered rcode {rcode}")
        if isinstance(exc, OSError):
            return ProviderError(f"{what}: {where} unreachable: {exc}")
        return ProviderError(f"{what}: {type(exc).__name__}: {exc}")
