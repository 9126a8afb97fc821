"""Zones as external-dns writes them, transcribed from external-dns's source, not from gatewaydns.

Each writer follows one era of ``registry/txt`` (kubernetes-sigs/external-dns):

* v0.7 - v0.11 (``registry/txt.go``, ``affixNameMapper.toTXTName``): one ownership TXT per
  record *name*, at ``<prefix><first label><suffix>.<rest>``, no record type;
* v0.12 - v0.17 (``generateTXTRecord``): that TXT (with ``%{record_type}`` removed from the
  affixes) *and* the new one at ``toNewTXTName``: ``<prefix><type>-<first label><suffix>.<rest>``
  (the type goes into the affix instead when it holds ``%{record_type}``);
* v0.18 - v0.22 (``registry/mapper/mapper.go`` ``ToTXTName``, after "deprecate legacy
  txt-format", #5172): the new one only.

Affixes and the wildcard replacement are lower-cased by every version's mapper constructor; a
leading ``*`` label becomes the wildcard replacement. The value is ``endpoint/labels.go``
``SerializePlain(true)``: ``heritage=external-dns`` then ``external-dns/<key>=<value>`` sorted by
key, in quotes. The gateway sources label records ``<kind lower-case>/<namespace>/<name>``.

Encrypted values (``endpoint/crypto.go``) cannot be made without external-dns's own code: the
ones below were written by its ``EncryptText`` (external-dns commit 2bf1bf8a, built with Go
1.19) with ``ENCRYPTION_KEY`` and the nonce shown, and checked there with ``DecryptText``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from gatewaydns import Endpoint

TEMPLATE = "%{record_type}"


@dataclass(frozen=True)
class Record:
    """A record external-dns manages: name, type, targets and the route that wants it."""

    name: str
    rtype: str
    targets: tuple[str, ...]
    resource: str = "httproute/app/r"

    def endpoint(self) -> Endpoint:
        """The record as a provider returns it (no labels)."""
        return Endpoint(dns_name=self.name, targets=self.targets, record_type=self.rtype)

    def desired(self) -> Endpoint:
        """The endpoint gatewaydns computes for it (with its resource label)."""
        return Endpoint(
            dns_name=self.name,
            targets=self.targets,
            record_type=self.rtype,
            labels={"resource": self.resource},
        )


def value(owner: str, resource: str) -> str:
    """``Labels.SerializePlain(true)`` of a record's labels (owner, resource)."""
    return f'"heritage=external-dns,external-dns/owner={owner},external-dns/resource={resource}"'


def _split(name: str, wildcard: str) -> tuple[str, str]:
    first, _, rest = name.partition(".")
    if wildcard and first == "*":
        first = wildcard.lower()
    return first, ("." + rest if rest else "")


def old_txt_name(name: str, prefix: str = "", suffix: str = "", wildcard: str = "") -> str:
    """v0.11 ``toTXTName`` (v0.12-v0.17 ``toTXTName``: the template dropped from the affixes)."""
    first, rest = _split(name, wildcard)
    prefix = prefix.lower().replace(TEMPLATE, "")
    suffix = suffix.lower().replace(TEMPLATE, "")
    return f"{prefix}{first}{suffix}{rest}"


def new_txt_name(
    name: str, rtype: str, prefix: str = "", suffix: str = "", wildcard: str = ""
) -> str:
    """v0.12+ ``toNewTXTName`` / ``ToTXTName``."""
    first, rest = _split(name, wildcard)
    rtype = rtype.lower()
    prefix, suffix = prefix.lower(), suffix.lower()
    if TEMPLATE not in prefix and TEMPLATE not in suffix:
        first = f"{rtype}-{first}"
    prefix = prefix.replace(TEMPLATE, rtype)
    suffix = suffix.replace(TEMPLATE, rtype)
    return f"{prefix}{first}{suffix}{rest}"


def _txt(name: str, *values: str) -> Endpoint:
    return Endpoint(dns_name=name, targets=tuple(sorted(set(values))), record_type="TXT")


def _merge(endpoints: Iterable[Endpoint]) -> list[Endpoint]:
    """Record sets as a provider returns them: one per (name, type), values merged."""
    sets: dict[tuple[str, str], Endpoint] = {}
    for ep in endpoints:
        key = (ep.dns_name, ep.record_type)
        have = sets.get(key)
        targets = tuple(sorted({*have.targets, *ep.targets})) if have else ep.targets
        sets[key] = ep.model_copy(update={"targets": targets})
    return sorted(sets.values(), key=lambda e: (e.dns_name, e.record_type))


def zone_v011(records: Iterable[Record], owner: str, **affix: str) -> list[Endpoint]:
    """A zone written by external-dns v0.7 - v0.11: records and old-format TXTs."""
    out: list[Endpoint] = []
    for r in records:
        out += [r.endpoint(), _txt(old_txt_name(r.name, **affix), value(owner, r.resource))]
    return _merge(out)


def zone_v012(records: Iterable[Record], owner: str, **affix: str) -> list[Endpoint]:
    """A zone written by external-dns v0.12 - v0.17: records and TXTs in both formats."""
    out: list[Endpoint] = []
    for r in records:
        out += [
            r.endpoint(),
            _txt(old_txt_name(r.name, **affix), value(owner, r.resource)),
            _txt(new_txt_name(r.name, r.rtype, **affix), value(owner, r.resource)),
        ]
    return _merge(out)


