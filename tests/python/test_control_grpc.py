"""herald-control from another language: a Python gRPC client generated from proto/ at test time
creates a team, a topic and a subscription; gRPC health and server reflection answer.

The `herald-control` binary (target/debug) runs against the broker in KAFKA_BOOTSTRAP_SERVERS,
configured only through HERALD_* environment variables, with its own state topic.
"""

import base64
import importlib
import os
import pathlib
import socket
import subprocess
import sys
import time
import uuid

import grpc
import pytest
from grpc_tools import protoc

ROOT = pathlib.Path(__file__).resolve().parents[2]

# The standard grpc.health.v1 service, and the part of grpc.reflection.v1 this test uses
# (field numbers as in grpc/reflection/v1/reflection.proto; unused fields are left out).
HEALTH_PROTO = """
syntax = "proto3";
package grpc.health.v1;
message HealthCheckRequest { string service = 1; }
message HealthCheckResponse {
  enum ServingStatus { UNKNOWN = 0; SERVING = 1; NOT_SERVING = 2; SERVICE_UNKNOWN = 3; }
  ServingStatus status = 1;
}
service Health { rpc Check(HealthCheckRequest) returns (HealthCheckResponse); }
"""

REFLECTION_PROTO = """
syntax = "proto3";
package grpc.reflection.v1;
message ServerReflectionRequest {
  string host = 1;
  oneof message_request {
    string file_by_filename = 3;
    string file_containing_symbol = 4;
    string list_services = 7;
  }
}
message FileDescriptorResponse { repeated bytes file_descriptor_proto = 1; }
message ServiceResponse { string name = 1; }
message ListServiceResponse { repeated ServiceResponse service = 1; }
message ErrorResponse { int32 error_code = 1; string error_message = 2; }
message ServerReflectionResponse {
  string valid_host = 1;
  ServerReflectionRequest original_request = 2;
  oneof message_response {
    FileDescriptorResponse file_descriptor_response = 4;
    ListServiceResponse list_services_response = 6;
    ErrorResponse error_response = 7;
  }
}
service ServerReflection {
  rpc ServerReflectionInfo(stream ServerReflectionRequest) returns (stream ServerReflectionResponse);
}
"""


