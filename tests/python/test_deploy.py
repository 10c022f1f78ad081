"""Deployment artefacts: deploy/check (Dockerfile lint, `docker compose config`, `helm lint`,
`helm template` + `kubeconform -strict`, CRD schemas) must pass; each validator must reject a
broken input (so a pass means something); the compose file and the chart must have the shape
an operator relies on (loopback-only ports, healthchecks, hardened pods, probes, secrets kept out
of ConfigMaps); and the services must accept exactly the settings the artefacts hand them, checked
with each binary's `--print-config`.

The first run builds helm, kubeconform and docker compose from the Go module proxy and fetches
schemas from PyPI and npm into ~/.cache/herald/tools (about 15 minutes on 2 cores); later runs
take seconds.
"""

import base64
import http.server
import json
import os
import pathlib
import re
import socket
import subprocess
import threading
import time
import tomllib
import urllib.error
import urllib.request

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
CHECK = ROOT / "deploy" / "check"
CHART = ROOT / "deploy" / "helm" / "herald"
VALUES = {
    "default": [],
    "ci": ["-f", str(CHART / "ci" / "dev-tls-values.yaml")],
    "production": ["-f", str(ROOT / "deploy" / "helm" / "values-production.yaml")],
}
COMPONENTS = ["control", "ingest", "delivery", "edge"]
BINARIES = ["herald", "herald-control", "herald-ingest", "herald-delivery", "herald-edge"]
# Settings whose values the services may keep out of --print-config.
SECRET_VARS = {
    "HERALD_ROOT_KEY",
    "HERALD_MASTER_KEY",
    "HERALD_INTERNAL_TOKEN",
    "HERALD_TOKEN_SECRET",
    "HERALD_REPLY_SECRET",
    "HERALD_KAFKA__PROPERTIES",
}
TOOL_INSTALL_TIMEOUT = 45 * 60


def run(args, **kwargs):
    return subprocess.run(args, capture_output=True, text=True, **kwargs)


@pytest.fixture(scope="session")
def tools() -> dict:
    """Paths of the validators, installed by deploy/check on first use."""
    out = run([str(CHECK), "env"], timeout=TOOL_INSTALL_TIMEOUT)
    assert out.returncode == 0, out.stdout + out.stderr
    env = dict(line.split("=", 1) for line in out.stdout.splitlines() if "=" in line)
    env["KUBE_VERSIONS"] = env["KUBE_VERSIONS"].split()
    return env


@pytest.fixture(scope="session")
def rendered(tools) -> dict:
    """`helm template` of each values set, for the newest Kubernetes version checked."""
    docs = {}
    for name, args in VALUES.items():
        out = run([tools["HELM"], "template", "herald", str(CHART), *args, "--namespace", "herald",
                   "--kube-version", tools["KUBE_VERSIONS"][-1]])
        assert out.returncode == 0, out.stderr
        docs[name] = [d for d in yaml.safe_load_all(out.stdout) if d]
    return docs


@pytest.fixture(scope="session")
def compose(tools) -> dict:
    out = run([tools["COMPOSE"], "-f", "docker-compose.yml", "config", "--format", "json"], cwd=ROOT)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def objects(docs, kind):
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def component_of(obj) -> str:
    return obj["metadata"]["labels"]["app.kubernetes.io/component"]


# --- the validators pass, and can fail -------------------------------------------------------


def test_deploy_check_passes(tools):
    out = run([str(CHECK), "all"], timeout=TOOL_INSTALL_TIMEOUT)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "all checks passed" in out.stdout
    for check in ("dockerfile ok", "compose ok", "helm ok", "alerts ok"):
        assert check in out.stdout, out.stdout


def test_kubeconform_rejects_an_invalid_deployment(tools, rendered, tmp_path):
    docs = [d for d in rendered["default"] if d["kind"] == "Deployment"]
    unknown_field = json.loads(json.dumps(docs[0]))
    unknown_field["spec"]["template"]["spec"]["containers"][0]["livenessProbes"] = {}
    wrong_type = json.loads(json.dumps(docs[1]))
    wrong_type["spec"]["replicas"] = "two"
    for broken in (unknown_field, wrong_type):
        path = tmp_path / "broken.yaml"
        path.write_text(yaml.safe_dump(broken))
        out = run([str(CHECK), "kubeconform", tools["KUBE_VERSIONS"][-1], str(path)])
        assert out.returncode != 0, out.stdout
        assert "Invalid: 1" in out.stdout, out.stdout
    # An unknown kind has no schema: it fails rather than slipping through unvalidated.
    path = tmp_path / "unknown.yaml"
    path.write_text(yaml.safe_dump({"apiVersion": "example.com/v1", "kind": "Widget",
                                    "metadata": {"name": "w"}}))
    out = run([str(CHECK), "kubeconform", tools["KUBE_VERSIONS"][-1], str(path)])
    assert out.returncode != 0, out.stdout


