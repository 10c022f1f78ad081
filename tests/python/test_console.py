"""The web console (`/console/`) in a real browser, walked as an operator would.

`herald dev --retry 1s,2s` serves the console, the API, publishing and streams on one port; a
local webhook receiver can be switched to answer 500. Debian's chromium, driven by Playwright with
role and label locators: sign in with the root key, create a team, a topic and a subscription,
publish from the live tail, see the delivery in the attempt log, make the receiver fail, see the
dead letter, redeliver it and see it succeed; then a team portal link shows only its team. axe-core
checks every page for serious or critical violations, and each page is saved as a screenshot: to
a temporary directory, or to docs/console/ (the pictures in docs/console.md) with
`HERALD_CONSOLE_SHOTS=docs/console`.
"""

import http.server
import json
import os
import pathlib
import re
import signal
import tempfile
import threading
import time
import urllib.error
import urllib.request

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect, sync_playwright

from test_walkthrough import start_dev

ROOT = pathlib.Path(__file__).resolve().parents[2]
# A test run leaves the repository as it was unless asked to refresh the documented pictures.
SHOTS = pathlib.Path(os.environ.get("HERALD_CONSOLE_SHOTS") or tempfile.mkdtemp(prefix="herald-console-shots-"))
if not SHOTS.is_absolute():
    SHOTS = ROOT / SHOTS
CHROMIUM = os.environ.get("HERALD_CHROMIUM", "/usr/bin/chromium")
# Two cores running the whole suite: give each wait room.
expect.set_options(timeout=15_000)
# Deliveries wait for the delivery group to pick up a new topic; dead letters for two retries.
SLOW = 90_000


class Receiver(http.server.BaseHTTPRequestHandler):
    """A webhook endpoint: answers 200, or 500 while `failing` is set; keeps the bodies."""

    failing = False
    bodies: list = []
    lock = threading.Lock()

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        with Receiver.lock:
            Receiver.bodies.append(body.decode())
        status = 500 if Receiver.failing else 200
        answer = b'{"error":"receiver is down"}' if status == 500 else b'{"received":true}'
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def receiver():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/hooks"
    server.shutdown()


@pytest.fixture(scope="module")
def dev(herald_bin, tmp_path_factory):
    flags = ["--retry", "1s,2s"]
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    saved = os.environ.get("XDG_STATE_HOME")
    if bootstrap:
        # The keys herald dev keeps for a real cluster go to a scratch directory.
        os.environ["XDG_STATE_HOME"] = str(tmp_path_factory.mktemp("state"))
        flags += ["--kafka", bootstrap]
    try:
        proc, exports = start_dev(herald_bin, *flags)
    finally:
        if saved is None:
            os.environ.pop("XDG_STATE_HOME", None)
        else:
            os.environ["XDG_STATE_HOME"] = saved
    yield exports
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: tests/setup installs Debian's chromium")
    with sync_playwright() as p:
        args = ["--no-sandbox"] if os.geteuid() == 0 else []
        b = p.chromium.launch(executable_path=CHROMIUM, args=args)
        yield b
        b.close()


def new_page(browser, problems: list) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, color_scheme="light")
    context.set_default_timeout(20_000)
    page = context.new_page()
    # A script error or a blocked resource (e.g. by the CSP) is a bug the console must not have.
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
            if m.type == "error" and "Content Security Policy" in m.text else None)
    return page


# What the walkthrough made, for the portal test.
WALKED = {}


def has_console_api(exports) -> bool:
    """Whether this herald serves the console's identity and portal routes."""
    try:
        api(exports, "GET", "/v1/whoami")
        return True
    except urllib.error.HTTPError as e:
        if e.code == 404:
            return False
        raise


def api(exports, method, path, body=None, key=None):
    req = urllib.request.Request(
        exports["HERALD_HTTP"] + path, method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"authorization": f"Bearer {key or exports['HERALD_ROOT_KEY']}",
                 "content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        text = r.read()
        return json.loads(text) if text else None


def check(page: Page, name: str, save=True):
    """No serious or critical axe violation on the page; then a 1280×800 screenshot."""
    expect(page.locator("p.loading, .pending")).to_have_count(0)
    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, f"axe on {name}: " + "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}" for v in bad)
    if not save:
        return
    SHOTS.mkdir(parents=True, exist_ok=True)
    # Toasts of earlier steps would cover the page (the screenshot `style` option is an inline
    # style, which the console's CSP rightly refuses).
    page.evaluate("document.getElementById('toasts').replaceChildren()")
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def nav(page: Page, name: str):
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()
    expect(page.locator("main h1")).to_be_visible()


