"""Async request-reply against `herald dev`: a request published with
`POST /v1/topics/{team}/{topic}/requests` is handled by a pull client, an SSE client or a
webhook receiver, which answers at the request's `replyto`; the requester gets the reply by
long-poll (`GET /v1/replies/{id}?wait=`), on a WebSocket of its reply topic, and as a signed
webhook of a subscription on the reply topic. Plus the refusals."""

import http.server
import json
import os
import signal
import threading
import time
import urllib.error
import urllib.request
import uuid

import pytest
from websockets.sync.client import connect

from test_dev_trials import cli
from test_walkthrough import start_dev


@pytest.fixture(scope="module")
def dev(herald_bin):
    proc, exports = start_dev(herald_bin)
    cli(herald_bin, exports, "topic", "create", "demo", "replies", "--partitions", "1")
    try:
        yield exports
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def call(method, url, body=None, key=None, headers=None, timeout=40):
    """(status, headers, JSON body) of one HTTP call; errors are answers too."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))
    if data is not None:
        req.add_header("content-type", "application/json")
    if key:
        req.add_header("authorization", f"Bearer {key}")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.headers, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, e.headers, json.loads(e.read() or b"null")


def ask(dev, ty, data, reply_topic=None):
    """Publishes a request; returns its answer after checking its shape."""
    url = f"{dev['HERALD_HTTP']}/v1/topics/demo/events/requests"
    if reply_topic:
        url += f"?reply_topic={reply_topic}"
    status, headers, answer = call("POST", url, {"type": ty, "data": data}, dev["HERALD_KEY"])
    assert status == 202, answer
    assert headers["location"] == answer["location"] == f"/v1/replies/{answer['reply_id']}"
    assert answer["expires_at"] > time.time() + 3600
    return answer


def in_background(fn, *args):
    out = {}
    thread = threading.Thread(target=lambda: out.setdefault("result", fn(*args)), daemon=True)
    thread.start()
    return thread, out


def test_round_trip_by_long_poll_with_a_pull_handler(dev):
    http_base, key = dev["HERALD_HTTP"], dev["HERALD_KEY"]
    ty = "rpc.poll." + uuid.uuid4().hex[:8]
    request = ask(dev, ty, {"question": 6 * 7})
    # The requester waits before anyone replied.
    waiter, out = in_background(call, "GET", f"{http_base}{request['location']}?wait=20s", None, key)
    time.sleep(0.5)
    assert waiter.is_alive(), out

    # The handler pulls the request and sees where to reply.
    status, _, pulled = call("GET", f"{http_base}/v1/topics/demo/events/events?types={ty}&wait=10s", key=key)
    assert status == 200 and len(pulled["events"]) == 1, pulled
    event = pulled["events"][0]
    assert event["data"] == {"question": 42} and event["replyto"] == request["location"], event
    # No key: the reply id is the credential.
    status, _, stored = call("POST", f"{http_base}{event['replyto']}", {"type": f"{ty}.reply", "data": {"answer": 42}})
    assert status == 202 and stored["correlationid"] == request["id"], stored

    waiter.join(25)
    status, _, reply = out["result"]
    assert status == 200, reply
    assert reply["correlationid"] == request["id"] and reply["id"] == stored["id"], reply
    assert reply["type"] == f"{ty}.reply" and reply["data"] == {"answer": 42}, reply

    # A second reply is accepted but the first stays the reply.
    status, _, _ = call("POST", f"{http_base}{event['replyto']}", {"type": f"{ty}.reply", "data": {"answer": 0}})
    assert status == 202
    time.sleep(0.5)
    status, _, again = call("GET", f"{http_base}{request['location']}", key=key)
    assert status == 200 and again["data"] == {"answer": 42}, again


def sse_events(url, key, ty, found, stop):
    """Reads an SSE stream, keeping events of type `ty` with their raw fields."""
    req = urllib.request.Request(url, headers={"authorization": f"Bearer {key}"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        fields = {}
        for raw in resp:
            line = raw.decode().rstrip("\n")
            if line == "":
                if fields.get("event") == ty:
                    found.append(fields)
                    return
                fields = {}
            elif not line.startswith(":") and ": " in line:
                name, value = line.split(": ", 1)
                fields[name] = value
            if stop.is_set():
                return


def test_round_trip_by_stream_with_an_sse_handler(dev):
    http_base, key = dev["HERALD_HTTP"], dev["HERALD_KEY"]
    ty = "rpc.stream." + uuid.uuid4().hex[:8]
    ws_url = http_base.replace("http", "ws", 1) + "/v1/streams/demo/replies?start=now"
    with connect(ws_url, additional_headers={"Authorization": f"Bearer {key}"}, open_timeout=10) as ws:
        assert json.loads(ws.recv(timeout=10))["type"] == "herald.cursor"
        # The handler follows the request topic over SSE.
        found, stop = [], threading.Event()
        handler, _ = in_background(
            sse_events, f"{http_base}/v1/streams/demo/events?types={ty}", key, ty, found, stop)
        time.sleep(1)
        request = ask(dev, ty, {"n": 1}, reply_topic="replies")
        handler.join(20)
        stop.set()
        assert found, "the SSE handler saw no request"
        assert found[0]["replyto"] == request["location"] and json.loads(found[0]["data"]) == {"n": 1}
        status, _, stored = call("POST", f"{http_base}{found[0]['replyto']}",
                                 {"type": f"{ty}.reply", "data": {"n": 2}})
        assert status == 202 and stored["reply_topic"]["topic"] == "replies", stored

        # The reply arrives on the requester's WebSocket of the reply topic.
        frame = json.loads(ws.recv(timeout=20))
        assert frame["type"] == f"{ty}.reply" and frame["data"] == {"n": 2}, frame
        assert frame["correlationid"] == request["id"], frame


class Handler(http.server.BaseHTTPRequestHandler):
    """A webhook receiver that answers each request from inside its handler, at its replyto."""

    base = ""
    handled: list = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
        replyto = self.headers.get("ce-replyto")
        if replyto:
            answer = {"type": "rpc.hook.reply", "data": {"doubled": body["n"] * 2}}
            status, _, _ = call("POST", f"{self.base}{replyto}", answer)
            type(self).handled.append((self.headers.get("webhook-id"), status))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


class Callback(http.server.BaseHTTPRequestHandler):
    """The requester's callback: verifies the Standard Webhooks signature of each reply."""

    secret = ""
    replies: list = []

    def do_POST(self):
        from standardwebhooks.webhooks import Webhook
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        headers = {k.lower(): v for k, v in self.headers.items()}
        Webhook(self.secret).verify(body, headers)
        type(self).replies.append((headers.get("ce-correlationid"), json.loads(body)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def serve(handler):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_round_trip_by_callback_webhook_with_a_webhook_handler(herald_bin, dev):
    Handler.base = dev["HERALD_HTTP"]
    handler, callback = serve(Handler), serve(Callback)
    try:
        topic = "asks" + uuid.uuid4().hex[:6]
        cli(herald_bin, dev, "topic", "create", "demo", topic, "--partitions", "1")
        cli(herald_bin, dev, "subscription", "create", "demo", "--topic", topic,
            "--url", f"http://127.0.0.1:{handler.server_port}/handle")
        created = cli(herald_bin, dev, "subscription", "create", "demo", "--topic", "replies",
                      "--url", f"http://127.0.0.1:{callback.server_port}/callback",
                      "--event-type", "rpc.hook.reply")
        Callback.secret = created["secret"]
        url = f"{dev['HERALD_HTTP']}/v1/topics/demo/{topic}/requests?reply_topic=replies"
        status, _, request = call("POST", url, {"type": "rpc.hook", "data": {"n": 21}}, dev["HERALD_KEY"])
        assert status == 202, request
        deadline = time.time() + 60
        while not Callback.replies and time.time() < deadline:
            time.sleep(0.2)
        assert Handler.handled and Handler.handled[0] == (request["id"], 202), Handler.handled
        assert Callback.replies, "no signed reply reached the callback"
        correlation, reply = Callback.replies[0]
        assert correlation == request["id"] and reply == {"doubled": 42}, Callback.replies
        # The same reply is also there by long-poll.
        status, _, polled = call("GET", f"{dev['HERALD_HTTP']}{request['location']}?wait=5s",
                                 key=dev["HERALD_KEY"])
        assert status == 200 and polled["data"] == {"doubled": 42}, polled
    finally:
        handler.shutdown()
        callback.shutdown()


def test_refusals(herald_bin, dev):
    http_base, key, root = dev["HERALD_HTTP"], dev["HERALD_KEY"], dev["HERALD_ROOT_KEY"]
    request = ask(dev, "rpc.refused", {})
    reply_id = request["reply_id"]

    # A forged or altered reply id cannot reply.
    altered = reply_id[:-2] + ("AA" if not reply_id.endswith("AA") else "BB")
    status, _, body = call("POST", f"{http_base}/v1/replies/{altered}", {"type": "x", "data": 1})
    assert status == 403 and "reply id" in body["message"], body
    status, _, body = call("POST", f"{http_base}/v1/replies/not-a-reply-id", {"type": "x", "data": 1})
    assert status == 403, body

    # No reply yet: 404 after the wait, with a message saying so.
    started = time.time()
    status, _, body = call("GET", f"{http_base}{request['location']}?wait=1s", key=key)
    assert status == 404 and "no reply" in body["message"], body
    assert time.time() - started >= 0.9
    status, _, body = call("GET", f"{http_base}{request['location']}?wait=31s", key=key)
    assert status == 400 and "wait" in body["message"], body
    status, _, body = call("GET", f"{http_base}{request['location']}")
    assert status == 401, body

    # A key of another team may not read the reply.
    team = "other" + uuid.uuid4().hex[:6]
    cli(herald_bin, {**dev, "HERALD_KEY": root}, "team", "create", team)
    other = cli(herald_bin, {**dev, "HERALD_KEY": root}, "key", "create", team, "--scope", "admin")["secret"]
    status, _, body = call("GET", f"{http_base}{request['location']}", key=other)
    assert status == 403 and "demo" in body["message"], body
    # Nor ask for replies on a topic of another team, nor use a reply topic it cannot publish to.
    status, _, body = call("POST", f"{http_base}/v1/topics/demo/events/requests", {"type": "x"}, other)
    assert status == 403, body
    status, _, body = call("POST", f"{http_base}/v1/topics/demo/events/requests?reply_topic=nope",
                           {"type": "x"}, key)
    assert status == 404 and "reply_topic" in body["message"], body

    # Herald sets replyto itself, and a request is one event.
    status, _, body = call("POST", f"{http_base}/v1/topics/demo/events/requests",
                           {"specversion": "1.0", "id": "r1", "source": "/t", "type": "x", "replyto": "/elsewhere"}, key)
    assert status == 400 and "replyto" in body["message"], body
    status, _, body = call("POST", f"{http_base}/v1/topics/demo/events/requests", [{"type": "x"}], key)
    assert status == 400 and "batch" in body["message"], body
    # A reply naming another request is refused.
    status, _, body = call("POST", f"{http_base}{request['location']}",
                           {"specversion": "1.0", "id": "r2", "source": "/t", "type": "x", "correlationid": "other"})
    assert status == 400 and "correlationid" in body["message"], body


def test_a_restarted_herald_still_answers_with_and_for_earlier_requests(herald_bin, tmp_path):
    """On a real cluster: a reply sent before a restart is served after it (the edge reads
    herald.replies from its start), and a request from before the restart can still be answered
    (`herald dev` keeps its reply secret with its other keys)."""
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    assert bootstrap, "tests/run exports KAFKA_BOOTSTRAP_SERVERS (the test broker)"
    os.environ["XDG_STATE_HOME"] = str(tmp_path)
    try:
        proc, first = start_dev(herald_bin, "--kafka", bootstrap)
        try:
            answered = ask(first, "rpc.restart", {"n": 1})
            open_one = ask(first, "rpc.restart", {"n": 2})
            status, _, _ = call("POST", f"{first['HERALD_HTTP']}{answered['location']}",
                                {"type": "rpc.restart.reply", "data": "before"})
            assert status == 202
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
        proc, second = start_dev(herald_bin, "--kafka", bootstrap)
        try:
            base, key = second["HERALD_HTTP"], second["HERALD_KEY"]
            deadline = time.time() + 30
            while True:
                status, _, reply = call("GET", f"{base}{answered['location']}?wait=5s", key=key)
                if status != 503 or time.time() > deadline:
                    break
                time.sleep(0.2)
            assert status == 200 and reply["data"] == "before", reply
            status, _, _ = call("POST", f"{base}{open_one['location']}",
                                {"type": "rpc.restart.reply", "data": "after"})
            assert status == 202
            status, _, reply = call("GET", f"{base}{open_one['location']}?wait=10s", key=key)
            assert status == 200 and reply["data"] == "after" and reply["correlationid"] == open_one["id"], reply
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
    finally:
        del os.environ["XDG_STATE_HOME"]