def test_crd_validation_rejects_an_invalid_scaled_object(rendered, tmp_path):
    scaled = next(d for d in rendered["production"] if d["kind"] == "ScaledObject")
    broken = json.loads(json.dumps(scaled))
    del broken["spec"]["triggers"]
    broken["spec"]["minReplicaCount"] = "three"
    path = tmp_path / "scaled.yaml"
    path.write_text(yaml.safe_dump(broken))
    out = run([str(CHECK), "crds", str(path)])
    assert out.returncode != 0, out.stdout
    assert "triggers" in out.stdout and "minReplicaCount" in out.stdout, out.stdout


def test_dockerfile_lint_rejects_a_broken_dockerfile(tools, tmp_path):
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM debian:bookworm-slim as Build\nENV A $UNDEFINED\nCMD echo hi\n")
    out = run([tools["DOCKERFILE_LINT"], str(bad)])
    assert out.returncode == 1, out.stdout + out.stderr
    for rule in ("FromAsCasing", "StageNameCasing", "UndefinedVar", "JSONArgsRecommended"):
        assert rule in out.stdout, out.stdout
    bad.write_text("FROM debian:bookworm-slim\nRUNN true\n")
    out = run([tools["DOCKERFILE_LINT"], str(bad)])
    assert out.returncode == 1 and "unknown instruction" in out.stdout, out.stdout


def test_compose_config_rejects_an_invalid_file(tools, tmp_path):
    bad = tmp_path / "docker-compose.yml"
    bad.write_text("services:\n  a:\n    image: x\n    depends_on:\n      b:\n"
                   "        condition: service_healthy\n")
    out = run([tools["COMPOSE"], "-f", str(bad), "config", "-q"], cwd=tmp_path)
    assert out.returncode != 0
    bad.write_text("services:\n  a:\n    image: x\n    portz: ['1:1']\n")
    out = run([tools["COMPOSE"], "-f", str(bad), "config", "-q"], cwd=tmp_path)
    assert out.returncode != 0 and "portz" in out.stderr, out.stderr


def test_chart_values_schema_rejects_typos_and_bad_values(tools):
    for bad, complaint in [
        (["--set", "kafka.bootstrapServer=kafka:9092"], "bootstrapServer"),
        (["--set", "kafka.sasl.mechanism=GSSAPI"], "mechanism"),
        (["--set", "delivery.ports.admin=70000"], "admin"),
        (["--set", "edge.autoscaling.enabled=yes"], "enabled"),
    ]:
        out = run([tools["HELM"], "template", "herald", str(CHART), *bad,
                   "--kube-version", tools["KUBE_VERSIONS"][-1]])
        assert out.returncode != 0, bad
        assert complaint in out.stderr, out.stderr


# --- Dockerfile ------------------------------------------------------------------------------


def test_dockerfile_ships_every_binary_as_a_non_root_user():
    text = (ROOT / "deploy" / "Dockerfile").read_text()
    stages = re.split(r"(?m)^FROM ", text)[1:]
    assert len(stages) >= 2, "multi-stage build expected"
    # Release by default; the container test builds the same file with CARGO_PROFILE=dev.
    assert re.search(r"(?m)^ARG CARGO_PROFILE=release$", stages[0])
    assert 'cargo build --profile "${CARGO_PROFILE}" --locked --bins' in stages[0]
    loop = re.search(r"for bin in ([^;]+);", stages[0])
    assert loop and sorted(loop.group(1).split()) == sorted(BINARIES)
    final = stages[-1]
    assert re.search(r"(?m)^USER 10001:10001$", final)
    assert "COPY --from=builder /out/bin/ /usr/local/bin/" in final
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert "target/" in ignored and ".git/" in ignored


