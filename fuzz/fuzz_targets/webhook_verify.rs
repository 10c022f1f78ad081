//! `herald_core::signing`: the Standard Webhooks `webhook-signature` header parser and
//! verifier (`Verifier::verify`), the signer, and `Secret::parse`, checked against an
//! independent oracle (HMAC-SHA256 computed here with the `hmac` crate).
//!
//! Input: `key=value` lines, then an empty line, then the body:
//!
//! ```text
//! secret=whsec_...      (Secret::parse; when refused, a fixed valid secret is used)
//! id=msg_1              (absent: no webhook-id header)
//! ts=1614265330         (absent: no webhook-timestamp header; verbatim, may be garbage)
//! now=1614265330        (verifier clock; default 0)
//! tolerance=300         (optional Verifier::with_tolerance)
//! sig=v1,{good} v1,{other}   (absent: no webhook-signature header)
//! ```
//!
//! In `sig`, `{good}` expands to the correct base64 signature (per the oracle), `{other}` to
//! one made with a different secret, `{flip}` to the correct one with one bit flipped, and
//! `{signer}` to the full output of `Signer::sign` with the secret and another one.
//!
//! Properties beyond "no panic": `verify` returns exactly the oracle's outcome; in particular it
//! only accepts when the header holds an entry equal to `v1,` + the correct signature (so it
//! never accepts one not made with the secret), and timestamp tolerance is exact. `Signer::sign`
//! agrees with the oracle, and `Secret::parse(s.expose()) == s`.
#![no_main]

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use herald_core::{Secret, SignatureError, Signer, Verifier};
use hmac::{Hmac, Mac};
use libfuzzer_sys::fuzz_target;
use sha2::Sha256;

const FALLBACK_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const OTHER_SECRET: [u8; 32] = [0x5a; 32];

#[derive(Default, Debug)]
struct Input<'a> {
    secret: Option<&'a str>,
    id: Option<&'a str>,
    ts: Option<&'a str>,
    now: Option<&'a str>,
    tolerance: Option<&'a str>,
    sig: Option<&'a str>,
    body: &'a [u8],
}

fn parse(input: &[u8]) -> Option<Input<'_>> {
    let (head, body) = match input.windows(2).position(|w| w == b"\n\n") {
        Some(i) => (&input[..i], &input[i + 2..]),
        None => (input, &[][..]),
    };
    let head = std::str::from_utf8(head).ok()?;
    let mut out = Input {
        body,
        ..Input::default()
    };
    for line in head.split('\n') {
        let (key, value) = line.split_once('=').unwrap_or((line, ""));
        let slot = match key {
            "secret" => &mut out.secret,
            "id" => &mut out.id,
            "ts" => &mut out.ts,
            "now" => &mut out.now,
            "tolerance" => &mut out.tolerance,
            "sig" => &mut out.sig,
            _ => continue,
        };
        *slot = Some(value);
    }
    Some(out)
}

/// The Standard Webhooks signature, computed independently of herald-core.
fn oracle_mac(key: &[u8], id: &str, ts: i64, body: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(format!("{id}.{ts}.").as_bytes());
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}

#[derive(Debug, PartialEq)]
enum Outcome {
    Ok,
    Missing(&'static str),
    InvalidTimestamp,
    OutOfTolerance,
    Malformed,
    NoMatch,
}

fn outcome(r: &Result<(), SignatureError>) -> Outcome {
    match r {
        Ok(()) => Outcome::Ok,
        Err(SignatureError::MissingHeader(h)) => Outcome::Missing(h),
        Err(SignatureError::InvalidTimestamp(_)) => Outcome::InvalidTimestamp,
        Err(SignatureError::TimestampOutOfTolerance { .. }) => Outcome::OutOfTolerance,
        Err(SignatureError::MalformedHeader) => Outcome::Malformed,
        Err(SignatureError::NoMatch) => Outcome::NoMatch,
        Err(SignatureError::InvalidSecret(_)) => panic!("verify returned InvalidSecret"),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some(input) = parse(data) else { return };

    // Secret parsing: any text; accepted secrets round-trip through their exposed form.
    let parsed = input.secret.map(Secret::parse);
    let secret = match parsed {
        Some(Ok(s)) => {
            let exposed = s.expose();
            assert_eq!(Secret::parse(&exposed).as_ref(), Ok(&s));
            assert!((24..=64).contains(&s.as_bytes().len()));
            s
        }
        _ => Secret::parse(FALLBACK_SECRET).unwrap(),
    };
    let key = secret.as_bytes().to_vec();

    let ts_value: Option<i64> = input.ts.and_then(|t| t.trim().parse().ok());
    let now: i64 = input.now.and_then(|t| t.trim().parse().ok()).unwrap_or(0);
    let tolerance: Option<i64> = input.tolerance.and_then(|t| t.trim().parse().ok());
    let id = input.id.unwrap_or("");
    let mac_ts = ts_value.unwrap_or(0);

    let good = STANDARD.encode(oracle_mac(&key, id, mac_ts, input.body));
    let other = STANDARD.encode(oracle_mac(&OTHER_SECRET, id, mac_ts, input.body));
    let mut flipped = oracle_mac(&key, id, mac_ts, input.body);
    flipped[(input.body.len() + id.len()) % 32] ^= 1 << (input.body.len() % 8);
    let flip = STANDARD.encode(flipped);
    let signer = Signer::new(vec![
        Secret::from_bytes(OTHER_SECRET.to_vec()).unwrap(),
        secret.clone(),
    ])
    .sign(id, mac_ts, input.body);
    assert_eq!(
        signer,
        format!("v1,{other} v1,{good}"),
        "Signer disagrees with the oracle"
    );

    let header = input.sig.map(|s| {
        s.replace("{good}", &good)
            .replace("{other}", &other)
            .replace("{flip}", &flip)
            .replace("{signer}", &signer)
    });

    let mut verifier = Verifier::new(secret);
    if let Some(t) = tolerance {
        verifier = verifier.with_tolerance(t);
    }
    let tolerance = tolerance.unwrap_or(300);
    let result = verifier.verify(input.id, input.ts, header.as_deref(), input.body, now);

    // The oracle.
    let expected = if input.id.is_none() {
        Outcome::Missing("webhook-id")
    } else if input.ts.is_none() {
        Outcome::Missing("webhook-timestamp")
    } else if header.is_none() {
        Outcome::Missing("webhook-signature")
    } else if ts_value.is_none() {
        Outcome::InvalidTimestamp
    } else if (i128::from(mac_ts) - i128::from(now)).abs() > i128::from(tolerance) {
        Outcome::OutOfTolerance
    } else {
        let header = header.as_deref().unwrap();
        let wanted = format!("v1,{good}");
        let entries = || header.split_ascii_whitespace();
        if entries().any(|e| e == wanted) {
            Outcome::Ok
        } else if entries().any(|e| {
            e.strip_prefix("v1,")
                .and_then(|b| STANDARD.decode(b).ok())
                .is_some_and(|b| b.len() == 32)
        }) {
            Outcome::NoMatch
        } else {
            Outcome::Malformed
        }
    };
    assert_eq!(
        outcome(&result),
        expected,
        "{input:?} header={header:?} -> {result:?}"
    );
    if let Err(e) = result {
        let _ = e.to_string();
    }
});
