"""One cursor behind every stream transport, checked with independent clients against `herald dev`:
a WebSocket ledger with random disconnects (the `websockets` library), the WebSocket protocol's
refusals, one client reading a topic over SSE, then WebSocket, then pull, resuming each time from
the last cursor of the transport before, and a long-polling puller following a live topic."""

import json
import logging
import os
import random
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from test_walkthrough import start_dev

TYPE = "ledger.event"


@pytest.fixture(scope="module")
def dev(herald_bin):
    proc, exports = start_dev(herald_bin)
    yield exports
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)


def post_batch(exports, batch):
    """Publishes CloudEvents as one batch to demo/events."""
    req = urllib.request.Request(
        f"{exports['HERALD_HTTP']}/v1/topics/demo/events/events",
        data=json.dumps(batch).encode(),
        headers={"authorization": f"Bearer {exports['HERALD_KEY']}",
                 "content-type": "application/cloudevents-batch+json"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        assert resp.status in (200, 202), resp.status


def publish(exports, start, count):
    """Publishes events n = start..start+count as one batch; returns their ledger ids."""
    ids = [f"n{n}" for n in range(start, start + count)]
    post_batch(exports, [{"specversion": "1.0", "id": i, "source": "/ledger", "type": TYPE,
                          "data": {"n": i}} for i in ids])
    return ids


def ws_url(exports, **query):
    base = exports["HERALD_HTTP"].replace("http://", "ws://", 1) + "/v1/streams/demo/events"
    query = {k: v for k, v in query.items() if v is not None}
    return base + ("?" + urllib.parse.urlencode(query) if query else "")


def ws_connect(exports, **query):
    # An unbounded queue: the client's close handshake must not wait behind unread frames.
    return connect(ws_url(exports, **query),
                   additional_headers={"authorization": f"Bearer {exports['HERALD_KEY']}"},
                   open_timeout=30, close_timeout=5, max_queue=None)


def read_ws(ws, seen, limit, timeout=30):
    """Reads up to `limit` ledger events into `seen`; returns the last cursor received. A close
    that asks the client to reconnect (1012 service restart, 1013 try again) ends it early."""
    last = None
    got = 0
    while got < limit:
        try:
            message = ws.recv(timeout=timeout)
        except ConnectionClosed as closed:
            assert closed.rcvd and closed.rcvd.code in (1012, 1013), closed
            break
        frame = json.loads(message)
        last = frame.get("id", last)
        if frame["type"] == TYPE:
            seen.append(frame["data"]["n"])
            got += 1
        else:
            assert frame["type"] == "herald.cursor", frame
    return last


def assert_ledger(seen, ledger):
    duplicates = sorted({n for n in seen if seen.count(n) > 1})
    missing = sorted(set(ledger) - set(seen))
    assert not duplicates, f"duplicates: {duplicates[:20]}"
    assert not missing, f"missing {len(missing)} of {len(ledger)}: {missing[:20]}"
    assert sorted(seen) == sorted(ledger)


def test_websocket_ledger_with_random_disconnects(dev):
    """A client that drops its WebSocket at random points (closing politely or just cutting the
    TCP connection) and resumes from its last cursor sees every event exactly once."""
    rng = random.Random(16)
    ws = ws_connect(dev, start="now")
    # The fresh stream's first frame is its start cursor.
    first = json.loads(ws.recv(timeout=30))
    assert first["type"] == "herald.cursor" and first["id"], first
    cursor = first["id"]

    ledger = []
    total = 600

    def publisher():
        for start in range(0, total, 20):
            ledger.extend(publish(dev, start, 20))
            time.sleep(0.02)

    thread = threading.Thread(target=publisher)
    thread.start()
    seen = []
    reconnects = 0
    while len(seen) < total:
        try:
            cursor = read_ws(ws, seen, min(rng.randint(1, 80), total - len(seen))) or cursor
        except TimeoutError:
            break
        if len(seen) >= total:
            break
        if rng.random() < 0.5:
            ws.close()
        else:
            # An abrupt drop, no close handshake (the library's reader thread logs the EOF).
            logging.getLogger("websockets").setLevel(logging.CRITICAL)
            ws.socket.close()
        reconnects += 1
        ws = ws_connect(dev, last_event_id=cursor)
    thread.join()
    ws.close()
    assert reconnects >= 10, reconnects
    assert_ledger(seen, ledger)


def test_websocket_filter_ack_and_refusals(dev):
    """Client messages change the filter and acknowledge; bad handshakes get 400 and bad frames a
    close code with a reason."""
    ws = ws_connect(dev, start="now", types="keep.*")
    cursor = json.loads(ws.recv(timeout=30))["id"]
    publish_typed(dev, ["drop.me", "keep.this"])
    frame = json.loads(ws.recv(timeout=30))
    assert frame["type"] == "keep.this" and frame["data"] == {"n": "keep.this"}, frame
    assert frame["time"], frame
    ws.send(json.dumps({"op": "ack", "id": frame["id"]}))
    ws.send(json.dumps({"op": "filter", "types": "drop.*"}))
    publish_typed(dev, ["keep.that", "drop.this"])
    # From the stream's position on: `drop.me` too when its partition was behind `keep.this`.
    types = []
    while "drop.this" not in types:
        types.append(json.loads(ws.recv(timeout=30))["type"])
    assert all(t.startswith("drop.") or t == "herald.cursor" for t in types), types
    ws.close()

    refusals = [
        ("text", "not json", 1008, "invalid message"),
        ("text", json.dumps({"op": "filter", "types": "a*b"}), 1008, "invalid type filter"),
        ("text", json.dumps({"op": "ack", "id": "garbage"}), 1008, "invalid cursor"),
        ("binary", b"\x00", 1003, "binary messages"),
        ("text", "x" * 5000, 1009, "limited to 4096 bytes"),
    ]
    for kind, payload, code, reason in refusals:
        ws = ws_connect(dev, last_event_id=cursor)
        ws.send(payload)
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                ws.recv(timeout=30)
        assert closed.value.rcvd.code == code, (kind, payload, closed.value.rcvd)
        assert reason in closed.value.rcvd.reason, closed.value.rcvd

    with pytest.raises(InvalidStatus) as refused:
        ws_connect(dev, last_event_id="2AAAAAAA")
    assert refused.value.response.status_code == 400
    assert b"another topic" in refused.value.response.body, refused.value.response.body
    with pytest.raises(InvalidStatus) as refused:
        connect(ws_url(dev), open_timeout=30)
    assert refused.value.response.status_code == 401


def publish_typed(exports, types):
    post_batch(exports, [{"specversion": "1.0", "id": f"{t}-{time.time_ns()}", "source": "/ledger",
                          "type": t, "data": {"n": t}} for t in types])


def read_sse(exports, cursor, limit):
    """Reads `limit` ledger events over SSE from `cursor`; returns their numbers and the last id."""
    req = urllib.request.Request(
        f"{exports['HERALD_HTTP']}/v1/streams/demo/events?types={TYPE}",
        headers={"authorization": f"Bearer {exports['HERALD_KEY']}", "last-event-id": cursor},
    )
    seen, last, event = [], cursor, {}
    with urllib.request.urlopen(req, timeout=30) as resp:
        for raw in resp:
            line = raw.decode().rstrip("\n")
            if line.startswith("id: "):
                event["id"] = line[4:]
            elif line.startswith("event: "):
                event["type"] = line[7:]
            elif line.startswith("data: "):
                event["data"] = line[6:]
            elif line == "":
                last = event.get("id", last)
                if event.get("type") == TYPE:
                    seen.append(json.loads(event["data"])["n"])
                    if len(seen) == limit:
                        return seen, last
                event = {}
    raise AssertionError("the SSE stream ended early")


def pull(exports, **query):
    url = f"{exports['HERALD_HTTP']}/v1/topics/demo/events/events?" + urllib.parse.urlencode(
        {k: v for k, v in query.items() if v is not None})
    req = urllib.request.Request(url, headers={"authorization": f"Bearer {exports['HERALD_KEY']}"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        assert resp.headers["content-type"] == "application/json"
        return json.load(resp)


def test_one_cursor_across_sse_websocket_and_pull(dev):
    """A third of a topic over SSE, the next third over WebSocket from SSE's last id, the rest by
    pull from the WebSocket's last id, then SSE again from pull's cursor: every event exactly
    once, and nothing more."""
    start = pull(dev, start="now", limit=1)["next_cursor"]
    ledger = publish(dev, 10_000, 90)
    seen, cursor = read_sse(dev, start, 30)
    ws = ws_connect(dev, last_event_id=cursor, types=TYPE)
    cursor = read_ws(ws, seen, 30)
    ws.close()
    while len(seen) < 90:
        answer = pull(dev, cursor=cursor, limit=7, types=TYPE, wait="5s")
        assert 1 <= len(answer["events"]) <= 7, answer
        seen += [e["data"]["n"] for e in answer["events"]]
        if len(answer["events"]) == 7:
            # A full answer ends at its last event (a short one may skip filtered-out events).
            assert answer["next_cursor"] == answer["events"][-1]["id"]
        cursor = answer["next_cursor"]
    assert_ledger(seen, ledger)
    ledger += publish(dev, 20_000, 5)
    more, _ = read_sse(dev, cursor, 5)
    assert_ledger(seen + more, ledger)


def test_pull_long_polls_and_follows_a_live_topic(dev):
    """A puller that long-polls while events are published gets every event once; a poll with
    nothing new waits `wait` and answers with the same cursor; bad queries get 400."""
    cursor = pull(dev, start="now", limit=1)["next_cursor"]
    began = time.monotonic()
    empty = pull(dev, cursor=cursor, wait="1s", types=TYPE)
    assert empty == {"events": [], "next_cursor": cursor}
    assert time.monotonic() - began >= 0.9

    ledger = []

    def publisher():
        time.sleep(0.5)
        for start in range(30_000, 30_300, 30):
            ledger.extend(publish(dev, start, 30))
            time.sleep(0.05)

    thread = threading.Thread(target=publisher)
    thread.start()
    seen = []
    polls = 0
    while len(seen) < 300 and polls < 200:
        answer = pull(dev, cursor=cursor, wait="10s", limit=50, types=TYPE)
        seen += [e["data"]["n"] for e in answer["events"]]
        cursor = answer["next_cursor"]
        polls += 1
    thread.join()
    assert_ledger(seen, ledger)

    for query, message in [({"limit": 0}, "limit must be"), ({"wait": "1h"}, "longer than 30s"),
                           ({"wait": "soon"}, "invalid wait"), ({"cursor": "zz"}, "invalid cursor"),
                           ({"start": "later"}, "invalid start")]:
        with pytest.raises(urllib.error.HTTPError) as refused:
            pull(dev, **query)
        assert refused.value.code == 400
        assert message in refused.value.read().decode()


def api(exports, method, path, body=None):
    req = urllib.request.Request(
        f"{exports['HERALD_HTTP']}{path}", method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"authorization": f"Bearer {exports['HERALD_KEY']}", "content-type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=60) as resp:
        text = resp.read()
        return resp.status, json.loads(text) if text else None


def test_named_consumer_pullers_share_partitions_and_lose_nothing(dev):
    """Two pullers of one named consumer own disjoint partitions that together are the topic's;
    a puller that dies before committing is replaced and its batch comes again (nothing lost);
    a member that leaves hands its partitions to the other at once."""
    name = f"ledger-{time.time_ns()}"
    status, created = api(dev, "POST", "/v1/teams/demo/consumers",
                          {"name": name, "topic": "events", "start": "now"})
    assert status == 201 and created["created"], created
    status, again = api(dev, "POST", "/v1/teams/demo/consumers", {"name": name, "topic": "events"})
    assert status == 200 and not again["created"], again
    ledger = publish(dev, 40_000, 300)

    def take(member, commit=True):
        answer = pull(dev, consumer=name, member=member, limit=25, wait="500ms", types=TYPE)
        if commit and answer["events"]:
            _, done = api(dev, "POST", f"/v1/teams/demo/consumers/{name}/commit",
                          {"member": member, "cursor": answer["next_cursor"]})
            assert sorted(int(p) for p in done["committed"]) == answer["partitions"], done
        return answer

    first_a, first_b = take("a", commit=False), take("b", commit=False)
    # Both joined: once the group settled, their partitions are disjoint and cover the topic.
    deadline = time.time() + 30
    while time.time() < deadline:
        a, b = take("a", commit=False), take("b", commit=False)
        if a["partitions"] and b["partitions"]:
            break
    assert not set(a["partitions"]) & set(b["partitions"]), (a["partitions"], b["partitions"])
    assert sorted(a["partitions"] + b["partitions"]) == [0, 1, 2]
    del first_a, first_b

    seen = []
    # Puller "a" reads a batch and dies before committing; its successor gets the batch again.
    lost_batch = [e["data"]["n"] for e in take("a", commit=False)["events"]]
    for _ in range(200):
        got = [e["data"]["n"] for member in ("a", "b") for e in take(member)["events"]]
        seen += got
        if set(ledger) <= set(seen):
            break
    assert set(lost_batch) <= set(seen)
    assert_ledger(sorted(set(seen)), ledger)
    assert len(seen) == len(ledger), "committed batches come once"

    # "a" leaves: "b" owns every partition at once, and nothing is pending.
    status, _ = api(dev, "DELETE", f"/v1/teams/demo/consumers/{name}/members/a")
    assert status == 204
    deadline = time.time() + 30
    while time.time() < deadline and take("b")["partitions"] != [0, 1, 2]:
        pass
    answer = take("b")
    assert answer["partitions"] == [0, 1, 2] and answer["events"] == [], answer

    for path, body, code in [
        (f"/v1/teams/demo/consumers/{name}/commit", {"member": "zz", "cursor": answer["next_cursor"]}, 409),
        ("/v1/teams/demo/consumers", {"name": "bad name", "topic": "events"}, 400),
        ("/v1/teams/demo/consumers", {"name": "x", "topic": "nope"}, 404),
    ]:
        with pytest.raises(urllib.error.HTTPError) as refused:
            api(dev, "POST", path, body)
        assert refused.value.code == code, (path, refused.value.read())
    with pytest.raises(urllib.error.HTTPError) as refused:
        pull(dev, consumer="never-created", member="a")
    assert refused.value.code == 404


def test_cli_tail_pull_and_consumer(dev, herald_bin):
    """`herald tail` (SSE and WebSocket), `herald pull` and `herald consumer` print the same
    events as JSON lines and keep positions as the HTTP API does."""
    env = {**os.environ, "HERALD_HTTP": dev["HERALD_HTTP"], "HERALD_KEY": dev["HERALD_KEY"]}

    def herald(*args):
        out = subprocess.run([herald_bin, *args], env=env, capture_output=True, text=True,
                             timeout=60)
        assert out.returncode == 0, out.stderr
        return [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{\"")], out

    start = pull(dev, start="now", limit=1)["next_cursor"]
    ledger = publish(dev, 50_000, 12)
    for transport in ("sse", "ws"):
        events, _ = herald("tail", "demo", "events", "--transport", transport, "--from", start,
                           "--types", TYPE, "--count", "12")
        assert sorted(e["data"]["n"] for e in events if e["type"] == TYPE) == sorted(ledger)

    events, out = herald("pull", "demo", "events", "--cursor", start, "--types", TYPE, "--limit", "5")
    assert len(events) == 5 and "next_cursor: " in out.stderr
    name = f"cli-{time.time_ns()}"
    herald("consumer", "create", "demo", name, "--topic", "events", "--start", "now")
    more = publish(dev, 60_000, 4)
    events, _ = herald("pull", "demo", "events", "--consumer", name, "--commit", "--wait", "5s")
    assert sorted(e["data"]["n"] for e in events if e["type"] == TYPE) == sorted(more)
    events, _ = herald("pull", "demo", "events", "--consumer", name)
    assert events == [], "committed"
    herald("consumer", "leave", "demo", name, "default")
    bad = subprocess.run([herald_bin, "tail", "demo", "events", "--from", "garbage"], env=env,
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0 and "invalid cursor" in bad.stderr

    # `herald request --wait` gets the answer a handler sends with `herald reply` (no key).
    cursor = pull(dev, start="now", limit=1)["next_cursor"]
    asking = subprocess.Popen([herald_bin, "request", "demo", "events", "--type", "cli.question",
                               "--data", '{"q": 1}', "--wait", "20s"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    replyto = None
    while replyto is None:
        answer = pull(dev, cursor=cursor, wait="5s", types="cli.question")
        cursor = answer["next_cursor"]
        replyto = next((e["replyto"] for e in answer["events"]), None)
    handler_env = {k: v for k, v in env.items() if k != "HERALD_KEY"}
    out = subprocess.run([herald_bin, "reply", replyto, "--type", "cli.answer", "--data", '{"a": 2}'],
                         env=handler_env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    stdout, stderr = asking.communicate(timeout=60)
    assert asking.returncode == 0, stderr
    got = json.loads(stdout)
    assert got["type"] == "cli.answer" and got["data"] == {"a": 2}, got
