"""A stateful property test of the whole write path against a real BIND 9 (SPEC section 13).

Hypothesis drives random route sets (through ``compute_endpoints``), random foreign records
(people's A/CNAME/TXT/MX, another owner's records, some at our names and our TXT names) and
injected faults (the connection lost before a message, the answer lost after the server applied
it, a concurrent writer between our read and our update). After every step the zone, read back
by AXFR, must hold:

* no record of ours without its ownership TXT (for a record external-dns wrote before v0.12 and
  gatewaydns adopted, its old-format TXT, which stays in place, counts: tests/external_dns.py);
* no foreign record changed, old-format TXTs (ours or not) and AAAA records owned only through
  one included;
* after a step without faults: no ownership TXT of ours without its record, and the zone holds
  exactly what the cluster calls for, less what the plan refused (a second plan is empty).
"""

from __future__ import annotations

from typing import Any

import dns.rdataclass
import dns.rdatatype
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

import gatewaydns
from gatewaydns import PlanOptions, ProviderError, TXTRegistry, plan
from tests.dnsutil import Faulty, dump, raw_update, reset, send
from tests.external_dns import old_txt_name
from tests.external_dns import value as txt_value
from tests.helpers import accepted, gateway, route

OWNER = "machine"
REG = TXTRegistry(OWNER)
OPTIONS = PlanOptions(REG, force=True)  # the deletion guard has tests of its own
HOSTS = (
    "a.example.com",
    "b.example.com",
    "c.example.com",
    "a-b.example.com",
    "cname-a.example.com",
)
GATEWAYS = {
    "g1": ["192.0.2.1"],
    "g2": ["2001:db8::2"],
    "g3": ["lb.example.net"],
    "g4": ["192.0.2.4"],
}
FOREIGN_NAMES = (
    *HOSTS,
    "a-a.example.com",
    "a-c.example.com",
    "aaaa-b.example.com",
    "d.example.com",
)
MANAGED = ("A", "AAAA", "CNAME")
#: names where external-dns before v0.12 left a record and its old-format TXT (at the record's
#: own name); none reads as another record's new-format TXT name
LEGACY_NAMES = ("a.example.com", "b.example.com", "c.example.com", "d.example.com")


