"""Webhooks sent by the real `herald-delivery` worker verify with the official `standardwebhooks`
and `svix` libraries, including during a secret rotation (two signatures in one header).

The worker runs as a process with a static subscription pointing at a receiver in this test; the
delivery is triggered the way the control plane's replay does it: a protobuf `DeliveryTask`
written to the deployment's replay topic (with kcat), so no event topic or control plane is needed."""

import base64
import http.server
import json
import os
import pathlib
import shutil
import subprocess
import tempfile
import threading
import time
import uuid

import pytest
from standardwebhooks.webhooks import Webhook as StandardWebhook
from svix.webhooks import Webhook as SvixWebhook

ROOT = pathlib.Path(__file__).resolve().parents[2]
BOOTSTRAP = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092")


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field(number: int, value) -> bytes:
    """A protobuf field: bytes/str as length-delimited, bool/int as varint."""
    if isinstance(value, (bytes, str)):
        raw = value.encode() if isinstance(value, str) else value
        return varint(number << 3 | 2) + varint(len(raw)) + raw
    return varint(number << 3) + varint(int(value))


def delivery_task(sub_id: str, event_id: str, body: bytes) -> bytes:
    header = field(1, "content-type") + field(2, b"application/json")
    return (
        field(1, sub_id)
        + field(2, "acme")
        + field(6, event_id)
        + field(7, "order.created")
        + field(8, header)
        + field(9, body)
        + field(18, True)
    )


def new_secret() -> str:
    return "whsec_" + base64.b64encode(os.urandom(32)).decode()


class Capture(http.server.BaseHTTPRequestHandler):
    requests: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        Capture.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def worker_bin() -> str:
    path = ROOT / "target" / "debug" / "herald-delivery"
    if not path.exists():
        subprocess.run(["cargo", "build", "-q", "-p", "herald-delivery"], cwd=ROOT, check=True)
    return str(path)


@pytest.mark.skipif(shutil.which("kcat") is None, reason="kcat is needed to write the replay topic")
def test_worker_signatures_verify_with_official_libraries(worker_bin):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Capture)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    current, previous = new_secret(), new_secret()
    sub_id = "py-" + uuid.uuid4().hex
    deployment = f"herald-py{uuid.uuid4().hex[:12]}"
    tmp = pathlib.Path(tempfile.mkdtemp())
    config = tmp / "delivery.toml"
    config.write_text(
        f"""deployment = "{deployment}"
admin_listen = "127.0.0.1:0"
allow_private_targets = true
internal_replication = 1
[kafka]
bootstrap_servers = "{BOOTSTRAP}"
[retry]
delays = ["1s"]
[[static_subscriptions]]
id = "{sub_id}"
team = "acme"
topics = []
url = "{url}"
secrets = ["{current}", "{previous}"]
"""
    )
    proc = subprocess.Popen([worker_bin], env={**os.environ, "HERALD_CONFIG": str(config)})
    try:
        event_id = "evt_" + uuid.uuid4().hex
        body = json.dumps({"order": 7, "note": "héllo\nwörld"}, ensure_ascii=False).encode()
        task = tmp / "task.bin"
        task.write_bytes(delivery_task(sub_id, event_id, body))
        deadline = time.time() + 90
        produced = False
        while time.time() < deadline and not Capture.requests:
            if not produced:
                # The deployment's replay topic exists once the worker has started.
                r = subprocess.run(
                    ["kcat", "-b", BOOTSTRAP, "-P", "-t", f"{deployment}.replay", "-k", sub_id, str(task)],
                    capture_output=True,
                )
                produced = r.returncode == 0
            time.sleep(0.5)
        assert Capture.requests, "the worker delivered nothing"
        headers, got = Capture.requests[0]
        assert got == body
        assert headers["webhook-id"] == event_id
        assert headers["content-type"] == "application/json"
        assert len(headers["webhook-signature"].split(" ")) == 2
        for secret in (current, previous):
            for lib in (StandardWebhook, SvixWebhook):
                # Raises when no signature matches.
                lib(secret).verify(got, headers)
        with pytest.raises(Exception):
            StandardWebhook(new_secret()).verify(got, headers)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        server.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)