def test_every_shipped_binary_is_a_workspace_target():
    out = run(["cargo", "metadata", "--no-deps", "--format-version", "1", "--offline"], cwd=ROOT)
    assert out.returncode == 0, out.stderr
    bins = {t["name"] for p in json.loads(out.stdout)["packages"] for t in p["targets"]
            if "bin" in t["kind"]}
    missing = set(BINARIES) - bins
    assert not missing, f"the image, compose file and chart run binaries the workspace lacks: {missing}"


# --- docker-compose.yml ----------------------------------------------------------------------


def test_compose_binds_every_port_to_loopback(compose):
    published = [(name, p) for name, s in compose["services"].items() for p in s.get("ports", [])]
    assert published
    for name, port in published:
        assert port.get("host_ip") == "127.0.0.1", (name, port)


def test_compose_runs_the_four_services_from_one_image(compose):
    services = compose["services"]
    for component in COMPONENTS:
        s = services[component]
        assert s["command"] == [f"herald-{component}"]
        assert s["image"] == "herald:dev"
        assert s["build"]["dockerfile"] == "deploy/Dockerfile"
        assert s["read_only"] is True and s["cap_drop"] == ["ALL"]
        assert s["healthcheck"]["test"][:3] == ["CMD", "herald", "health"]
        env = s["environment"]
        assert env["HERALD_KAFKA__BOOTSTRAP_SERVERS"] == "kafka:29092"
        assert env["HERALD_TELEMETRY__OTLP_ENDPOINT"] == "http://otel-collector:4318/v1/traces"
        # The healthcheck probes the admin port the service is told to listen on.
        admin_port = env["HERALD_ADMIN_LISTEN"].rsplit(":", 1)[1]
        assert f":{admin_port}/readyz" in s["healthcheck"]["test"][3]
        assert s["depends_on"]["kafka"]["condition"] == "service_healthy"
        if component != "control":
            assert s["depends_on"]["control"]["condition"] == "service_healthy"
            assert env["HERALD_CONTROL_ENDPOINT"] == "http://control:50051"
    assert "healthcheck" in services["kafka"]
    for name, s in services.items():
        if "build" not in s:
            assert ":" in s["image"] and not s["image"].endswith(":latest"), name


def test_compose_collector_forwards_traces_to_jaeger(compose):
    collector = compose["services"]["otel-collector"]
    mount = next(v for v in collector["volumes"] if v["target"].endswith("config.yaml"))
    config = yaml.safe_load(pathlib.Path(mount["source"]).read_text())
    pipeline = config["service"]["pipelines"]["traces"]
    for kind in ("receivers", "processors", "exporters"):
        for name in pipeline[kind]:
            assert name in config[kind], f"{kind[:-1]} {name} is used but not defined"
    assert config["receivers"]["otlp"]["protocols"]["http"]["endpoint"] == "0.0.0.0:4318"
    jaeger = config["exporters"]["otlp/jaeger"]["endpoint"]
    assert jaeger.split(":")[0] in compose["services"]
    assert compose["services"]["jaeger"]["environment"]["COLLECTOR_OTLP_ENABLED"] == "true"


# --- Helm chart ------------------------------------------------------------------------------


@pytest.mark.parametrize("values", list(VALUES))
def test_chart_pods_are_hardened_and_probed(rendered, values):
    docs = rendered[values]
    deployments = objects(docs, "Deployment")
    assert sorted(component_of(d) for d in deployments.values()) == sorted(COMPONENTS)
    for name, d in deployments.items():
        pod = d["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
        assert pod["enableServiceLinks"] is False
        assert pod["automountServiceAccountToken"] is False
        (c,) = pod["containers"]
        sc = c["securityContext"]
        assert sc["readOnlyRootFilesystem"] is True and sc["allowPrivilegeEscalation"] is False
        assert sc["capabilities"]["drop"] == ["ALL"]
        assert c["command"] == [f"herald-{component_of(d)}"]
        assert c["livenessProbe"]["httpGet"] == {"path": "/livez", "port": "admin"}
        assert c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "admin"}
        assert "admin" in {p["name"] for p in c["ports"]}
        assert c["resources"]["requests"]["cpu"] and c["resources"]["limits"]["memory"]
        # Each env var is a HERALD_* setting or a plain input to one; no literal secrets.
        for env in c["env"]:
            if any(word in env["name"] for word in ("KEY", "TOKEN", "SECRET", "PASSWORD")):
                assert "valueFrom" in env, env["name"]
    for kind in ("Service", "PodDisruptionBudget", "NetworkPolicy"):
        assert sorted(component_of(o) for o in objects(docs, kind).values()) == sorted(COMPONENTS), kind


