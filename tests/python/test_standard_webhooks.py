"""Herald's Standard Webhooks signer against the official `standardwebhooks` and `svix` libraries,
in both directions, including secret rotation and the bare-`v1,` regression."""

import base64
import datetime
import json
import os
import subprocess
import time

import pytest
from standardwebhooks.webhooks import Webhook as StandardWebhook
from svix.webhooks import Webhook as SvixWebhook
from svix.webhooks import WebhookVerificationError as SvixError
from standardwebhooks.webhooks import WebhookVerificationError as StdError

LIBRARIES = [(StandardWebhook, StdError), (SvixWebhook, SvixError)]


def new_secret(n: int = 32) -> str:
    return "whsec_" + base64.b64encode(os.urandom(n)).decode()


def herald_sign(herald_bin, secrets, msg_id, ts, body: bytes) -> str:
    args = [herald_bin, "webhook", "sign", "--id", msg_id, "--timestamp", str(ts)]
    for s in secrets:
        args += ["--secret", s]
    out = subprocess.run(args, input=body, capture_output=True, check=True)
    return out.stdout.decode().strip()


def herald_verify(herald_bin, secret, msg_id, ts, signature, body: bytes):
    return subprocess.run(
        [herald_bin, "webhook", "verify", "--secret", secret, "--id", msg_id,
         "--timestamp", str(ts), "--signature", signature],
        input=body, capture_output=True,
    )


def headers(msg_id, ts, sig):
    return {"webhook-id": msg_id, "webhook-timestamp": str(ts), "webhook-signature": sig}


@pytest.mark.parametrize("secret_bytes", [24, 32, 64])
@pytest.mark.parametrize("lib,err", LIBRARIES)
def test_libraries_verify_herald_signatures(herald_bin, lib, err, secret_bytes):
    secret = new_secret(secret_bytes)
    body = json.dumps({"type": "order.created", "data": {"id": 7, "note": "héllo\nworld"}}).encode()
    ts = int(time.time())
    sig = herald_sign(herald_bin, [secret], "msg_2Xy", ts, body)
    assert sig.startswith("v1,")
    lib(secret).verify(body, headers("msg_2Xy", ts, sig))  # raises on mismatch
    with pytest.raises(err):
        lib(secret).verify(body + b" ", headers("msg_2Xy", ts, sig))
    with pytest.raises(err):
        lib(new_secret()).verify(body, headers("msg_2Xy", ts, sig))


@pytest.mark.parametrize("lib,err", LIBRARIES)
def test_rotation_signatures_verify_with_old_and_new_secret(herald_bin, lib, err):
    old, new = new_secret(), new_secret()
    body = b'{"rotation": true}'
    ts = int(time.time())
    sig = herald_sign(herald_bin, [new, old], "msg_rot", ts, body)
    assert len(sig.split(" ")) == 2
    for secret in (old, new):
        lib(secret).verify(body, headers("msg_rot", ts, sig))


@pytest.mark.parametrize("lib,err", LIBRARIES)
def test_herald_verifies_library_signatures(herald_bin, lib, err):
    secret = new_secret()
    body = '{"from": "library"}'
    now = datetime.datetime.now(tz=datetime.timezone.utc).replace(microsecond=0)
    ts = int(now.timestamp())
    sig = lib(secret).sign("msg_lib", now, body)
    ok = herald_verify(herald_bin, secret, "msg_lib", ts, sig, body.encode())
    assert ok.returncode == 0, ok.stderr
    bad = herald_verify(herald_bin, secret, "msg_lib", ts, sig, b'{"from": "tampered"}')
    assert bad.returncode != 0
    assert b"no signature matched" in bad.stderr


def test_bare_v1_and_malformed_headers_never_verify(herald_bin):
    secret = new_secret()
    ts = int(time.time())
    for sig in ["v1,", "v1, v1,", "v2,abc", "", "v1,not-base64!"]:
        r = herald_verify(herald_bin, secret, "msg_x", ts, sig, b"{}")
        assert r.returncode != 0, sig
        assert b"panicked" not in r.stderr
        assert b"no well-formed v1 signature" in r.stderr


def test_bad_secret_and_stale_timestamp_are_clear_errors(herald_bin):
    r = herald_verify(herald_bin, "whsec_!!!", "m", int(time.time()), "v1,AAAA", b"")
    assert r.returncode != 0 and b"invalid secret" in r.stderr
    secret = new_secret()
    old = int(time.time()) - 3600
    sig = herald_sign(herald_bin, [secret], "m", old, b"{}")
    r = herald_verify(herald_bin, secret, "m", old, sig, b"{}")
    assert r.returncode != 0 and b"tolerance" in r.stderr
