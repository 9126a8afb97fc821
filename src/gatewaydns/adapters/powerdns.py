"""A PowerDNS provider: the authoritative server's HTTP API (``/api/v1``), standard library only.

Reads each zone with ``GET /api/v1/servers/{server}/zones/{zone}`` and writes record sets with
``PATCH`` (``changetype`` ``REPLACE`` / ``DELETE``), authenticated by ``X-API-Key``. Tested
against PowerDNS Authoritative 4.7 with the SQLite backend.

Atomicity
    PowerDNS applies one PATCH all or nothing (an error in one record set refuses the whole
    request), so every :class:`~gatewaydns.ChangeUnit` — a record set and its ownership TXT —
    goes into one PATCH and is never split. Units are packed, in plan order, into PATCH requests
    of ``batch_size`` units of one zone (PowerDNS applies a request's record sets in order); when
    PowerDNS refuses a request with several units, each is sent again alone, so one bad unit does
    not hold back the others.

Concurrent writers
    A PATCH has no conditions (unlike RFC 2136 prerequisites): ``REPLACE`` overwrites and
    ``DELETE`` removes whatever is there when it arrives. To keep the planner's promise "never
    touch what is not ours", the provider re-reads each zone right before writing and refuses
    (retryably) every unit whose record sets changed since :meth:`PowerDNSProvider.records`: a
    record or TXT to replace, delete or rely on must still hold exactly what was read, a record
    to create must still be absent (for a CNAME, the whole name). What remains is the time
    between that re-read and the PATCH (one HTTP round trip): a writer that changes the same
    record set in that window is overwritten. When other writers change the same names, use
    PowerDNS's RFC 2136 support (``dnsupdate=yes``) with
    :class:`~gatewaydns.adapters.rfc2136.RFC2136Provider` instead: its updates are conditional.

Errors are :class:`~gatewaydns.ProviderError`; nothing from the HTTP client escapes:

* 401 / 403 — the API key is wrong (not retryable);
* 404 — the server id or a zone does not exist (not retryable);
* 422 / 400 — PowerDNS refused a unit's content (not retryable; the other units are applied);
* 5xx, timeouts, refused connections — retryable;
* a record set that changed since it was read — retryable: re-read and plan again.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import ssl
import urllib.parse
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from gatewaydns._dnsname import normalize_name, zone_of
from gatewaydns._endpoint import Endpoint, endpoint_sort_key
from gatewaydns._errors import ConfigError, ProviderError
from gatewaydns._plan import Changes, ChangeUnit, ProviderCapabilities
from gatewaydns._registry import txt_strings
from gatewaydns.adapters._http import HTTPError, Response, Target, request
from gatewaydns.adapters._units import UnitError, describe_unit, in_zones, raise_for_failures

__all__ = ["PowerDNSProvider"]

_log = logging.getLogger("gatewaydns.adapters.powerdns")
_MAX_STRING = 255
_RRKey = tuple[str, str]  # (name, type)


@dataclass(frozen=True)
class _Unit:
    """One unit as PowerDNS operations, with what it expects to find."""

    unit: ChangeUnit
    zone: str
    deletes: tuple[_RRKey, ...]
    replaces: tuple[tuple[_RRKey, int, tuple[str, ...]], ...]

    def describe(self) -> str:
        return describe_unit(self.unit)

    def operations(self) -> list[dict[str, Any]]:
        ops: list[dict[str, Any]] = [
            {"name": name + ".", "type": rtype, "changetype": "DELETE"}
            for name, rtype in self.deletes
        ]
        ops += [
            {
                "name": name + ".",
                "type": rtype,
                "ttl": ttl,
                "changetype": "REPLACE",
                "records": [{"content": c, "disabled": False} for c in contents],
            }
            for (name, rtype), ttl, contents in self.replaces
        ]
        return ops


class PowerDNSProvider:
    """A :class:`gatewaydns.protocols.Provider` for the PowerDNS Authoritative HTTP API.

    Args:
        url: the API's base URL (``http://127.0.0.1:8081``; ``/api/v1`` is added).
        zones: the zones to manage (``example.com``); each must exist on the server.
        api_key: the server's ``api-key``.
        server_id: the server id in API paths (``localhost`` for a single server).
        timeout: seconds for each HTTP request.
        batch_size: the most units in one PATCH request.
        default_ttl: the TTL of records whose endpoint has none.
        ssl_context: for ``https`` URLs (default: verify against the system's CAs).

    Raises:
        ConfigError: no zones, an invalid URL, an empty API key or sizes out of range.
    """

    #: plain DNS has no routing policies; long TXT values are split into 255-octet strings.
    capabilities = ProviderCapabilities(set_identifiers=False, split_long_txt=True)

    def __init__(
        self,
        url: str,
        zones: Sequence[str],
        *,
        api_key: str,
        server_id: str = "localhost",
        timeout: float = 10.0,
        batch_size: int = 100,
        default_ttl: int = 300,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if not zones:
            msg = "PowerDNSProvider needs at least one zone"
            raise ConfigError(msg)
        if not api_key:
            msg = "PowerDNSProvider needs an API key (the server's api-key setting)"
            raise ConfigError(msg)
        if batch_size < 1:
            msg = f"batch_size must be at least 1, got {batch_size}"
            raise ConfigError(msg)
        if default_ttl < 1:
            msg = f"default_ttl must be at least 1, got {default_ttl}"
            raise ConfigError(msg)
        try:
            self._target = Target.parse(url)
        except ValueError as exc:
            msg = f"PowerDNS API URL: {exc}"
            raise ConfigError(msg) from exc
        self.url = url
        self.server_id = server_id
        self.timeout = timeout
        self.batch_size = batch_size
        self.default_ttl = default_ttl
        self._api_key = api_key
        self._ssl = ssl_context
        self._zones = tuple(sorted({normalize_name(z) for z in zones}))

    def __repr__(self) -> str:
        return f"PowerDNSProvider({self._target}, zones={self._zones}, api_key=<hidden>)"

    @property
    def zones(self) -> Sequence[str]:
        """The managed zones."""
        return self._zones

    # --- HTTP ---------------------------------------------------------------------------------
    def _zone_path(self, zone: str) -> str:
        server = urllib.parse.quote(self.server_id, safe="")
        return f"/api/v1/servers/{server}/zones/{urllib.parse.quote(zone + '.', safe='')}"

    def _call(self, method: str, path: str, body: Any = None) -> Response:
        headers = {"X-API-Key": self._api_key, "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            return request(
                self._target,
                method,
                path,
                headers=headers,
                body=data,
                timeout=self.timeout,
                ssl_context=self._ssl,
            )
        except HTTPError as exc:
            raise ProviderError(f"PowerDNS API: {exc}", retryable=exc.retryable) from exc

    def _status_error(self, what: str, resp: Response) -> ProviderError:
        detail = _error_text(resp)
        if resp.status in (401, 403):
            return ProviderError(
                f"{what}: PowerDNS refused the API key (HTTP {resp.status}): check api-key",
                retryable=False,
            )
        if resp.status == 404:
            return ProviderError(
                f"{what}: not found (HTTP 404): check the server id {self.server_id!r} and that "
                f"the zone exists{detail}",
                retryable=False,
            )
        retryable = resp.status >= 500 or resp.status == 429
        return ProviderError(f"{what}: HTTP {resp.status}{detail}", retryable=retryable)

    # --- reading ------------------------------------------------------------------------------
    def records(self) -> Sequence[Endpoint]:
        """Every enabled record of the managed zones, names normalised.

        A TXT record's target is its content as PowerDNS shows it (``"a" "b"`` for two strings).

        Raises:
            ProviderError: a zone could not be read.
        """
        out: list[Endpoint] = []
        for zone in self._zones:
            out.extend(
                _endpoint(name, rtype, ttl, contents)
                for (name, rtype), (ttl, contents) in sorted(self._read_zone(zone).items())
            )
        return tuple(sorted(out, key=endpoint_sort_key))

    def _read_zone(self, zone: str) -> dict[_RRKey, tuple[int, tuple[str, ...]]]:
        """``(name, type) -> (ttl, contents)`` of a zone's enabled records."""
        what = f"reading zone {zone}"
        resp = self._call("GET", self._zone_path(zone))
        if resp.status != 200:
            raise self._status_error(what, resp)
        try:
            data = json.loads(resp.body)
            rrsets = data["rrsets"]
            out: dict[_RRKey, tuple[int, tuple[str, ...]]] = {}
            for rrset in rrsets:
                contents = tuple(
                    str(r["content"]) for r in rrset.get("records", ()) if not r.get("disabled")
                )
                if not contents:
                    continue
                key = (normalize_name(str(rrset["name"])), str(rrset["type"]).upper())
                ttl, have = out.get(key, (int(rrset.get("ttl") or 0), ()))
                out[key] = (ttl, (*have, *contents))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            msg = f"{what}: unexpected answer from PowerDNS ({type(exc).__name__}: {exc})"
            raise ProviderError(msg, retryable=True) from exc
        return out

    # --- writing ------------------------------------------------------------------------------
    def adjust_endpoints(self, endpoints: Sequence[Endpoint]) -> Sequence[Endpoint]:
        """Endpoints as the zones will hold them.

        Names outside the managed zones are dropped, provider-specific properties removed and
        the default TTL applied.
        """
        return in_zones(endpoints, self._zones, self.default_ttl)

    def apply_changes(self, changes: Changes) -> None:
        """Apply each unit atomically (one PATCH), after checking the zone still is as read.

        Raises:
            ProviderError: the server is unreachable or refused the key (nothing more is sent),
                or some units failed (all the others were applied); ``retryable`` is false only
                when every failure needs a change of configuration or input.
        """
        failures: list[UnitError] = []
        by_zone: dict[str, list[_Unit]] = {}
        total = 0
        for unit in changes.units:
            if not len(unit):
                continue
            total += 1
            try:
                enc = self._encode(unit)
            except UnitError as exc:
                failures.append(exc)
                continue
            by_zone.setdefault(enc.zone, []).append(enc)
        for zone, units in sorted(by_zone.items()):
            now = self._read_zone(zone)
            ready: list[_Unit] = []
            for enc in units:  # in plan order, each against the zone the ones before leave
                problem = _changed(enc.unit, now)
                if problem is None:
                    ready.append(enc)
                    for key in enc.deletes:
                        now.pop(key, None)
                    for key, ttl, contents in enc.replaces:
                        now[key] = (ttl, contents)
                else:
                    failures.append(
                        UnitError(
                            enc.describe(),
                            f"the zone changed since it was read ({problem}); re-read and plan "
                            "again",
                            retryable=True,
                        )
                    )
            for batch in self._pack(ready):
                failures.extend(self._send(zone, batch))
        raise_for_failures(failures, total)

    def _pack(self, units: list[_Unit]) -> Iterator[list[_Unit]]:
        for i in range(0, len(units), self.batch_size):
            yield units[i : i + self.batch_size]

    def _send(self, zone: str, batch: list[_Unit]) -> list[UnitError]:
        """One PATCH; when PowerDNS refuses its content, each unit again on its own."""
        ops = [op for enc in batch for op in enc.operations()]
        resp = self._call("PATCH", self._zone_path(zone), {"rrsets": ops})
        if resp.status in (200, 204):
            _log.debug("updated %s: %d units", zone, len(batch))
            return []
        if resp.status in (400, 422) and len(batch) > 1:
            return [f for enc in batch for f in self._send(zone, [enc])]
        if resp.status in (400, 422):
            reason = f"PowerDNS refused it (HTTP {resp.status}{_error_text(resp)})"
            return [UnitError(batch[0].describe(), reason, retryable=False)]
        raise self._status_error(f"updating zone {zone}", resp)

    def _encode(self, unit: ChangeUnit) -> _Unit:
        eps = list(unit.endpoints())
        what = _describe(unit)
        for ep in eps:
            if ep.set_identifier:
                reason = f"set identifier {ep.set_identifier!r}: PowerDNS has no routing policies"
                raise UnitError(what, reason, retryable=False)
        names = frozenset(normalize_name(ep.dns_name) for ep in (*eps, *unit.require))
        zones = {zone_of(n, self._zones) for n in names}
        if len(zones) != 1 or None in zones:
            reason = f"names {', '.join(sorted(names))} are not all in one of the managed zones"
            raise UnitError(what, reason, retryable=False)
        new = [*unit.update_new, *unit.create]
        new_keys = {_rrkey(ep) for ep in new}
        deletes = tuple(
            dict.fromkeys(
                _rrkey(ep) for ep in (*unit.delete, *unit.update_old) if _rrkey(ep) not in new_keys
            )
        )
        try:
            replaces = tuple(
                (_rrkey(ep), ep.record_ttl or self.default_ttl, _contents(ep)) for ep in new
            )
        except ValueError as exc:
            raise UnitError(what, f"cannot be encoded: {exc}", retryable=False) from exc
        return _Unit(unit, str(zones.pop()), deletes, replaces)


# --- helpers ------------------------------------------------------------------------------------
def _describe(unit: ChangeUnit) -> str:
    eps = [e for e in unit.endpoints() if e.record_type != "TXT"]
    ep = min(eps or unit.endpoints(), key=endpoint_sort_key)
    return f"{ep.record_type} {normalize_name(ep.dns_name)}"


def _rrkey(ep: Endpoint) -> _RRKey:
    return (normalize_name(ep.dns_name), ep.record_type.upper())


def _error_text(resp: Response) -> str:
    try:
        err = json.loads(resp.body).get("error")
    except (ValueError, AttributeError):
        err = None
    if isinstance(err, str) and err:
        return f": {err[:300]}"
    text = resp.body[:200].decode("utf-8", "replace").strip()
    return f": {text}" if text else ""


def _endpoint(name: str, rtype: str, ttl: int, contents: Iterable[str]) -> Endpoint:
    if rtype == "CNAME":
        targets = {normalize_name(c) for c in contents}
    elif rtype in ("A", "AAAA"):
        targets = {_canonical_ip(c) for c in contents}
    else:
        targets = set(contents)
    return Endpoint(
        dns_name=name, targets=tuple(sorted(targets)), record_type=rtype, record_ttl=ttl
    )


def _canonical_ip(value: str) -> str:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return value


def _contents(ep: Endpoint) -> tuple[str, ...]:
    """An endpoint's targets as PowerDNS record contents."""
    rtype = ep.record_type.upper()
    if rtype == "CNAME":
        return tuple(sorted({normalize_name(t) + "." for t in ep.targets}))
    if rtype in ("A", "AAAA"):
        out = set()
        for t in ep.targets:
            addr = ipaddress.ip_address(t.strip())
            if (addr.version == 4) != (rtype == "A"):
                msg = f"{t!r} is not an {rtype} address"
                raise ValueError(msg)
            out.add(str(addr))
        return tuple(sorted(out))
    if rtype == "TXT":
        return tuple(sorted({_txt_content(t) for t in ep.targets}))
    return tuple(sorted(set(ep.targets)))


def _txt_content(target: str) -> str:
    """A TXT target (presentation form) as PowerDNS content: quoted strings of <= 255 octets."""
    parts: list[str] = []
    for text in txt_strings(target) or [""]:
        # \DDD escapes read from a server are octets; other text is UTF-8
        data = text.encode("latin-1") if all(ord(c) < 256 for c in text) else text.encode()
        chunks = [data[i : i + _MAX_STRING] for i in range(0, len(data), _MAX_STRING)] or [b""]
        parts.extend(_quote(chunk) for chunk in chunks)
    return " ".join(parts)


def _quote(data: bytes) -> str:
    out = ['"']
    for byte in data:
        if byte in (0x22, 0x5C):  # " and \
            out.append("\\" + chr(byte))
        elif 0x20 <= byte < 0x7F:
            out.append(chr(byte))
        else:
            out.append(f"\\{byte:03d}")
    out.append('"')
    return "".join(out)


def _txt_value(content: str) -> bytes:
    """A TXT content's octets, its strings concatenated (how two spellings are compared)."""
    out = b""
    for text in txt_strings(content):
        out += text.encode("latin-1") if all(ord(c) < 256 for c in text) else text.encode()
    return out


def _same(rtype: str, have: Iterable[str], want: Iterable[str]) -> bool:
    if rtype == "TXT":
        return {_txt_value(c) for c in have} == {_txt_value(c) for c in want}
    if rtype == "CNAME":
        return {normalize_name(c) for c in have} == {normalize_name(c) for c in want}
    if rtype in ("A", "AAAA"):
        return {_canonical_ip(c) for c in have} == {_canonical_ip(c) for c in want}
    return set(have) == set(want)


def _changed(unit: ChangeUnit, now: dict[_RRKey, tuple[int, tuple[str, ...]]]) -> str | None:
    """What changed since the unit was planned (as RFC 2136 prerequisites would see it)."""
    gone = [*unit.delete, *unit.update_old]
    for ep in (*gone, *unit.require):
        key = _rrkey(ep)
        have = now.get(key)
        if have is None or not _same(key[1], have[1], ep.targets):
            return f"{key[1]} {key[0]} no longer holds what was read"
    freed = {_rrkey(ep) for ep in gone}
    for ep in unit.create:
        name, rtype = _rrkey(ep)
        if rtype == "CNAME":
            taken = sorted(t for (n, t) in now if n == name and (n, t) not in freed)
            if taken:
                return f"{name} now holds {', '.join(taken)}"
            continue
        if (name, rtype) in now and (name, rtype) not in freed:
            return f"{rtype} {name} exists now"
        if (name, "CNAME") in now and (name, "CNAME") not in freed:
            return f"{name} now holds a CNAME"
    return None