def zone_v022(records: Iterable[Record], owner: str, **affix: str) -> list[Endpoint]:
    """A zone written by external-dns v0.18 - v0.22: records and new-format TXTs."""
    out: list[Endpoint] = []
    for r in records:
        out += [
            r.endpoint(),
            _txt(new_txt_name(r.name, r.rtype, **affix), value(owner, r.resource)),
        ]
    return _merge(out)


#: The key the encrypted values below were sealed with.
ENCRYPTION_KEY = "gatewaydns-test-key-32-bytes-000"

#: (plain text, base64 nonce, value written by external-dns's EncryptText, without quotes)
ENCRYPTED = {
    "shop": (
        "heritage=external-dns,external-dns/owner=cluster-a,external-dns/resource=httproute/app/shop",
        "bm9uY2UtMDAwMDAx",
        "bm9uY2UtMDAwMDAxqoar6jkYdWxA2OoSrdvnkicC27J2vEo3FX5py1dIHMjHijvkjfpZLd7xTJk41RImRqDqHuYS3lwg"
        "azFFPrEcnz9/SYLs+5sxZ1z6usDSFwV3qB1KRsDDFKZySu1D0uuKEOjiC95US2vUv5Asa8c=",
    ),
    "api": (
        "heritage=external-dns,external-dns/owner=cluster-a,external-dns/resource=httproute/app/api",
        "bm9uY2UtMDAwMDAy",
        "bm9uY2UtMDAwMDAy8XvAaVWWaPrpNywKmu+8JbCDOAT7bIncqWxGwoSJ7kWD9J+Wnwj1hRRJCtFTx936FY5HfzC0oDDg"
        "Bc6Y7VeFLDhSIqhSJQ9Px/U1abkiSY0/kD6kJC9+HoiaHhcNCH0u3H1Qp1XTlOxuaC/t",
    ),
    "legacy": (
        "heritage=external-dns,external-dns/owner=old-cluster,external-dns/resource=httproute/app/legacy",
        "bm9uY2UtMDAwMDAz",
        "bm9uY2UtMDAwMDAzdM6VHHV1iHwEXdqJxM/9/RxkHb7hIcuT9AeDz+Lgw8TVNR10u13UaZYAH9e+O51qM/S800QiImPR"
        "H/IakBzuFvTd2OBdN/iDctSWU2rfn2D3dZ7rj0rxDQDZCaBs+8QEBaAGQH+pbE6isMj5r4hE6Q==",
    ),
    "other": (
        "heritage=external-dns,external-dns/owner=someone-else,external-dns/resource=httproute/other/x",
        "bm9uY2UtMDAwMDA0",
        "bm9uY2UtMDAwMDA0JXirMJDX42qxdSP7uJNw1uPIe5FOruhf/bEUbckzABJUh+kY5eFPSbmaPCPEazET6icDIcZoPtZl"
        "Aj5OCS9f056RHmifltYx1fFhE4n5DCiKiyTq0iw3z5qf5oeepPkpS/NT+QB0/MXXk9+hmovt",
    ),
    "long": (
        "heritage=external-dns,external-dns/owner=cluster-a,external-dns/resource=httproute/app/"
        "averyveryveryverylongroutenamethatgoesonandonandonandonandonandonforawhile-0123456789-"
        "abcdefghijklmnopqrstuvwxyz-0123456789",
        "bm9uY2UtMDAwMDA1",
        "bm9uY2UtMDAwMDA1HrerOogm1zagdvfNeo7ro4WVX+2rDxX6kqq8PhstSnn4hG2vgzriD+IGGRkBMcF5Q0A0yhf5afzu"
        "JIwmkBWkCADQ/Y2if4UcPjUeQOhHlcezPDTh/GXernog5CAjWUHHs62xs8mIg1yvUqNfFyY93gXir9sTHt4Qt5/9QsE3"
        "c5sjZ7NU7gQRhulfnwtNUhhhwzUCDXLTKeEiuQt9Sj/ikExEqZ9fM6rkba8Q",
    ),
}
LONG_ROUTE = ENCRYPTED["long"][0].rsplit("/", 1)[1]


def encrypted_zone() -> list[Endpoint]:
    """A v0.22 zone with encrypted TXT values (``--txt-encrypt-enabled``), owner cluster-a.

    ``legacy`` belongs to ``old-cluster``, ``other`` to ``someone-else``; ``long``'s value is
    over 255 octets (a server stores it as two character-strings).
    """
    records = {
        "shop": Record("shop.example.com", "A", ("192.0.2.10",), "httproute/app/shop"),
        "api": Record("api.example.com", "CNAME", ("lb.example.net",), "httproute/app/api"),
        "legacy": Record("legacy.example.com", "A", ("192.0.2.11",), "httproute/app/legacy"),
        "other": Record("other.example.com", "A", ("192.0.2.12",), "httproute/other/x"),
        "long": Record("long.example.com", "A", ("192.0.2.13",), f"httproute/app/{LONG_ROUTE}"),
    }
    out: list[Endpoint] = []
    for key, r in records.items():
        out += [r.endpoint(), _txt(new_txt_name(r.name, r.rtype), f'"{ENCRYPTED[key][2]}"')]
    return _merge(out)