def test_chart_default_autoscales_delivery_and_edge(rendered):
    hpas = objects(rendered["default"], "HorizontalPodAutoscaler")
    assert sorted(component_of(h) for h in hpas.values()) == ["delivery", "edge"]
    for hpa in hpas.values():
        deployment = objects(rendered["default"], "Deployment")[hpa["spec"]["scaleTargetRef"]["name"]]
        assert "replicas" not in deployment["spec"], "an HPA-managed Deployment must not pin replicas"
    assert not objects(rendered["default"], "ScaledObject")
    # With no existingSecret the chart creates the keys, random and prefixed (never all digits).
    keys = objects(rendered["default"], "Secret")["herald-keys"]["data"]
    master = base64.b64decode(base64.b64decode(keys["master-key"]))
    assert len(master) == 32
    assert base64.b64decode(keys["root-key"]).decode().startswith("hrk_")


def test_chart_production_uses_existing_secrets_sasl_ssl_and_keda(rendered):
    docs = rendered["production"]
    assert not objects(docs, "Secret"), "production must only reference existing Secrets"
    config = objects(docs, "ConfigMap")["herald-config"]["data"]
    for component in COMPONENTS:
        toml = tomllib.loads(config[f"{component}.toml"])
        props = toml["kafka"]["properties"]
        assert props["security.protocol"] == "SASL_SSL"
        assert props["sasl.mechanism"] == "SCRAM-SHA-512"
        assert props["ssl.ca.location"] == "/etc/herald/kafka-tls/ca.crt"
        assert "sasl.password" not in props and "sasl.username" not in props
        assert toml["kafka"]["client_id"] == f"herald-{component}"
        assert toml["telemetry"]["otlp_endpoint"].endswith("/v1/traces")
    for d in objects(docs, "Deployment").values():
        pod = d["spec"]["template"]["spec"]
        refs = {e["valueFrom"]["secretKeyRef"]["name"] for e in pod["containers"][0]["env"] if "valueFrom" in e}
        assert refs == {"herald-keys", "herald-kafka-sasl"}
        assert any(v.get("secret", {}).get("secretName") == "herald-kafka-ca" for v in pod["volumes"])
    hpas = objects(docs, "HorizontalPodAutoscaler")
    assert [component_of(h) for h in hpas.values()] == ["edge"], "KEDA replaces delivery's HPA"
    (scaled,) = objects(docs, "ScaledObject").values()
    trigger = scaled["spec"]["triggers"][0]
    assert trigger["type"] == "kafka"
    assert trigger["metadata"]["consumerGroup"] == "herald-delivery"
    assert trigger["metadata"]["sasl"] == "scram_sha512" and trigger["metadata"]["tls"] == "enable"
    (auth,) = objects(docs, "TriggerAuthentication").values()
    assert trigger["authenticationRef"]["name"] == auth["metadata"]["name"]
    params = {r["parameter"]: r["name"] for r in auth["spec"]["secretTargetRef"]}
    assert params == {"username": "herald-kafka-sasl", "password": "herald-kafka-sasl", "ca": "herald-kafka-ca"}
    assert objects(docs, "ServiceMonitor")
    for policy in objects(docs, "NetworkPolicy").values():
        assert "Egress" in policy["spec"]["policyTypes"]


def test_chart_config_keeps_integers_and_secrets_out(rendered):
    config = objects(rendered["ci"], "ConfigMap")["herald-config"]["data"]
    delivery = tomllib.loads(config["delivery.toml"])
    assert delivery["max_in_flight"] == 256 and isinstance(delivery["max_in_flight"], int)
    assert delivery["retry"] == {"delays": ["5s", "30s", "2m"], "jitter": 0.2}
    assert delivery["circuit"]["failure_threshold"] == 5
    text = "\n".join(config.values())
    for secret in ("not-a-real-password", "hrk_ci_root_key", "hit_ci_internal_token", "PRIVATE KEY"):
        assert secret not in text


