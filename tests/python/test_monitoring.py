"""The chart's dashboard and alerts watch metrics Herald really exports, and the metrics
reference in docs/deploy.md lists exactly those: each name is checked against the /metrics
of a running `herald dev` (every service's metrics on one admin port), after traffic that makes
every labelled family appear: a refused publish, failing webhooks that retry and dead-letter, a
paused subscription that defers."""

import http.server
import json
import os
import pathlib
import re
import signal
import threading
import time
import urllib.error
import urllib.request

import yaml

from test_dev_trials import Failing, cli, dead_letters, publish, subscribe
from test_walkthrough import start_dev

ROOT = pathlib.Path(__file__).resolve().parents[2]
FILES = ROOT / "deploy" / "helm" / "herald" / "files"


def exported(admin_url: str) -> set[str]:
    """Metric names as queried: `# TYPE` families, counters with their `_total` samples' name."""
    with urllib.request.urlopen(f"{admin_url}/metrics", timeout=30) as resp:
        text = resp.read().decode()
    names = set()
    for m in re.finditer(r"^# TYPE (herald_\w+) (\w+)", text, re.M):
        counter = m.group(2) == "counter"
        names.add(m.group(1).removesuffix("_total") + "_total" if counter else m.group(1))
    return names


def family(name: str) -> str:
    for suffix in ("_bucket", "_sum", "_count"):
        if name.endswith(suffix):
            return name.removesuffix(suffix)
    return name


def referenced(text: str) -> set[str]:
    return {family(n) for n in re.findall(r"\bherald_[a-z_]+", text)}


def refused_publish(exports):
    req = urllib.request.Request(
        f"{exports['HERALD_HTTP']}/v1/topics/demo/events/events", data=b"{}", method="POST",
        headers={"authorization": "Bearer not-a-key", "content-type": "application/json"},
    )
    try:
        urllib.request.urlopen(req, timeout=30)
    except urllib.error.HTTPError as e:
        assert e.code == 401, e.code
    else:
        raise AssertionError("a publish with an unknown key was accepted")


def test_dashboard_alerts_and_docs_name_only_exported_metrics(herald_bin):
    docs = (ROOT / "docs" / "deploy.md").read_text()
    documented = referenced(docs[docs.index("## Metrics"):docs.index("## Validation")])
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Failing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    proc, exports = start_dev(herald_bin, "--retry", "1s")
    try:
        sub_id = subscribe(herald_bin, exports, f"http://127.0.0.1:{server.server_port}/hooks")
        refused_publish(exports)
        publish(exports)
        assert dead_letters(herald_bin, exports, sub_id, 60), "the failing webhook was not dead-lettered"
        cli(herald_bin, exports, "subscription", "pause", "demo", sub_id)
        publish(exports)
        # The consumer lag gauge is read every 10 s.
        deadline = time.time() + 60
        names = exported(exports["HERALD_ADMIN_URL"])
        while documented - names and time.time() < deadline:
            time.sleep(1)
            names = exported(exports["HERALD_ADMIN_URL"])
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        server.shutdown()

    alerts = (FILES / "alerts.yaml").read_text()
    exprs = " ".join(r["expr"] for g in yaml.safe_load(alerts)["groups"] for r in g["rules"])
    dashboard = json.loads((FILES / "dashboard.json").read_text())
    targets = " ".join(t["expr"] for p in dashboard["panels"] for t in p["targets"])
    for source, used in (("alerts.yaml", referenced(exprs)), ("dashboard.json", referenced(targets))):
        unknown = used - names
        assert not unknown, f"{source} uses metrics Herald does not export: {sorted(unknown)}"
    missing = documented - names
    assert not missing, f"docs/deploy.md documents metrics Herald does not export: {sorted(missing)}"
    undocumented = names - documented
    assert not undocumented, f"metrics missing from docs/deploy.md: {sorted(undocumented)}"
