//! Payload-filter cost per event: `cargo bench -p herald-core --bench filter`.
//!
//! Parses each expression once (as a subscription or stream does), then evaluates it against a
//! ~300-byte JSON event many times and prints nanoseconds per evaluation. No timed assertion:
//! the figure goes to docs/benchmarks.md.

use std::hint::black_box;
use std::time::Instant;

use herald_core::{EventView, Filter};

const DATA: &str = r#"{"order_id":"ord_01HZX3","amount":129.9,"currency":"EUR","customer":{"id":"cus_42","tier":"gold","country":"FR"},"items":[{"sku":"sku-1","qty":2},{"sku":"sku-9","qty":1}],"tags":["vip","new"],"channel":"web"}"#;

const CASES: [(&str, &str); 4] = [
    (
        "attributes only",
        "type.startsWith('order.') && source == '/shop/eu'",
    ),
    ("one data field", "data.amount > 100"),
    (
        "typical (type, data, in)",
        "type == 'order.created' && data.amount >= 100 && data.customer.tier in ['gold', 'platinum']",
    ),
    (
        "heavier (has, strings, array)",
        "has(data.customer.country) && data.customer.country in ['FR', 'DE'] && 'vip' in data.tags && data.items[0].sku.startsWith('sku-') || subject.endsWith('/42')",
    ),
];

fn main() {
    let iterations: u32 = std::env::var("BENCH_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let event = EventView {
        id: "01HZX3K5R4W8Y2V6B9N0M1Q7T",
        event_type: "order.created",
        source: "/shop/eu",
        subject: Some("order/42"),
        time: Some("2026-01-02T03:04:05Z"),
        key: Some("cus_42"),
        data: DATA.as_bytes(),
    };
    println!(
        "payload {} bytes, {iterations} evaluations per case",
        DATA.len()
    );
    for (name, expr) in CASES {
        let filter = match Filter::parse(expr) {
            Ok(f) => f,
            Err(e) => {
                eprintln!("{name}: {e}");
                std::process::exit(1);
            }
        };
        let mut matched = 0u32;
        let start = Instant::now();
        for _ in 0..iterations {
            matched += u32::from(filter.matches(black_box(&event)));
        }
        let per = start.elapsed().as_nanos() as f64 / f64::from(iterations);
        println!("{name:32} {per:8.0} ns/event  (matched {matched})");
    }
}