def refresh_until(page: Page, locator, timeout_ms=SLOW):
    """Clicks the page's Refresh button until `locator` shows (deliveries are asynchronous)."""
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        try:
            expect(locator.first).to_be_visible(timeout=3_000)
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            page.get_by_role("button", name="Refresh").click()


def test_console_walkthrough(dev, browser, receiver):
    problems = []
    page = new_page(browser, problems)
    team = "console" + os.urandom(3).hex()
    base = dev["HERALD_HTTP"] + "/console/"

    # Sign in with the root key; the key never reaches the address bar.
    page.goto(base)
    expect(page.get_by_role("heading", name="Sign in to Herald")).to_be_visible()
    check(page, "sign-in")
    page.get_by_label("API key").fill(dev["HERALD_ROOT_KEY"])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Overview", exact=True)).to_be_visible()
    assert dev["HERALD_ROOT_KEY"] not in page.url
    assert dev["HERALD_ROOT_KEY"] in page.evaluate("Object.values(sessionStorage)")
    assert page.evaluate("localStorage.length") == 0

    # A team and a topic.
    nav(page, "Teams")
    # Dialogs are modal: focus starts inside, Escape closes, focus returns to the opener.
    opener = page.get_by_role("button", name="New team").first
    opener.click()
    dialog = page.get_by_role("dialog", name="New team")
    expect(dialog.get_by_label("Name", exact=True)).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(opener).to_be_focused()
    opener.click()
    dialog.get_by_label("Name", exact=True).fill(team)
    dialog.get_by_label("Display name").fill("Console walkthrough")
    dialog.get_by_role("button", name="Create team").click()
    expect(page).to_have_url(re.compile(f"#/t/{team}$"))
    nav(page, "Topics")
    page.get_by_role("button", name="New topic").first.click()
    dialog = page.get_by_role("dialog", name="New topic")
    dialog.get_by_label("Name").fill("orders")
    dialog.get_by_label("Partitions").fill("1")
    dialog.get_by_role("button", name="Create topic").click()
    page.get_by_role("link", name="orders", exact=True).click()
    expect(page.get_by_role("heading", name="orders")).to_be_visible()
    expect(page.get_by_role("table", name="Partitions")).to_be_visible()

    # A subscription to the local receiver; the signing secret is shown once.
    nav(page, "Subscriptions")
    page.get_by_role("button", name="New subscription").first.click()
    dialog = page.get_by_role("dialog", name="New subscription")
    dialog.get_by_label("Endpoint URL").fill(receiver)
    expect(dialog.get_by_label("orders")).to_be_checked()
    dialog.get_by_label("Description").fill("orders to the test receiver")
    dialog.get_by_role("button", name="Create subscription").click()
    secret = page.get_by_role("dialog", name="Signing secret")
    expect(secret.get_by_label("Secret", exact=True)).to_have_value(re.compile(r"^whsec_"))
    expect(secret.get_by_role("button", name="Copy secret")).to_be_visible()
    secret.get_by_role("button", name="I have copied it").click()
    expect(page.get_by_role("heading", name=receiver)).to_be_visible()
    sub_url = page.url

    # Publish from the live tail while it streams the topic.
    nav(page, "Live tail")
    page.get_by_label("Topic").select_option("orders")
    page.get_by_role("button", name="Start").click()
    expect(page.get_by_role("status").filter(has_text="live")).to_be_visible()
    page.get_by_label("Event type", exact=True).fill("order.created")
    page.get_by_label("Data (JSON)").fill('{"order": 1}')
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text(re.compile(r"^Published .* to partition 0"))).to_be_visible()
    events = page.get_by_role("list", name="Events received")
    expect(events.get_by_text("order.created")).to_be_visible(timeout=SLOW)
    expect(events.get_by_text('"order": 1')).to_be_visible()
    check(page, "live-tail")
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("status").filter(has_text="paused")).to_be_visible()
    page.get_by_role("button", name="Resume").click()
    expect(page.get_by_role("status").filter(has_text="live")).to_be_visible()

    # The delivery in the attempt log, with what was sent and what came back.
    page.goto(sub_url)
    page.get_by_role("link", name="Attempts").click()
    page.get_by_label("Auto-refresh").check()
    expect(page.get_by_role("cell", name="succeeded").first).to_be_visible(timeout=SLOW)
    page.get_by_label("Auto-refresh").uncheck()
    page.get_by_role("button", name=re.compile("^Details of attempt")).first.click()
    expect(page.get_by_role("heading", name=re.compile("^Response"))).to_be_visible()
    expect(page.get_by_text('"received": true')).to_be_visible()
    check(page, "attempts")
    assert '{"order":1}' in Receiver.bodies, Receiver.bodies

    # The receiver fails: after the retries the event is a dead letter.
    Receiver.failing = True
    failed = api(dev, "POST", f"/v1/topics/{team}/orders/events", {"type": "order.failed", "data": {"order": 2}})
    page.get_by_role("link", name="Dead letters").click()
    refresh_until(page, page.get_by_role("cell", name="order.failed"))
    page.get_by_role("button", name=f"Details of dead letter {failed['id']}").click()
    expect(page.get_by_text('"order": 2')).to_be_visible()
    check(page, "dead-letters")

    # Redeliver it with the receiver healthy; its attempts end in success.
    Receiver.failing = False
    page.get_by_role("checkbox", name=f"Select event {failed['id']}").check()
    page.get_by_role("button", name="Redeliver selected").click()
    expect(page.get_by_text("Redelivering 1 event")).to_be_visible()
    page.get_by_role("link", name=failed["id"]).first.click()
    expect(page.get_by_text("Every attempt of event")).to_be_visible()
    expect(page.get_by_role("cell", name="dead lettered").first).to_be_visible()
    refresh_until(page, page.get_by_role("cell", name="succeeded"))
    assert Receiver.bodies.count('{"order": 2}') >= 4, Receiver.bodies  # three failures, one success

    # Health over the last hour, and the settings form.
    page.get_by_role("link", name="Health").click()
    expect(page.get_by_role("heading", name="Last hour").or_(page.get_by_text("not available"))).to_be_visible()
    check(page, "subscription-health")

    # Pause and resume, rotate the secret (shown once), send a test event and follow it.
    state = page.locator("main .meta .pill")
    page.get_by_role("button", name="Pause", exact=True).click()
    expect(state).to_have_text("paused")
    page.get_by_role("button", name="Resume", exact=True).click()
    expect(state).to_have_text("active")
    page.get_by_role("button", name="Rotate secret").click()
    page.get_by_role("dialog", name="Rotate signing secret").get_by_role("button", name="Rotate", exact=True).click()
    shown = page.get_by_role("dialog", name="New signing secret")
    expect(shown.get_by_label("Secret", exact=True)).to_have_value(re.compile(r"^whsec_"))
    shown.get_by_role("button", name="I have copied it").click()
    if has_console_api(dev):
        page.get_by_role("button", name="Send test event").click()
        page.get_by_role("link", name="See its attempts").click()
        expect(page.get_by_text("Every attempt of event")).to_be_visible()
        refresh_until(page, page.get_by_role("cell", name="succeeded"))
        assert any('"test event from Herald"' in b for b in Receiver.bodies), Receiver.bodies
        page.get_by_role("link", name="Health").click()
    page.get_by_role("link", name="Settings").click()
    page.get_by_label("Description").fill("orders to the test receiver (edited)")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("orders to the test receiver (edited)")).to_be_visible()

    # The other pages an operator opens.
    # An API key, its secret shown once, and a grant to another team.
    nav(page, "Keys and grants")
    page.get_by_role("button", name="New API key").click()
    dialog = page.get_by_role("dialog", name="New API key")
    dialog.get_by_label("Name").fill("checkout-service")
    dialog.get_by_role("button", name="Create key").click()
    shown = page.get_by_role("dialog", name=re.compile("^API key"))
    expect(shown.get_by_label("Secret", exact=True)).to_have_value(re.compile(r"^hk_"))
    shown.get_by_role("button", name="I have copied it").click()
    expect(page.get_by_role("cell", name="checkout-service", exact=True)).to_be_visible()
    page.get_by_role("button", name="New grant").click()
    dialog = page.get_by_role("dialog", name="New grant")
    dialog.get_by_label("Team that may read it").fill("demo")
    dialog.get_by_role("button", name="Create grant").click()
    expect(page.get_by_role("cell", name="demo", exact=True)).to_be_visible()

    # A second, paused subscription with an event filter, so the lists show more than one state.
    other = api(dev, "POST", f"/v1/teams/{team}/subscriptions", {
        "url": "https://billing.example.com/hooks/herald", "topics": ["orders"], "events": ["invoice.*"],
        "description": "invoices to billing"})["subscription"]
    api(dev, "POST", f"/v1/teams/{team}/subscriptions/{other['id']}/pause")

    nav(page, "Teams")
    check(page, "teams")
    page.get_by_role("link", name=team, exact=True).click()
    for name, shot in [("Overview", "overview"), ("Subscriptions", "subscriptions"), ("Topics", "topics"),
                       ("Replay", "replay"), ("Keys and grants", "keys-and-grants"), ("Team portal link", None)]:
        nav(page, name)
        check(page, shot or name, save=shot is not None)
        if name == "Topics":
            page.get_by_role("link", name="orders", exact=True).click()
            expect(page.get_by_role("table", name="Partitions")).to_be_visible()
            check(page, "topic")
    page.get_by_role("button", name="Create portal link").click()
    made = page.get_by_role("textbox", name="Portal link")
    expect(made.or_(page.get_by_text("Portal links are not available"))).to_be_visible()
    if has_console_api(dev):
        expect(made).to_have_value(re.compile(r"/console/#portal=hk_"))
    check(page, "portal-link")
    nav(page, "Replay")
    page.get_by_label("To subscription").select_option(sub_url.rsplit("/", 1)[1])
    page.get_by_role("button", name="Replay").click()
    expect(page.get_by_text(re.compile(r"queued for redelivery"))).to_be_visible()
    assert not problems, problems
    WALKED.update(team=team, receiver=receiver)


