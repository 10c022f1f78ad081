"""`herald dev` for real trials: a short retry ladder shows dead letters within seconds, and the
SSRF guard can be switched on, without running the separate services."""

import http.server
import json
import os
import signal
import subprocess
import threading
import time
import urllib.request

from test_walkthrough import start_dev


class Failing(http.server.BaseHTTPRequestHandler):
    """A receiver that answers every webhook 500 and counts them."""

    hits = 0

    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        type(self).hits += 1
        self.send_response(500)
        self.end_headers()

    def log_message(self, *args):
        pass


def cli(herald_bin, exports, *args):
    env = {**os.environ, **exports}
    out = subprocess.run([herald_bin, "--output", "json", *args], env=env, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout) if out.stdout.strip() else None


def publish(exports, topic="events"):
    req = urllib.request.Request(
        f"{exports['HERALD_HTTP']}/v1/topics/demo/{topic}/events",
        data=json.dumps({"type": "order.created", "data": {"order": 7}}).encode(),
        headers={"authorization": f"Bearer {exports['HERALD_KEY']}", "content-type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        assert resp.status in (200, 202), resp.status


def dead_letters(herald_bin, exports, sub_id, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        letters = cli(herald_bin, exports, "dlq", "demo", sub_id)["tasks"]
        if letters:
            return letters
        time.sleep(0.5)
    return []


def stop(proc):
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)


def subscribe(herald_bin, exports, url):
    created = cli(herald_bin, exports, "subscription", "create", "demo", "--topic", "events", "--url", url)
    return created["subscription"]["id"]


def test_a_short_retry_ladder_dead_letters_within_seconds(herald_bin):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Failing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    proc, exports = start_dev(herald_bin, "--retry", "1s,1s")
    try:
        sub_id = subscribe(herald_bin, exports, f"http://127.0.0.1:{server.server_port}/hooks")
        started = time.time()
        publish(exports)
        letters = dead_letters(herald_bin, exports, sub_id, 60)
        assert letters, "no dead letter within 60 s with --retry 1s,1s"
        assert Failing.hits == 3, Failing.hits
        # Seconds, not the production ladder's days: one try and two one-second retries.
        assert time.time() - started < 30
    finally:
        stop(proc)
        server.shutdown()


def test_refusing_private_targets_dead_letters_a_loopback_webhook_unsent(herald_bin):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Failing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    before = Failing.hits
    proc, exports = start_dev(herald_bin, "--refuse-private-targets")
    try:
        sub_id = subscribe(herald_bin, exports, f"http://127.0.0.1:{server.server_port}/hooks")
        publish(exports)
        letters = dead_letters(herald_bin, exports, sub_id, 60)
        assert letters, "a webhook to loopback was not refused"
        assert "private" in json.dumps(letters) or "loopback" in json.dumps(letters), letters
        assert Failing.hits == before, "the refused webhook reached the receiver"
    finally:
        stop(proc)
        server.shutdown()


def test_a_bad_retry_ladder_is_refused_before_anything_starts(herald_bin):
    out = subprocess.run([herald_bin, "dev", "--retry", "5s,1s"], capture_output=True, text=True, timeout=60)
    assert out.returncode != 0
    assert "--retry" in out.stderr and "must not decrease" in out.stderr, out.stderr


class Verifying(http.server.BaseHTTPRequestHandler):
    """A receiver that checks each webhook's Standard Webhooks signature with `secret`."""

    secret = ""
    verified: list = []

    def do_POST(self):
        from standardwebhooks.webhooks import Webhook
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        headers = {k.lower(): v for k, v in self.headers.items()}
        Webhook(self.secret).verify(body, headers)
        type(self).verified.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_on_a_real_cluster_the_generated_keys_survive_a_restart(herald_bin, tmp_path):
    """Subscriptions made by one `herald dev --kafka` run still sign and deliver in the next:
    the master key that encrypted their secrets is kept (in $XDG_STATE_HOME/herald/dev)."""
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    assert bootstrap, "tests/run exports KAFKA_BOOTSTRAP_SERVERS (the test broker)"
    os.environ["XDG_STATE_HOME"] = str(tmp_path)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Verifying)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    topic = "keys" + os.urandom(4).hex()
    try:
        proc, first = start_dev(herald_bin, "--kafka", bootstrap)
        try:
            cli(herald_bin, first, "topic", "create", "demo", topic, "--partitions", "1")
            created = cli(herald_bin, first, "subscription", "create", "demo", "--topic", topic,
                          "--url", f"http://127.0.0.1:{server.server_port}/hooks")
            Verifying.secret = created["secret"]
        finally:
            stop(proc)
        proc, second = start_dev(herald_bin, "--kafka", bootstrap)
        try:
            assert second["HERALD_ROOT_KEY"] == first["HERALD_ROOT_KEY"]
            keys = list((tmp_path / "herald" / "dev").glob("*.toml"))
            assert len(keys) == 1 and oct(keys[0].stat().st_mode & 0o777) == "0o600", keys
            publish(second, topic)
            deadline = time.time() + 60
            while not Verifying.verified and time.time() < deadline:
                time.sleep(0.2)
            assert Verifying.verified, "no verified webhook after the restart"
            delivered = Verifying.verified[0]
            assert {"order": 7} in (delivered, delivered.get("data")), delivered
        finally:
            stop(proc)
    finally:
        del os.environ["XDG_STATE_HOME"]
        server.shutdown()


def test_two_deployments_share_a_cluster_without_touching_each_other(herald_bin, tmp_path):
    """Two `herald dev --kafka` runs on one cluster with their own `--deployment`: each keeps its
    own state, keys, demo team and delivery group, and each receiver gets exactly its own
    deployment's webhook, signed with the secret that deployment gave it."""
    from standardwebhooks.webhooks import Webhook

    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    assert bootstrap, "tests/run exports KAFKA_BOOTSTRAP_SERVERS (the test broker)"
    os.environ["XDG_STATE_HOME"] = str(tmp_path)
    runs = []
    try:
        for name in ("a", "b"):
            got = []

            class Receiver(http.server.BaseHTTPRequestHandler):
                secret = ""
                received = got

                def do_POST(self):
                    body = self.rfile.read(int(self.headers.get("content-length", 0)))
                    Webhook(self.secret).verify(body, {k.lower(): v for k, v in self.headers.items()})
                    self.received.append(json.loads(body))
                    self.send_response(204)
                    self.end_headers()

                def log_message(self, *args):
                    pass

            server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            deployment = f"herald-py{name}{os.urandom(4).hex()}"
            proc, exports = start_dev(herald_bin, "--kafka", bootstrap, "--deployment", deployment)
            runs.append((proc, server, exports, Receiver))
            assert exports["HERALD_TEAM"] == "demo-" + deployment.removeprefix("herald-"), exports
            created = cli(herald_bin, exports, "subscription", "create", exports["HERALD_TEAM"],
                          "--topic", "events", "--url", f"http://127.0.0.1:{server.server_port}/hooks")
            Receiver.secret = created["secret"]
        assert runs[0][2]["HERALD_ROOT_KEY"] != runs[1][2]["HERALD_ROOT_KEY"], "keys of their own"
        for n, (_, _, exports, _) in enumerate(runs):
            req = urllib.request.Request(
                f"{exports['HERALD_HTTP']}/v1/topics/{exports['HERALD_TEAM']}/events/events",
                data=json.dumps({"type": "order.created", "data": {"run": n}}).encode(),
                headers={"authorization": f"Bearer {exports['HERALD_KEY']}", "content-type": "application/json"},
                method="POST",
            )
            with urllib.request.urlopen(req, timeout=30) as resp:
                assert resp.status in (200, 202), resp.status
        deadline = time.time() + 60
        while time.time() < deadline and not all(r[3].received for r in runs):
            time.sleep(0.2)
        # A moment more, so a webhook crossing over would have arrived too.
        time.sleep(2)
        for n, (_, _, _, receiver) in enumerate(runs):
            assert [w.get("data", w) for w in receiver.received] == [{"run": n}], receiver.received
    finally:
        for proc, server, _, _ in runs:
            stop(proc)
            server.shutdown()
        del os.environ["XDG_STATE_HOME"]