# --- the services accept what the artefacts give them ------------------------------------------


def service_binary(name: str) -> str:
    path = ROOT / "target" / "debug" / name
    if not path.exists():
        out = run(["cargo", "build", "-q", "--bin", name], cwd=ROOT)
        assert out.returncode == 0, out.stderr
    return str(path)


def lookup(config: dict, var: str):
    node = config
    for part in var.removeprefix("HERALD_").lower().split("__"):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def print_config(binary: str, env: dict, config_file=None) -> dict:
    args = [binary] + (["--config", str(config_file)] if config_file else []) + ["--print-config"]
    base = {k: v for k, v in os.environ.items() if not k.startswith("HERALD_")}
    out = run(args, env={**base, **env}, timeout=60)
    assert out.returncode == 0, f"{binary} rejected its deployment settings: {out.stderr}"
    return tomllib.loads(out.stdout)


def assert_settings_applied(name: str, printed: dict, env: dict):
    for var, value in env.items():
        if not var.startswith("HERALD_") or var in SECRET_VARS:
            continue
        got = lookup(printed, var)
        assert got is not None, f"{name}: {var} matches no setting of the service"
        assert str(got) == value, f"{name}: {var}={value!r} but the service has {got!r}"


@pytest.mark.parametrize("component", COMPONENTS)
def test_service_accepts_the_compose_settings(compose, component):
    service = compose["services"][component]
    env = service["environment"]
    printed = print_config(service_binary(service["command"][0]), env)
    assert_settings_applied(f"compose {component}", printed, env)


def kubernetes_env(container) -> dict:
    """The container's environment as the kubelet would build it: secretKeyRef values stubbed
    (a master key must be base64 of 32 bytes) and $(VAR) references expanded."""
    env = {}
    for e in container["env"]:
        if "valueFrom" in e:
            key = e["valueFrom"]["secretKeyRef"]["key"]
            value = base64.b64encode(b"k" * 32).decode() if key == "master-key" else f"stub-{key}"
        else:
            value = re.sub(r"\$\((\w+)\)", lambda m: env.get(m.group(1), m.group(0)), e["value"])
        env[e["name"]] = value
    return env


@pytest.mark.parametrize("values", ["default", "ci"])
@pytest.mark.parametrize("component", COMPONENTS)
def test_service_accepts_the_chart_settings(rendered, tmp_path, values, component):
    docs = rendered[values]
    deployment = objects(docs, "Deployment")[f"herald-{component}"]
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    config_file = tmp_path / "herald.toml"
    config_file.write_text(objects(docs, "ConfigMap")["herald-config"]["data"][f"{component}.toml"])
    env = kubernetes_env(container)
    printed = print_config(service_binary(container["command"][0]), env, config_file)
    assert_settings_applied(f"chart {component}", printed, env)
    props = printed["kafka"]["properties"]
    if values == "ci":
        # The SASL credentials arrive through the inline-table variable and merge with the file;
        # --print-config shows the password as set, never its value.
        assert props["security.protocol"] == "SASL_SSL"
        assert props["sasl.username"] == "stub-username" and props["sasl.password"] == "<redacted>"
        assert printed["kafka"]["bootstrap_servers"] == "kafka.dev.svc:9093"
        # The chart's per-service `config` map reaches the service with its types intact.
        if component == "delivery":
            assert printed["max_in_flight"] == 256 and printed["circuit"]["failure_threshold"] == 5
            assert printed["retry"]["delays"] == ["5s", "30s", "2m"]
        if component == "control":
            assert printed["replication_factor"] == 3
    assert printed["kafka"]["client_id"] == f"herald-{component}"


class _Admin(http.server.BaseHTTPRequestHandler):
    """A stand-in admin port: /readyz answers 200, /starting 503."""

    def do_GET(self):  # noqa: N802 (http.server's naming)
        status = 200 if self.path == "/readyz" else 503
        self.send_response(status)
        self.send_header("content-length", "2")
        self.end_headers()
        self.wfile.write(b"ok" if status == 200 else b"no")

    def log_message(self, *args):
        pass