def test_console_portal_link_shows_only_its_team(dev, browser):
    """A team portal link shows only its team and drops the token from the address bar."""
    if not WALKED:
        pytest.skip("needs the team and subscription of test_console_walkthrough")
    if not has_console_api(dev):
        pytest.skip("this herald has no /v1/whoami or portal tokens (the console-api routes)")
    team, receiver = WALKED["team"], WALKED["receiver"]
    problems = []
    minted = api(dev, "POST", f"/v1/teams/{team}/portal-tokens", {"name": "customer portal"})
    assert minted["console_path"].startswith("/console/#portal=")
    portal = new_page(browser, problems)
    portal.goto(dev["HERALD_HTTP"] + minted["console_path"])
    expect(portal.get_by_role("heading", name="Overview", exact=True)).to_be_visible()
    assert "portal=" not in portal.url and minted["token"] not in portal.url
    expect(portal.get_by_role("banner").get_by_text(team)).to_be_visible()
    menu = portal.get_by_role("navigation", name="Main")
    expect(menu.get_by_role("link", name="Subscriptions")).to_be_visible()
    for hidden in ["Teams", "Keys and grants", "Team portal link", "Topics"]:
        expect(menu.get_by_role("link", name=hidden, exact=True)).to_have_count(0)
    expect(portal.get_by_role("link", name=receiver)).to_be_visible()
    check(portal, "portal")
    portal.get_by_role("link", name=receiver).click()
    expect(portal.get_by_role("heading", name="Last hour")).to_be_visible()
    expect(portal.get_by_role("img", name=re.compile("^Attempts over the window"))).to_be_visible()
    # The dark theme (prefers-color-scheme) passes the same checks.
    portal.emulate_media(color_scheme="dark")
    check(portal, "portal-subscription-dark")
    portal.goto(dev["HERALD_HTTP"] + "/console/#/t/demo/subscriptions")
    expect(portal.get_by_role("alert")).to_contain_text(f"limited to team {team}")
    portal.goto(dev["HERALD_HTTP"] + "/console/#/teams")
    expect(portal.get_by_role("heading", name="Page not found")).to_be_visible()
    # Revoked, the link stops working and the console says so.
    api(dev, "DELETE", f"/v1/teams/{team}/keys/{minted['key']['id']}")
    portal.reload()
    expect(portal.get_by_role("heading", name="Sign in to Herald")).to_be_visible()
    expect(portal.get_by_role("alert")).to_contain_text("ask for a new one")
    assert not problems, problems


def test_console_headers(dev):
    """The console's own answers: types, a strict CSP and 404 for unknown files."""
    http_base = dev["HERALD_HTTP"]
    with urllib.request.urlopen(http_base + "/console/", timeout=10) as r:
        csp = r.headers["content-security-policy"]
        assert r.headers["content-type"] == "text/html; charset=utf-8"
        assert r.headers["x-content-type-options"] == "nosniff"
    assert "script-src 'self';" in csp and "unsafe" not in csp
    with urllib.request.urlopen(http_base + "/console/config.json", timeout=10) as r:
        assert json.load(r) == {"edge_url": "", "ingest_url": ""}
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(http_base + "/console/missing.js", timeout=10)
    assert e.value.code == 404