class ZoneMachine(RuleBasedStateMachine):
    named: dict[str, Any]

    def __init__(self) -> None:
        super().__init__()
        reset(self.named)
        self.provider = Faulty(
            self.named["host"],
            [self.named["zone"]],
            key=self.named["key"],
            port=self.named["port"],
            default_ttl=120,
            timeout=2,
        )
        self.routes: dict[int, tuple[tuple[str, ...], str]] = {}
        self.foreign: dict[tuple[str, str], tuple[str, ...]] = {}
        self.legacy_ours: set[str] = set()  # names with an old-format TXT of ours
        self.faulted = False
        self.clean = False  # the last step applied without faults or errors
        self.last: gatewaydns.Changes | None = None

    # --- the cluster ------------------------------------------------------------------------
    @rule(
        i=st.integers(0, 5),
        hosts=st.lists(st.sampled_from(HOSTS), min_size=1, max_size=2, unique=True),
        gw=st.sampled_from(sorted(GATEWAYS)),
    )
    def put_route(self, i: int, hosts: list[str], gw: str) -> None:
        self.routes[i] = (tuple(sorted(hosts)), gw)

    @rule(i=st.integers(0, 5))
    def delete_route(self, i: int) -> None:
        self.routes.pop(i, None)

    def desired(self) -> tuple[gatewaydns.Endpoint, ...]:
        docs = [gateway(g, addresses=a) for g, a in GATEWAYS.items()]
        for i, (hosts, gw) in sorted(self.routes.items()):
            parents = [{"name": gw, "namespace": "infra"}]
            docs.append(
                route(f"r{i}", hostnames=list(hosts), parents=parents, status=[accepted(gw)])
            )
        snap = gatewaydns.Snapshot.from_manifests(docs)
        return gatewaydns.compute_endpoints(snap).endpoints

    # --- the rest of the world --------------------------------------------------------------
    def _write(self, name: str, rtype: str, text: str) -> bool:
        zone = dump(self.named)
        present = {t for n, t in zone if n == name}
        if (name, rtype) in zone or "CNAME" in present or (rtype == "CNAME" and present):
            return False  # people do not write over existing data (that would be drift)
        if rtype != "AAAA" and name in self.legacy_ours:
            # an old-format TXT of ours stays after gatewaydns deletes its record, and claims
            # any record written there later (as in external-dns; docs/migrating-...md)
            return False
        msg = raw_update(self.named)
        msg.add(name + ".", 300, rtype, text)
        send(self.named, msg)
        return True

    def _write_foreign(self, name: str, rtype: str, text: str) -> bool:
        if not self._write(name, rtype, text):
            return False
        self.foreign[(name, rtype)] = dump(self.named)[(name, rtype)]
        return True

    @rule(name=st.sampled_from(LEGACY_NAMES), kind=st.sampled_from(["A", "AAAA", "other-owner"]))
    def legacy_record(self, name: str, kind: str) -> None:
        """A record and its old-format TXT, as external-dns v0.7-v0.11 wrote them."""
        zone = dump(self.named)
        txt_name = old_txt_name(name)
        if any(n in (name, txt_name) for n, _ in zone):
            return
        if kind == "other-owner":
            if self._write_foreign(name, "A", "198.51.100.60"):
                self._write_foreign(txt_name, "TXT", txt_value("someone-else", "httproute/o/o"))
            return
        address = "198.51.100.50" if kind == "A" else "2001:db8::50"
        written = (
            self._write(name, kind, address)  # ours: gatewaydns adopts it
            if kind == "A"
            else self._write_foreign(name, kind, address)  # an AAAA is never owned that way
        )
        if written and self._write_foreign(txt_name, "TXT", txt_value(OWNER, "httproute/app/old")):
            self.legacy_ours.add(name)
            event(f"an old-format {kind} record of ours")

    @rule(
        name=st.sampled_from(FOREIGN_NAMES),
        kind=st.sampled_from(["A", "CNAME", "TXT", "MX", "other-owner"]),
    )
    def foreign_record(self, name: str, kind: str) -> None:
        if kind == "other-owner":  # another controller's record and its ownership TXT
            other = TXTRegistry("someone-else")
            if self._write_foreign(name, "A", "198.51.100.9"):
                self._write_foreign(other.txt_name(name, "A"), "TXT", other.txt_value("r"))
            return
        value = {
            "A": "198.51.100.1",
            "CNAME": "people.example.net.",
            "TXT": '"hello"',
            "MX": "10 mx.example.net.",
        }[kind]
        self._write_foreign(name, kind, value)

    @rule(n=st.sampled_from([1, 1, 2]), kind=st.sampled_from(["drop", "lose", "writer", "writer"]))
    def fault(self, n: int, kind: str) -> None:
        """Arm a fault for message n of the next round."""
        number = len(self.provider.messages) + n
        if kind == "drop":
            self.provider.drop.add(number)
        elif kind == "lose":
            self.provider.lose_response.add(number)
        else:
            self.provider.before[number] = self._concurrent_writer
        self.faulted = True

    def _concurrent_writer(self, message: Any) -> None:
        """Someone creates a record (or a TXT) at a name our message is about to create."""
        values = {"A": "198.51.100.77", "AAAA": "2001:db8::77", "TXT": '"meanwhile"'}
        for rrset in message.update:
            if rrset.rdclass != dns.rdataclass.IN:
                continue  # a deletion, not an addition
            name = rrset.name.to_text(omit_final_dot=True)
            rtype = dns.rdatatype.to_text(rrset.rdtype)
            if rtype == "CNAME":  # our CNAME to be: someone puts an A there first
                rtype = "A"
            if self._write_foreign(name, rtype, values[rtype]):
                event("a concurrent writer created a record we were about to create")
                return

    # --- a controller round -------------------------------------------------------------------
    @rule()
    def step(self) -> None:
        """One controller round; faults armed for it are disarmed afterwards."""
        desired = self.provider.adjust_endpoints(self.desired())
        faulted, self.faulted = self.faulted, False
        try:
            current = self.provider.records()
            self.last = plan(
                desired,
                current,
                OPTIONS,
                zones=self.provider.zones,
                capabilities=self.provider.capabilities,
            )
            self.provider.apply_changes(self.last)
        except ProviderError:
            # without injected faults nothing may fail: a plan the server refuses every round
            # (e.g. an A next to our own CNAME) would never converge
            assert faulted, "a round without faults failed"
            event("a round with faults failed")
            self.clean = False
            return
        finally:
            self.provider.drop.clear()
            self.provider.lose_response.clear()
            self.provider.before.clear()
        self.clean = not faulted
        event(f"a round applied {'cleanly' if self.clean else 'with faults armed'}")
        if self.clean:
            again = plan(
                desired,
                self.provider.records(),
                OPTIONS,
                zones=self.provider.zones,
                capabilities=self.provider.capabilities,
            )
            assert again.is_empty(), again.to_json()
            refused = {d.hostname for d in again.diagnostics}
            zone = dump(self.named)
            for ep in desired:
                if ep.dns_name in refused:
                    continue
                assert zone.get((ep.dns_name, ep.record_type)) == tuple(sorted(ep.targets)), ep

    # --- invariants ---------------------------------------------------------------------------
    @invariant()
    def no_record_of_ours_without_its_txt(self) -> None:
        zone = dump(self.named)
        for (name, rtype), _targets in zone.items():
            if rtype not in MANAGED or (name, rtype) in self.foreign or name == "ns.example.com":
                continue
            txt = zone.get((REG.txt_name(name, rtype), "TXT"), ())
            if rtype != "AAAA" and name in self.legacy_ours:
                txt = (*txt, *zone[(old_txt_name(name), "TXT")])  # never changes (foreign)
            assert any(f"external-dns/owner={OWNER}" in t for t in txt), (name, rtype, zone)

    @invariant()
    def no_foreign_record_changed(self) -> None:
        zone = dump(self.named)
        for key, value in self.foreign.items():
            assert zone.get(key) == value, (key, zone.get(key), value)

    @invariant()
    def no_txt_of_ours_without_its_record(self) -> None:
        if not self.clean:
            return
        zone = dump(self.named)
        for (name, rtype), targets in zone.items():
            if rtype != "TXT" or not any(f"owner={OWNER}" in t for t in targets):
                continue
            if (name, rtype) in self.foreign:
                continue
            found = REG.record_of(name, MANAGED)
            assert found is not None, name
            assert found in zone, (name, found)


def test_write_path_against_bind(named: dict[str, Any]) -> None:
    ZoneMachine.named = named
    ZoneMachine.TestCase.settings = settings(
        max_examples=100,
        stateful_step_count=30,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    from hypothesis.stateful import run_state_machine_as_test

    run_state_machine_as_test(ZoneMachine, settings=ZoneMachine.TestCase.settings)
