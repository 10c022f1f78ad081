"""The client libraries (clients/python, clients/typescript, crates/herald-client): their
generated code is what the generators make from proto/ today, their pure parts behave, and each
README example runs as written against `herald dev`, asserting its own outcome (publish
receipts, a duplicate recognized by id, a webhook received and its signature verified).

A missing toolchain (cargo, node, npm) fails the test: CI must run every example."""

import hashlib
import json
import os
import pathlib
import re
import shlex
import shutil
import signal
import subprocess
import sys

import pytest
from test_walkthrough import start_dev

ROOT = pathlib.Path(__file__).resolve().parents[2]
PY_CLIENT = ROOT / "clients" / "python"
TS_CLIENT = ROOT / "clients" / "typescript"

sys.path.insert(0, str(PY_CLIENT))
import herald_client  # noqa: E402


def need(tool: str) -> str:
    path = shutil.which(tool)
    if not path:
        pytest.fail(f"{tool} is not on PATH: the client examples need it (Rust toolchain, Node 20 with npm)")
    return path


def readme_block(readme: pathlib.Path, language: str) -> str:
    block = re.search(rf"```{language}\n(.*?)```", readme.read_text(), re.S)
    assert block, f"{readme} has no {language} example"
    return block.group(1)


def run(cmd, *, env=None, cwd=ROOT, timeout=300) -> str:
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, (
        f"{shlex.join(map(str, cmd))} exited {done.returncode}\n"
        f"--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
    )
    return done.stdout


@pytest.fixture(scope="module")
def dev(herald_bin):
    proc, exports = start_dev(herald_bin)
    yield {**os.environ, **exports}
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def node_modules():
    """npm ci, skipped while node_modules was installed from the same package-lock.json."""
    need("node")
    npm = need("npm")
    want = hashlib.sha256((TS_CLIENT / "package-lock.json").read_bytes()).hexdigest()
    stamp = TS_CLIENT / "node_modules" / ".herald-lock.sha256"
    if not stamp.exists() or stamp.read_text() != want:
        run([npm, "ci", "--no-audit", "--no-fund"], cwd=TS_CLIENT)
        stamp.write_text(want)
    return npm


def assert_verified_outcome(out: str):
    assert re.search(r"published \S+ at partition \d+ offset \d+", out), out
    assert re.search(r"webhook \S+ verified", out), out
    assert re.search(r"subscription \S+ deleted", out), out


# --- Rust ---

def test_rust_quickstart_runs_against_herald_dev(dev):
    cargo = need("cargo")
    out = run([cargo, "run", "-q", "-p", "herald-client", "--example", "quickstart"], env=dev, timeout=1200)
    assert_verified_outcome(out)


# --- Python ---

def test_python_generated_code_is_current(tmp_path):
    run([PY_CLIENT / "generate", tmp_path], env={**os.environ, "PYTHON": sys.executable})
    diff = subprocess.run(["diff", "-r", "-x", "__pycache__", PY_CLIENT / "herald_client" / "_proto" / "herald",
                           tmp_path / "herald"], capture_output=True, text=True)
    assert diff.returncode == 0, f"herald_client/_proto is stale: run clients/python/generate\n{diff.stdout}"


def test_python_verify_webhook_uses_standard_webhooks():
    from standardwebhooks import Webhook
    from datetime import datetime, timedelta, timezone

    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"order":42}'
    now = datetime.now(timezone.utc)

    def signed(at):
        return {"Webhook-Id": "evt_1", "Webhook-Timestamp": str(int(at.timestamp())),
                "Webhook-Signature": Webhook(secret).sign("evt_1", at, body.decode())}

    verified = herald_client.verify_webhook(secret, signed(now), body)
    assert verified == herald_client.VerifiedWebhook(id="evt_1", timestamp=int(now.timestamp()))
    refused = [
        (secret, signed(now), b'{"order":43}'),
        (secret, signed(now - timedelta(hours=1)), body),
        (secret, {}, body),
        (secret, {**signed(now), "Webhook-Signature": "garbage"}, body),
        ("whsec_", signed(now), body),
    ]
    for args in refused:
        with pytest.raises(herald_client.WebhookError):
            herald_client.verify_webhook(*args)


def test_python_errors_and_events():
    import grpc

    assert herald_client.HeraldError("later", grpc.StatusCode.UNAVAILABLE).retryable
    assert not herald_client.HeraldError("too large", grpc.StatusCode.RESOURCE_EXHAUSTED).retryable
    assert str(herald_client.HeraldError("no", grpc.StatusCode.NOT_FOUND)) == "no (grpc status NOT_FOUND)"
    wire = herald_client.Event("order.created", {"order": 42}, id="order-42").to_proto()
    assert (wire.type, wire.id, wire.data) == ("order.created", "order-42", b'{"order":42}')
    assert herald_client.Event("raw", b"\x00\x01").to_proto().data == b"\x00\x01"
    for server in ("ftp://127.0.0.1:1", "http://127.0.0.1", "http://127.0.0.1:port"):
        with pytest.raises(herald_client.HeraldError, match="invalid server"):
            herald_client.Herald(server, "hk_x")


def test_python_readme_example_runs_against_herald_dev(dev, tmp_path):
    example = tmp_path / "example.py"
    example.write_text(readme_block(PY_CLIENT / "README.md", "python"))
    out = run([sys.executable, example], env={**dev, "PYTHONPATH": str(PY_CLIENT)}, timeout=180)
    assert_verified_outcome(out)


# --- TypeScript ---

def test_typescript_generated_types_are_current(node_modules, tmp_path):
    script = json.loads((TS_CLIENT / "package.json").read_text())["scripts"]["generate"]
    assert " -O src/generated " in script, script
    args = shlex.split(script.replace(" -O src/generated ", f" -O {tmp_path} "))
    run([TS_CLIENT / "node_modules" / ".bin" / args[0], *args[1:]], cwd=TS_CLIENT)
    diff = subprocess.run(["diff", "-r", TS_CLIENT / "src" / "generated", tmp_path], capture_output=True, text=True)
    assert diff.returncode == 0, f"src/generated is stale: run npm run generate\n{diff.stdout}"


def test_typescript_builds_and_its_unit_tests_pass(node_modules):
    run([node_modules, "run", "build"], cwd=TS_CLIENT)
    out = run([node_modules, "test"], cwd=TS_CLIENT)
    assert "# fail 0" in out, out


def test_typescript_readme_example_runs_against_herald_dev(dev, node_modules, tmp_path):
    run([node_modules, "run", "build"], cwd=TS_CLIENT)
    # The example imports "@herald/client" as a user's project would: link the package in.
    (tmp_path / "node_modules" / "@herald").mkdir(parents=True)
    (tmp_path / "node_modules" / "@herald" / "client").symlink_to(TS_CLIENT)
    (tmp_path / "example.ts").write_text(readme_block(TS_CLIENT / "README.md", "ts"))
    (tmp_path / "tsconfig.json").write_text(json.dumps({
        "compilerOptions": {
            "target": "ES2022", "module": "node16", "moduleResolution": "node16", "strict": True,
            "types": ["node"], "typeRoots": [str(TS_CLIENT / "node_modules" / "@types")], "outDir": "out",
        },
        "files": ["example.ts"],
    }))
    run([TS_CLIENT / "node_modules" / ".bin" / "tsc", "-p", tmp_path / "tsconfig.json"], cwd=tmp_path)
    out = run([need("node"), tmp_path / "out" / "example.js"], env=dev, cwd=tmp_path, timeout=180)
    assert_verified_outcome(out)
