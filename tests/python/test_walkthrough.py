"""The README walkthrough, run as written: `herald dev` on its embedded broker, then the
walkthrough's shell lines, then the webhook and the stream must both show the event."""

import os
import pathlib
import re
import signal
import subprocess
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]


def walkthrough_lines() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"<!-- walkthrough:start -->\s*```sh\n(.*?)```", readme, re.S)
    assert block, "README has no walkthrough block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def start_dev(herald_bin, *flags):
    proc = subprocess.Popen(
        [herald_bin, "dev", "--grpc", "127.0.0.1:0", "--http", "127.0.0.1:0", "--admin", "127.0.0.1:0",
         *flags],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True,
    )
    exports = {}
    deadline = time.time() + 120
    while time.time() < deadline and "HERALD_TEAM" not in exports:
        line = proc.stdout.readline()
        if not line:
            break
        m = re.match(r"export (HERALD_\w+)=(\S+)", line)
        if m:
            exports[m.group(1)] = m.group(2)
        admin = re.match(r"\s+admin\s+(http\S+)", line)
        if admin:
            exports["HERALD_ADMIN_URL"] = admin.group(1)
    assert "HERALD_TEAM" in exports, "herald dev did not print its exports"
    return proc, exports


def wait_for(path: pathlib.Path, needle: str, seconds: float) -> str:
    deadline = time.time() + seconds
    while time.time() < deadline:
        text = path.read_text() if path.exists() else ""
        if needle in text:
            return text
        time.sleep(0.5)
    return path.read_text() if path.exists() else ""


def test_readme_walkthrough(herald_bin, tmp_path):
    proc, exports = start_dev(herald_bin)
    script = tmp_path / "walkthrough.sh"
    script.write_text("set -euo pipefail\n" + "\n".join(walkthrough_lines()) + "\nwait\n")
    env = {**os.environ, **exports, "PATH": f"{pathlib.Path(herald_bin).parent}:{os.environ['PATH']}"}
    env.pop("HERALD_WEBHOOK_SECRET", None)
    shell = subprocess.Popen(["bash", str(script)], cwd=tmp_path, env=env, start_new_session=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        webhooks = wait_for(tmp_path / "webhooks.log", '\\"order\\":42', 90)
        assert '"verified":true' in webhooks and '\\"order\\":42' in webhooks, webhooks
        stream = wait_for(tmp_path / "stream.log", 'data: {"order":42}', 30)
        assert "event: order.created" in stream and 'data: {"order":42}' in stream, stream
    finally:
        for p in (shell, proc):
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        out, err = shell.communicate(timeout=30)
        proc.wait(timeout=30)
    assert proc.returncode == 0, "herald dev did not shut down cleanly on SIGTERM"