def test_herald_health_is_what_the_compose_healthchecks_need(herald_bin):
    """The images have no shell or curl: compose's healthchecks run `herald health URL`, which
    must exit 0 only for a 2xx answer, and fail fast on an error status or a closed port."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Admin)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        ok = run([herald_bin, "health", f"{base}/readyz"], timeout=30)
        assert ok.returncode == 0, ok.stderr
        unready = run([herald_bin, "health", f"{base}/starting"], timeout=30)
        assert unready.returncode != 0
    finally:
        server.shutdown()
        server.server_close()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    refused = run([herald_bin, "health", f"http://127.0.0.1:{closed}/readyz"], timeout=30)
    assert refused.returncode != 0


def test_old_duration_keys_are_still_read_with_a_deprecation_warning(tmp_path):
    """Keys renamed to humantime durations keep working for one release, converted, and say so."""
    config = tmp_path / "edge.toml"
    config.write_text("heartbeat_ms = 2500\ndrain_grace_ms = 1000\n")
    args = [service_binary("herald-edge"), "--config", str(config), "--print-config"]
    base = {k: v for k, v in os.environ.items() if not k.startswith("HERALD_")}
    out = run(args, env={**base, "HERALD_TOKEN_TTL_SECS": "90"}, timeout=60)
    assert out.returncode == 0, out.stderr
    printed = tomllib.loads(out.stdout)
    assert printed["heartbeat"] == "2s 500ms"
    assert printed["shutdown_grace"] == "1s"
    assert printed["token_ttl"] == "1m 30s"
    for old in ("heartbeat_ms", "drain_grace_ms", "token_ttl_secs"):
        assert old not in printed
        assert f"`{old}` is deprecated" in out.stderr, out.stderr
    config.write_text("heartbeat = 15\n")
    out = run(args, env=base, timeout=60)
    assert out.returncode == 2
    assert '"15" is not a duration' in out.stderr or "15 has no unit" in out.stderr, out.stderr


@pytest.mark.parametrize("service", ["herald-ingest", "herald-control", "herald-delivery", "herald-edge"])
def test_a_taken_listen_address_is_named_and_exits_as_permanent(service):
    """Every service binds the same way: the error names the setting and address, exit code 2."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        free = []
        for _ in range(3):
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                free.append(s.getsockname()[1])
        base = {k: v for k, v in os.environ.items() if not k.startswith("HERALD_")}
        env = {
            **base,
            "HERALD_GRPC_LISTEN": f"127.0.0.1:{free[0]}",
            "HERALD_HTTP_LISTEN": f"127.0.0.1:{free[1]}",
            "HERALD_ADMIN_LISTEN": f"127.0.0.1:{port}",
            # Control refuses to start without a master key before it binds anything.
            "HERALD_MASTER_KEY": base64.b64encode(os.urandom(32)).decode(),
            "HERALD_KAFKA__BOOTSTRAP_SERVERS": "127.0.0.1:1",
        }
        out = run([service_binary(service)], env=env, timeout=60)
    assert out.returncode == 2, (out.returncode, out.stderr, out.stdout)
    logs = out.stdout + out.stderr
    assert f"cannot listen on admin_listen 127.0.0.1:{port}" in logs, logs


def test_readyz_names_the_control_plane_it_waits_for():
    """A data-plane service that cannot reach the control plane says so on /readyz, naming it."""
    ports = []
    for _ in range(4):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            ports.append(s.getsockname()[1])
    grpc, http_port, admin, closed = ports
    base = {k: v for k, v in os.environ.items() if not k.startswith("HERALD_")}
    env = {
        **base,
        "HERALD_GRPC_LISTEN": f"127.0.0.1:{grpc}",
        "HERALD_HTTP_LISTEN": f"127.0.0.1:{http_port}",
        "HERALD_ADMIN_LISTEN": f"127.0.0.1:{admin}",
        "HERALD_CONTROL_ENDPOINT": f"http://127.0.0.1:{closed}",
    }
    proc = subprocess.Popen([service_binary("herald-ingest")], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 30
        body = ""
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{admin}/readyz", timeout=5)
                raise AssertionError("ingest became ready without a control plane")
            except urllib.error.HTTPError as e:
                assert e.code == 503
                body = e.read().decode()
                if f"the control plane at http://127.0.0.1:{closed}" in body:
                    break
            except urllib.error.URLError:
                pass
            time.sleep(0.3)
        assert f"not ready: waiting for the control plane at http://127.0.0.1:{closed}" in body, body
    finally:
        proc.terminate()
        proc.wait(timeout=30)
