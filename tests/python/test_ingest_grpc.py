"""A publisher in another language: Python gRPC stubs generated from proto/ at test time publish
through the real `herald-ingest` binary, and kcat reads the records back from Kafka.

The binary runs standalone with `[static_config]` (topics and hashed keys in its TOML file, topics
created at startup) because this check must not depend on the control plane."""

import hashlib
import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid

import grpc
import pytest
from grpc_tools import protoc

ROOT = pathlib.Path(__file__).resolve().parents[2]
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def stubs(tmp_path_factory):
    out = tmp_path_factory.mktemp("stubs")
    rc = protoc.main([
        "grpc_tools.protoc",
        f"-I{ROOT / 'proto'}",
        f"--python_out={out}",
        f"--grpc_python_out={out}",
        str(ROOT / "proto" / "herald" / "v1" / "publish.proto"),
    ])
    assert rc == 0, "protoc failed"
    sys.path.insert(0, str(out))
    from herald.v1 import publish_pb2, publish_pb2_grpc  # noqa: E402
    return publish_pb2, publish_pb2_grpc


@pytest.fixture(scope="module")
def ingest(tmp_path_factory):
    binary = os.environ.get("HERALD_INGEST_BIN") or str(ROOT / "target" / "debug" / "herald-ingest")
    if not os.path.exists(binary):
        subprocess.run(["cargo", "build", "-q", "-p", "herald-ingest"], cwd=ROOT, check=True)
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092")
    team = "py-" + uuid.uuid4().hex[:12]
    key = "py-key-" + uuid.uuid4().hex
    grpc_port, http_port, admin_port = free_port(), free_port(), free_port()
    config = tmp_path_factory.mktemp("ingest") / "ingest.toml"
    config.write_text(f"""
grpc_listen = "127.0.0.1:{grpc_port}"
http_listen = "127.0.0.1:{http_port}"
admin_listen = "127.0.0.1:{admin_port}"
delivery_timeout = "10s"

[kafka]
bootstrap_servers = "{bootstrap}"

[static_config]
topics = ["{team}.orders"]
create_topics = true
partitions = 2

[[static_config.keys]]
id = "py-publisher"
team = "{team}"
key_hash = "{hashlib.sha256(key.encode()).hexdigest()}"
scopes = ["publish"]
""")
    proc = subprocess.Popen([binary, "--config", str(config)], stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{admin_port}/readyz", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            pytest.fail(f"herald-ingest did not become ready:\n{proc.stderr.read()}")
        time.sleep(0.2)
    yield {"addr": f"127.0.0.1:{grpc_port}", "team": team, "key": key, "bootstrap": bootstrap,
           "proc": proc}
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def kcat_records(bootstrap: str, topic: str) -> list:
    out = subprocess.run(
        ["kcat", "-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-e", "-q", "-J"],
        capture_output=True, text=True, timeout=60, check=True,
    )
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


def test_python_client_publishes_and_records_are_in_kafka(stubs, ingest):
    pb, pb_grpc = stubs
    auth = [("authorization", f"Bearer {ingest['key']}"), ("traceparent", TRACEPARENT)]
    with grpc.insecure_channel(ingest["addr"]) as channel:
        stub = pb_grpc.PublisherStub(channel)
        resp = stub.Publish(pb.PublishRequest(
            team=ingest["team"], topic="orders",
            event=pb.Event(id="py-1", type="order.created", data=b'{"from":"python"}',
                           key="cust-1", extensions={"lang": "python"}),
        ), metadata=auth, timeout=30)
        assert resp.receipt.id == "py-1"
        assert resp.receipt.offset >= 0

        batch = stub.PublishBatch(pb.PublishBatchRequest(
            team=ingest["team"], topic="orders",
            events=[pb.Event(type="order.paid", data=f'{{"i":{i}}}'.encode()) for i in range(3)],
        ), metadata=auth, timeout=30)
        assert [r.code for r in batch.results] == [0, 0, 0]
        ids = {r.receipt.id for r in batch.results} | {"py-1"}

        again = stub.Publish(pb.PublishRequest(
            team=ingest["team"], topic="orders",
            event=pb.Event(id="py-1", type="order.created", data=b"{}"),
        ), metadata=auth, timeout=30)
        assert again.receipt.duplicate
        assert again.receipt.offset == resp.receipt.offset

        with pytest.raises(grpc.RpcError) as err:
            stub.Publish(pb.PublishRequest(team=ingest["team"], topic="orders",
                                           event=pb.Event(type="t")),
                         metadata=[("authorization", "Bearer wrong")], timeout=30)
        assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
        with pytest.raises(grpc.RpcError) as err:
            stub.Publish(pb.PublishRequest(team=ingest["team"], topic="nope",
                                           event=pb.Event(type="t")), metadata=auth, timeout=30)
        assert err.value.code() == grpc.StatusCode.NOT_FOUND
        with pytest.raises(grpc.RpcError) as err:
            stub.Publish(pb.PublishRequest(team=ingest["team"], topic="orders",
                                           event=pb.Event(type="t", time="yesterday")),
                         metadata=auth, timeout=30)
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "'time'" in err.value.details()

    records = kcat_records(ingest["bootstrap"], f"{ingest['team']}.orders")
    by_id = {}
    for r in records:
        headers = r["headers"]
        h = dict(zip(headers[0::2], headers[1::2]))
        by_id[h["ce_id"]] = (r, h)
    assert set(by_id) == ids, "one record per acknowledged event, duplicates not written"
    r, h = by_id["py-1"]
    assert r["key"] == "cust-1"
    assert r["payload"] == '{"from":"python"}'
    assert h["ce_type"] == "order.created"
    assert h["ce_specversion"] == "1.0"
    assert h["ce_source"] == f"/herald/{ingest['team']}/orders"
    assert h["content-type"] == "application/json"
    assert h["ce_lang"] == "python"
    assert h["traceparent"] == TRACEPARENT


def test_sigterm_drains_and_exits_cleanly(ingest):
    proc = ingest["proc"]
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 0