@pytest.fixture(scope="module")
def stubs(tmp_path_factory):
    """Python modules generated from proto/ (plus health and reflection) into a temp dir."""
    out = tmp_path_factory.mktemp("grpc_gen")
    extra = out / "protos"
    # Not under grpc/: generated modules would shadow the grpc package itself.
    (extra / "peer").mkdir(parents=True)
    (extra / "peer" / "health.proto").write_text(HEALTH_PROTO)
    (extra / "peer" / "reflection.proto").write_text(REFLECTION_PROTO)
    include = pathlib.Path(protoc.__file__).parent / "_proto"
    files = [str(p.relative_to(ROOT / "proto")) for p in sorted((ROOT / "proto").rglob("*.proto"))]
    for args in (
        [f"-I{ROOT / 'proto'}", *files],
        [f"-I{extra}", "peer/health.proto", "peer/reflection.proto"],
    ):
        rc = protoc.main(["protoc", f"-I{include}", *args, f"--python_out={out}", f"--grpc_python_out={out}"])
        assert rc == 0, f"protoc failed for {args}"
    sys.path.insert(0, str(out))
    try:
        yield {
            "control": importlib.import_module("herald.v1.control_pb2"),
            "control_grpc": importlib.import_module("herald.v1.control_pb2_grpc"),
            "health": importlib.import_module("peer.health_pb2"),
            "health_grpc": importlib.import_module("peer.health_pb2_grpc"),
            "reflection": importlib.import_module("peer.reflection_pb2"),
            "reflection_grpc": importlib.import_module("peer.reflection_pb2_grpc"),
        }
    finally:
        sys.path.remove(str(out))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def control(stubs, tmp_path_factory):
    """A herald-control process on free ports with a fresh state topic; yields (target, root key,
    a function returning its log so far, and the configured secrets)."""
    binary = os.environ.get("HERALD_CONTROL_BIN") or str(ROOT / "target" / "debug" / "herald-control")
    if not os.path.exists(binary):
        subprocess.run(["cargo", "build", "-q", "-p", "herald-control"], cwd=ROOT, check=True)
    grpc_port, admin_port = free_port(), free_port()
    root_key = "root-" + uuid.uuid4().hex
    env = dict(os.environ)
    env.update(
        {
            "HERALD_KAFKA__BOOTSTRAP_SERVERS": os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092"),
            "HERALD_GRPC_LISTEN": f"127.0.0.1:{grpc_port}",
            "HERALD_ADMIN_LISTEN": f"127.0.0.1:{admin_port}",
            "HERALD_ROOT_KEY": root_key,
            "HERALD_INTERNAL_TOKEN": "internal-" + uuid.uuid4().hex,
            "HERALD_MASTER_KEY": base64.b64encode(os.urandom(32)).decode(),
            # A deployment of its own: its own state, attempts, dead letters and replays.
            "HERALD_DEPLOYMENT": f"herald-py{uuid.uuid4().hex[:12]}",
        }
    )
    # Debug logs to a file, so the secrets test can check that nothing secret is ever logged.
    env["HERALD_TELEMETRY__LOG_FILTER"] = "debug"
    log_path = tmp_path_factory.mktemp("control_log") / "herald-control.log"
    log = open(log_path, "w")
    proc = subprocess.Popen([binary], env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
    target = f"127.0.0.1:{grpc_port}"
    try:
        channel = grpc.insecure_channel(target)
        health = stubs["health_grpc"].HealthStub(channel)
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline:
            assert proc.poll() is None, f"herald-control exited: {log_path.read_text()}"
            try:
                status = health.Check(
                    stubs["health"].HealthCheckRequest(service="herald.v1.Control"), timeout=2
                ).status
                if status == stubs["health"].HealthCheckResponse.SERVING:
                    break
            except grpc.RpcError:
                pass
            time.sleep(0.2)
        assert status == stubs["health"].HealthCheckResponse.SERVING, "control never became SERVING"
        channel.close()
        secrets = [root_key, env["HERALD_INTERNAL_TOKEN"], env["HERALD_MASTER_KEY"]]
        yield target, root_key, log_path.read_text, secrets
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def test_health_and_reflection(stubs, control):
    target = control[0]
    with grpc.insecure_channel(target) as channel:
        h = stubs["health"]
        overall = stubs["health_grpc"].HealthStub(channel).Check(h.HealthCheckRequest(service=""), timeout=5)
        assert overall.status == h.HealthCheckResponse.SERVING

        r = stubs["reflection"]
        stub = stubs["reflection_grpc"].ServerReflectionStub(channel)
        answers = list(
            stub.ServerReflectionInfo(
                iter(
                    [
                        r.ServerReflectionRequest(list_services=""),
                        r.ServerReflectionRequest(file_containing_symbol="herald.v1.Control"),
                    ]
                ),
                timeout=10,
            )
        )
        services = {s.name for s in answers[0].list_services_response.service}
        assert {"herald.v1.Control", "grpc.health.v1.Health"} <= services, services

        from google.protobuf import descriptor_pb2

        files = [descriptor_pb2.FileDescriptorProto.FromString(b) for b in answers[1].file_descriptor_response.file_descriptor_proto]
        control_file = next(f for f in files if f.name == "herald/v1/control.proto")
        methods = {m.name for s in control_file.service if s.name == "Control" for m in s.method}
        assert {"CreateTeam", "CreateTopic", "CreateSubscription", "Watch", "ReplayTopic"} <= methods


def test_python_client_creates_team_topic_subscription(stubs, control):
    target, root_key, read_log, config_secrets = control
    pb = stubs["control"]
    with grpc.insecure_channel(target) as channel:
        client = stubs["control_grpc"].ControlStub(channel)
        auth = (("authorization", f"Bearer {root_key}"),)

        with pytest.raises(grpc.RpcError) as err:
            client.ListTeams(pb.ListTeamsRequest(), timeout=10)
        assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert "missing credentials" in err.value.details()

        team = "py-" + uuid.uuid4().hex[:10]
        created = client.CreateTeam(pb.CreateTeamRequest(name=team, display_name="From Python"), metadata=auth, timeout=30)
        assert created.name == team and created.created_at_ms > 0

        with pytest.raises(grpc.RpcError) as err:
            client.CreateTeam(pb.CreateTeamRequest(name=team), metadata=auth, timeout=30)
        assert err.value.code() == grpc.StatusCode.ALREADY_EXISTS

        topic = client.CreateTopic(
            pb.CreateTopicRequest(team=team, name="orders", partitions=2, retention_ms=3_600_000),
            metadata=auth,
            timeout=30,
        )
        assert topic.kafka_topic == f"{team}.orders" and topic.partitions == 2

        with pytest.raises(grpc.RpcError) as err:
            client.CreateSubscription(
                pb.CreateSubscriptionRequest(team=team, topics=["orders"], url="ftp://example.com"),
                metadata=auth,
                timeout=30,
            )
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "scheme" in err.value.details()

        sub = client.CreateSubscription(
            pb.CreateSubscriptionRequest(
                team=team,
                topics=["orders"],
                url="https://example.com/hooks",
                event_types=["order.*"],
                headers={"X-Source": "python"},
                rate_limit=5,
            ),
            metadata=auth,
            timeout=30,
        )
        assert sub.secret.startswith("whsec_")
        assert sub.subscription.state == pb.SUBSCRIPTION_STATE_ACTIVE
        assert list(sub.subscription.topics) == [f"{team}.orders"]
        assert len(sub.subscription.secrets) == 0, "secrets are never returned by reads"

        listed = client.ListSubscriptions(pb.ListSubscriptionsRequest(team=team), metadata=auth, timeout=10)
        assert [s.id for s in listed.subscriptions] == [sub.subscription.id]

        key = client.CreateApiKey(
            pb.CreateApiKeyRequest(team=team, name="py", scopes=[pb.SCOPE_PUBLISH]), metadata=auth, timeout=30
        )
        assert key.secret.startswith("hk_") and key.key.key_hash == ""

    # Nothing secret reaches the log, even at debug level.
    text = read_log()
    assert "subscription created" in text, "the log is being captured"
    for secret in [sub.secret, sub.secret.removeprefix("whsec_"), key.secret, *config_secrets]:
        assert secret not in text, "a secret appears in the control plane's log"


def test_cli_manages_the_control_plane(control, herald_bin):
    """`herald team|topic|key|subscription …` over the same gRPC API, as tables and as JSON."""
    import json

    target, root_key = control[0], control[1]
    base = [herald_bin, "--server", f"http://{target}", "--key", root_key]

    def cli(*args, check=True):
        return subprocess.run([*base, *args], capture_output=True, text=True, timeout=60, check=check)

    team = "cli-" + uuid.uuid4().hex[:10]
    table = cli("team", "create", team, "--display-name", "From the CLI").stdout
    assert table.splitlines()[0].split() == ["NAME", "DISPLAY", "NAME", "CREATED"]
    assert team in table
    topic = json.loads(cli("topic", "create", team, "orders", "--partitions", "2", "--output", "json").stdout)
    assert topic[0]["kafka_topic"] == f"{team}.orders" and topic[0]["partitions"] == 2
    created = json.loads(
        cli(
            "subscription", "create", team, "--url", "https://example.com/h", "--topic", "orders",
            "--event-type", "order.*", "--header", "X-A=b", "--output", "json",
        ).stdout
    )
    assert created["secret"].startswith("whsec_")
    sub_id = created["subscription"]["id"]
    paused = json.loads(cli("subscription", "pause", team, sub_id, "--output", "json").stdout)
    assert paused[0]["state"] == "paused"
    key = json.loads(cli("key", "create", team, "--scope", "publish", "--output", "json").stdout)
    assert key["secret"].startswith("hk_") and key["key"]["scopes"] == ["publish"]

    failed = cli("team", "create", "Not_Valid", check=False)
    assert failed.returncode != 0
    assert "invalid argument" in failed.stderr and "lowercase" in failed.stderr
    denied = subprocess.run(
        [herald_bin, "--server", f"http://{target}", "--key", key["secret"], "team", "list"],
        capture_output=True, text=True, timeout=60,
    )
    assert denied.returncode == 0 and team in denied.stdout, "a team key lists its own team"
    forbidden = subprocess.run(
        [herald_bin, "--server", f"http://{target}", "--key", key["secret"], "topic", "create", team, "x"],
        capture_output=True, text=True, timeout=60,
    )
    assert forbidden.returncode != 0 and "permission denied" in forbidden.stderr
