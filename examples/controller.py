"""A complete DNS controller in a page: Kubernetes watcher + Reconciler + RFC 2136 provider.

    pip install 'gatewaydns[kubernetes,rfc2136]'
    python examples/controller.py --dns-server 10.0.0.53 --zone example.com \
        --tsig-key-name gatewaydns-key --tsig-secret-file /etc/gatewaydns/tsig.secret \
        --owner-id cluster-eu-1

Inside a cluster it uses the pod's service account (load_incluster_config), elsewhere the
current kubeconfig context; --kube-host points it at an API server directly (tests).
"""

from __future__ import annotations

import argparse
import logging
import pathlib
import time

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
    p.add_argument("--interval", type=float, default=5.0, help="seconds between rounds")
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
    rounds = 0
    try:
        while not args.rounds or rounds < args.rounds:
            outcome = reconciler.step()
            rounds += 1
            if outcome.error:
                log.warning("round failed (retryable=%s): %s", outcome.retryable, outcome.error)
            elif outcome.changes is not None and not outcome.changes.is_empty():
                log.info("applied %d DNS changes", len(outcome.changes))
            for problem in watcher.errors[-5:]:
                log.debug("watcher: %s", problem)
            time.sleep(args.interval)
    finally:
        watcher.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
