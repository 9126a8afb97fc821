"""gatewaydns inside a kopf operator: kopf watches, a Reconciler publishes through RFC 2136.

    pip install 'gatewaydns[kopf,rfc2136]'
    python examples/kopf_operator.py --dns-server 10.0.0.53 --zone example.com \
        --tsig-key-name gatewaydns-key --tsig-secret-file /etc/gatewaydns/tsig.secret \
        --owner-id cluster-eu-1

kopf logs in as it always does (in a cluster with the pod's service account, elsewhere with the
current kubeconfig context). Its handlers feed a KopfWatcher; a Reconciler runs the rounds in a
worker thread, as in examples/controller.py, with the same guarantees:

* nothing is planned before kopf has listed every kind in full (KopfWatcher.synced: kopf runs
  event handlers only once every index is complete);
* a route whose status lags its spec keeps its records (hold), and a restarted operator holds
  what the zone says it published (the Reconciler's first round reads the zone first);
* the deletion guard (PlanOptions) withholds the deletions of a round that would delete more
  than half of the records it owns (creates and updates still apply);
* SIGTERM and SIGINT stop it within about a second, exit code 0: kopf stops its watches, the
  round in progress finishes, or is abandoned if a DNS server is slow to answer.

The handlers only read: kopf writes nothing to the watched objects (no finalizers, no
annotations) and, with posting off, no Kubernetes Events.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import pathlib
import threading
from typing import Any

import kopf

from gatewaydns import PlanOptions, Reconciler, SourceConfig, TXTRegistry
from gatewaydns.adapters.kopf import KopfWatcher
from gatewaydns.adapters.rfc2136 import RFC2136Provider, TSIGKey


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="A kopf operator publishing Gateway API routes' DNS.")
    p.add_argument("--dns-server", required=True, help="primary DNS server address")
    p.add_argument("--dns-port", type=int, default=53)
    p.add_argument("--zone", action="append", required=True, help="zone to manage (repeatable)")
    p.add_argument("--tsig-key-name", required=True)
    p.add_argument("--tsig-secret-file", type=pathlib.Path, required=True)
    p.add_argument("--tsig-algorithm", default="hmac-sha256")
    p.add_argument("--owner-id", required=True, help="TXT owner ID of this operator")
    p.add_argument("--policy", choices=("sync", "upsert-only", "create-only"), default="sync")
    p.add_argument("--generation-policy", choices=("strict", "latest", "off"), default="strict")
    p.add_argument("--gateway-listener-sets", action="store_true")
    p.add_argument("--interval", type=float, default=5.0, help="longest wait between rounds")
    p.add_argument("--debounce", type=float, default=0.2, help="seconds to let a burst settle")
    return p.parse_args(argv)


def run_rounds(
    reconciler: Reconciler,
    watcher: KopfWatcher,
    stop: threading.Event,
    args: argparse.Namespace,
    log: logging.Logger,
) -> None:
    """Reconcile whenever kopf delivers events (after a short debounce), else every --interval."""
    while not stop.is_set():
        outcome = reconciler.step()
        if outcome.error:
            log.warning("round failed (retryable=%s): %s", outcome.retryable, outcome.error)
        elif outcome.changes is not None and not outcome.changes.is_empty():
            log.info("applied %d DNS changes", len(outcome.changes))
        if watcher.wait(args.interval):
            stop.wait(args.debounce)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("kopf.objects").setLevel(logging.WARNING)  # a line per handler call
    log = logging.getLogger("kopf-operator")
    key = TSIGKey(
        args.tsig_key_name, args.tsig_secret_file.read_text().strip(), args.tsig_algorithm
    )
    provider = RFC2136Provider(args.dns_server, args.zone, key=key, port=args.dns_port)
    config = SourceConfig(
        generation_policy=args.generation_policy, listener_sets=args.gateway_listener_sets
    )
    watcher = KopfWatcher()
    options = PlanOptions(TXTRegistry(args.owner_id), policy=args.policy)
    reconciler = Reconciler(watcher, provider, config, options=options)

    stop = threading.Event()
    failure: list[BaseException] = []
    thread: threading.Thread | None = None

    async def operate() -> None:
        nonlocal thread
        # kopf stops on SIGTERM and SIGINT, or when the rounds fail and set stop_kopf: an
        # asyncio.Event (kopf would wait for a threading.Event in a thread that keeps the
        # process from exiting)
        stop_kopf = asyncio.Event()
        loop = asyncio.get_running_loop()

        # every handler goes to kopf's default registry, with the login handlers kopf ships
        watcher.register()

        @kopf.on.startup()
        async def configure(settings: kopf.OperatorSettings, **_: Any) -> None:
            settings.posting.enabled = False  # no Kubernetes Events: the operator only reads
            settings.watching.server_timeout = 300  # renew each watch every 5 minutes

        @kopf.on.cleanup()
        async def cleanup(**_: Any) -> None:
            stop.set()  # the rounds stop, whatever stopped kopf
            watcher.close()  # and the worker wakes from watcher.wait()
            stop_kopf.set()  # else kopf waits 5 s for the flag before it exits

        def worker() -> None:
            try:
                run_rounds(reconciler, watcher, stop, args, log)
            except BaseException as exc:  # a bug: re-raised in the main thread
                failure.append(exc)
                loop.call_soon_threadsafe(stop_kopf.set)

        thread = threading.Thread(target=worker, name="gatewaydns-rounds", daemon=True)
        thread.start()
        await kopf.operator(clusterwide=True, standalone=True, stop_flag=stop_kopf)

    try:
        asyncio.run(operate())
    finally:
        stop.set()
        watcher.close()  # wakes the worker from watcher.wait()
        if thread is not None:
            thread.join(timeout=0.8)
            if thread.is_alive():
                # safe: each DNS UPDATE is applied whole or not at all, and the next start
                # re-reads the zone and plans again
                log.warning("abandoning the round in progress (a DNS server is slow to answer)")
    if failure:
        raise failure[0]
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
