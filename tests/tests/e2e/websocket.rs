//! The edge's WebSocket in a real browser: headless Chromium's own `WebSocket` reads a topic,
//! the edge restarts (the second time without the lean HTTP/1 path, so the upgrade goes through
//! hyper), and the page resumes from its last cursor with every event exactly once.

use std::sync::Arc;
use std::time::Duration;

use herald_tests::edge::{Fixture, RunningEdge};

use crate::edge::{BrowserPage, publish_ledger};

/// docs/streams.md's WebSocket client: a fresh token per connection, `last_event_id` from the
/// last frame's `id`, reconnect whenever the socket closes.
const WS_PAGE: &str = r#"<!doctype html><html><body><script>
const params = new URLSearchParams(location.search);
const stream = params.get('stream'), key = params.get('key');
function report(o) { fetch('/report', {method: 'POST', body: JSON.stringify(o)}); }
let last = null;
async function open() {
  let token;
  try {
    const minted = await fetch(stream + '/token', {method: 'POST', headers: {authorization: 'Bearer ' + key}});
    token = (await minted.json()).token;
  } catch (e) { setTimeout(open, 200); return; }
  const url = new URL(stream.replace(/^http/, 'ws'));
  url.searchParams.set('access_token', token);
  if (last) url.searchParams.set('last_event_id', last);
  const ws = new WebSocket(url);
  ws.onopen = () => report({kind: 'open'});
  ws.onmessage = (m) => {
    const frame = JSON.parse(m.data);
    if (frame.id) last = frame.id;
    if (frame.type === 'browser.event') report({kind: 'event', data: frame.data});
  };
  ws.onclose = (e) => { report({kind: 'refused', code: e.code}); setTimeout(open, 200); };
}
open();
</script></body></html>"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn browser_websocket_resumes_exactly_once_across_restarts() {
    let fx = Arc::new(Fixture::new(3, &[]).await);
    let mut config = fx.config();
    config.cors_origins = vec!["*".into()];
    let edge = RunningEdge::start(config.clone(), fx.handle.clone(), None).await;
    let edge_addr = edge.addr;
    let page = BrowserPage::open(
        WS_PAGE,
        &[("stream", &edge.url(&fx.path())), ("key", &fx.sub_key)],
    )
    .await;
    assert!(
        page.wait_for(|r| r.opens >= 1).await,
        "the WebSocket opened"
    );
    let mut ledger = Vec::new();
    publish_ledger(&fx, &mut ledger, 0..30).await;
    assert!(
        page.wait_for(|r| r.events.len() >= 30).await,
        "the browser received the first events"
    );

    // Restart on the same port, now without the lean path: the handshake goes through hyper.
    edge.stop().await;
    publish_ledger(&fx, &mut ledger, 30..60).await;
    config.lean_http1 = false;
    let edge = RunningEdge::start(config.clone(), fx.handle.clone(), Some(edge_addr)).await;
    for n in 60..80 {
        publish_ledger(&fx, &mut ledger, n..n + 1).await;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        page.wait_for(|r| r.events.len() >= 80 && r.opens >= 2 && r.refused >= 1)
            .await,
        "the page was told to reconnect, resumed, and got every event"
    );

    // And back to the lean path, with events published while the page is away.
    edge.stop().await;
    publish_ledger(&fx, &mut ledger, 80..100).await;
    config.lean_http1 = true;
    let edge = RunningEdge::start(config, fx.handle.clone(), Some(edge_addr)).await;
    assert!(
        page.wait_for(|r| r.events.len() >= 100 && r.opens >= 3)
            .await,
        "resumed again"
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    page.assert_exactly_once(&ledger).await;
    drop(page);
    edge.stop().await;
}
