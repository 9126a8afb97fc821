"""A complete DNS controller in a page: Kubernetes watcher + Reconciler + RFC 2136 provider.

    pip install 'gatewaydns[kubernetes,rfc2136]'
    python examples/controller.py --dns-server 10.0.0.53 --zone example.com \
        --tsig-key-name gatewaydns-key --tsig-secret-file /etc/gatewaydns/tsig.secret \
        --owner-id cluster-eu-1

Inside a cluster it uses the pod's service account (load_incluster_config), elsewhere the
current kubeconfig context; --kube-host points it at an API server directly (tests).

A round runs as soon as the watcher has events (after --debounce, so that a burst is one round)
and at least every --interval seconds. SIGTERM and SIGINT stop it within about a second, exit
code 0: the round in progress finishes, or is abandoned if a DNS server is slow to answer.
"""

from __future__ import annotations

import argparse
import logging
import pathlib
import signal
import threading

import kubernetes

from gatewaydns import PlanOptions, Reconciler, SourceConfig, TXTRegistry
from gatewaydns.adapters.kubernetes import KubernetesWatcher
from gatewaydns.adapters.rfc2136 import RFC2136Provider, TSIGKey


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Publish DNS for Gateway API routes via RFC 2136.")
    p.add_argument("--dns-server", required=True, help="primary DNS server address")
    p.add_argument("--dns-port", type=int, default=53)
    p.add_argument("--zone", action="append", required=True, help="zone to manage (repeatable)")
    p.add_argument("--tsig-key-name", required=True)
    p.add_argument("--tsig-secret-file", type=pathlib.Path, required=True)
    p.add_argument("--tsig-algorithm", default="hmac-sha256")
    p.add_argument("--owner-id", required=True, help="TXT owner ID of this controller")
    p.add_argument("--policy", choices=("sync", "upsert-only", "create-only"), default="sync")
    p.add_argument("--generation-policy", choices=("strict", "latest", "off"), default="strict")
    p.add_argument("--gateway-listener-sets", action="store_true")
    p.add_argument(
        "--interval",
        type=float,
        default=5.0,
        help="longest wait between rounds; a change starts a round at once",
    )
    p.add_argument(
        "--debounce",
        type=float,
        default=0.2,
        help="seconds to let a burst of changes settle before the round",
    )
    p.add_argument("--rounds", type=int, default=0, help="stop after N rounds (0: run forever)")
    p.add_argument("--kube-host", help="API server URL (default: in-cluster or kubeconfig)")
    return p.parse_args(argv)


def api_client(host: str | None) -> kubernetes.client.ApiClient:
    if host:
        return kubernetes.client.ApiClient(kubernetes.client.Configuration(host=host))
    try:
        kubernetes.config.load_incluster_config()
    except kubernetes.config.ConfigException:
        kubernetes.config.load_kube_config()
    return kubernetes.client.ApiClient()


def run_rounds(
    reconciler: Reconciler,
    watcher: KubernetesWatcher,
    stop: threading.Event,
    args: argparse.Namespace,
    log: logging.Logger,
) -> None:
    """Reconcile whenever events arrive (after a short debounce), else every --interval."""
    rounds = 0
    while not stop.is_set():
        outcome = reconciler.step()
        rounds += 1
        if outcome.error:
            log.warning("round failed (retryable=%s): %s", outcome.retryable, outcome.error)
        elif outcome.changes is not None and not outcome.changes.is_empty():
            log.info("applied %d DNS changes", len(outcome.changes))
        if args.rounds and rounds >= args.rounds:
            return
        # sleep until the watcher has events (or is closed); then let a burst settle so that
        # it becomes one round
        if watcher.wait(args.interval):
            stop.wait(args.debounce)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    log = logging.getLogger("controller")
    key = TSIGKey(
        args.tsig_key_name, args.tsig_secret_file.read_text().strip(), args.tsig_algorithm
    )
    provider = RFC2136Provider(args.dns_server, args.zone, key=key, port=args.dns_port)
    watcher = KubernetesWatcher(api_client(args.kube_host))
    config = SourceConfig(
        generation_policy=args.generation_policy, listener_sets=args.gateway_listener_sets
    )
    options = PlanOptions(TXTRegistry(args.owner_id), policy=args.policy)
    reconciler = Reconciler(watcher, provider, config, options=options)

    # SIGTERM (what Kubernetes sends a pod) and SIGINT (Ctrl-C) only ask the loop to stop: the
    # rounds run in a worker thread, so a round stuck in a slow DNS server cannot delay the exit.
    stop = threading.Event()
    received: list[int] = []

    def on_signal(signum: int, _frame: object) -> None:
        received.append(signum)
        stop.set()

    handlers = {}
    if threading.current_thread() is threading.main_thread():
        handlers = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    failure: list[BaseException] = []

    def worker() -> None:
        try:
            run_rounds(reconciler, watcher, stop, args, log)
        except BaseException as exc:  # a bug: re-raised in the main thread
            failure.append(exc)

    thread = threading.Thread(target=worker, name="gatewaydns-rounds", daemon=True)
    thread.start()
    try:
        while thread.is_alive() and not stop.wait(0.1):
            pass
    finally:
        stop.set()
        if received:
            log.info("%s received: stopping", signal.Signals(received[0]).name)
        watcher.close(timeout=0.8)  # also wakes the worker from watcher.wait()
        thread.join(timeout=0.6)
        if thread.is_alive():
            # safe: each DNS UPDATE is applied whole or not at all, and the next start
            # re-reads the zone and plans again
            log.warning("abandoning the round in progress (a DNS server is slow to answer)")
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    if failure:
        raise failure[0]
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
