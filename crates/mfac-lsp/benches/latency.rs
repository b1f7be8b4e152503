//! The editor's latency, against its budget (diagnostics within 300 ms of
//! a change, 600 ms when a counterexample is searched; hover and
//! completion within 50 ms), through the real
//! server over an in-memory connection: a generated policy of 1,000 groups
//! (mfac-testing's `sized::policy`, as `cargo bench --bench prove` uses)
//! with ten assertions that hold.
//!
//! - diagnostics after a change, from the change sent to the diagnostics
//!   received: a comment typed (the meaning unchanged: every proof
//!   answered from the memo), an assertion edited, a rule changed (every
//!   proof again), and an assertion made to fail (its counterexample
//!   searched);
//! - hover and completion, from the request to the answer.
//!
//! `cargo bench -p mfac-lsp --bench latency`. One run, release; each
//! figure is the median of ROUNDS rounds (default 7; `MFAC_BENCH_ROUNDS`),
//! with the slowest beside it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../tests/common/mod.rs"]
mod common;

use common::*;
use lsp_types::request as req;
use lsp_types::*;
use std::time::{Duration, Instant};

/// Ten properties that hold of `sized::policy(1000, 10)`.
const HOLDING: &str = r#"
assert "privileged required" { for privileged always enforcement required }
assert "privileged keys" { for privileged always factors within webauthn }
assert "privileged not remembered" { for privileged always remember never }
assert "everyone asked" { for everyone always enforcement optional }
assert "no recovery" { for everyone never recovery }
assert "g10 not remembered" { for members of group "g10" always remember never }
assert "g103 required" { for members of group "g103" always enforcement required }
assert "g106 required" { for members of group "g106" always enforcement required }
assert "app0 required" { for everyone in app "app0" always enforcement required }
assert "app1 keys or codes" { for everyone in app "app1" always factors within webauthn | totp | sms }
"#;

fn rounds() -> usize {
    std::env::var("MFAC_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(7)
}

/// The median and the slowest of `n` timings of `f`.
fn timed(n: usize, mut f: impl FnMut(usize)) -> (Duration, Duration) {
    let mut all: Vec<Duration> = (0..n)
        .map(|i| {
            let t = Instant::now();
            f(i);
            t.elapsed()
        })
        .collect();
    all.sort();
    (all[all.len() / 2], all[all.len() - 1])
}

fn line(what: &str, budget_ms: u64, (median, worst): (Duration, Duration)) {
    let verdict = if median <= Duration::from_millis(budget_ms) {
        "within"
    } else {
        "OVER"
    };
    println!(
        "{what:<52} median {:>7.1} ms  slowest {:>7.1} ms  budget {budget_ms} ms: {verdict}",
        median.as_secs_f64() * 1e3,
        worst.as_secs_f64() * 1e3
    );
}

/// The text still parses: a benchmark of a broken file would measure the
/// wrong thing (no proofs run past a syntax error).
fn checks(found: &[Diagnostic]) {
    let syntax = NumberOrString::String("E001".into());
    assert!(
        !found.iter().any(|d| d.code.as_ref() == Some(&syntax)),
        "{found:#?}"
    );
}

fn main() {
    let text = format!("{}{HOLDING}", mfac_testing::sized::policy(1000, 10));
    let mut c = Client::start();
    let u = uri("big.mfa");
    let t = Instant::now();
    let found = c.open(&u, &text);
    println!(
        "1,000 groups, ten assertions: {} lines, {} findings; opened in {:.0} ms",
        text.lines().count(),
        found.len(),
        t.elapsed().as_secs_f64() * 1e3
    );
    let failing: Vec<&str> = found
        .iter()
        .filter(|d| d.code == Some(NumberOrString::String("E029".into())))
        .map(|d| d.message.as_str())
        .collect();
    assert!(failing.is_empty(), "assertions fail: {failing:#?}");
    let end = position_of_end(&text);
    let mut version = 1;
    let n = rounds();

    // A comment typed at the end, a character at a time: the policy
    // means the same.
    version += 1;
    c.change(&u, version, Some(Range::new(end, end)), "#");
    checks(&c.diagnostics(&u, version));
    let comment = timed(n, |i| {
        version += 1;
        let at = Position::new(end.line, end.character + 1 + i as u32);
        c.change(&u, version, Some(Range::new(at, at)), "x");
        checks(&c.diagnostics(&u, version));
    });
    line("diagnostics after a comment is typed", 300, comment);

    // An assertion's bound edited: the rest answered from the memo.
    let (l, ch) = find(&text, "app0", 1, 0);
    let assertion = timed(n, |i| {
        version += 1;
        let name = if i % 2 == 0 { "app2" } else { "app0" };
        c.change(
            &u,
            version,
            Some(Range::new(Position::new(l, ch), Position::new(l, ch + 4))),
            name,
        );
        checks(&c.diagnostics(&u, version));
    });
    line("diagnostics after an assertion is edited", 300, assertion);

    // A rule changed: its meaning is new, every proof runs again.
    let (l, ch) = find(&text, "enforcement optional", 1, 12);
    let rule = timed(n, |i| {
        version += 1;
        let level = if i % 2 == 0 { "required" } else { "optional" };
        c.change(
            &u,
            version,
            Some(Range::new(Position::new(l, ch), Position::new(l, ch + 8))),
            level,
        );
        checks(&c.diagnostics(&u, version));
    });
    line("diagnostics after a rule is changed", 300, rule);

    // An assertion made to fail and fixed again, in turn.
    let (l, ch) = find(&text, "within webauthn }", 0, 0);
    let failing = timed(n, |i| {
        version += 1;
        let set = if i % 2 == 0 {
            "within totp }"
        } else {
            "within webauthn }"
        };
        let old = if i % 2 == 0 { 17 } else { 13 };
        c.change(
            &u,
            version,
            Some(Range::new(Position::new(l, ch), Position::new(l, ch + old))),
            set,
        );
        let got = c.diagnostics(&u, version);
        checks(&got);
        if i % 2 == 0 {
            assert!(
                got.iter().any(|d| d.message.contains("counterexample")),
                "the assertion fails"
            );
        }
    });
    line(
        "diagnostics after an assertion is made to fail (or back)",
        600,
        failing,
    );

    // Hover on a group, and completion after `factors `.
    let (l, ch) = find(&text, "\"g500\"", 0, 2);
    let hover = timed(n * 3, |_| {
        let got = c.hover(&u, l, ch);
        assert!(got.is_some());
    });
    line("hover on a group name", 50, hover);
    let (l, ch) = find(&text, "factors webauthn | totp | sms }", 0, 8);
    let completion = timed(n * 3, |_| {
        let got = c.request::<req::Completion>(CompletionParams {
            text_document_position: at(&u, l, ch),
            work_done_progress_params: Default::default(),
            partial_result_params: Default::default(),
            context: None,
        });
        assert!(got.is_some());
    });
    line("completion after `factors `", 50, completion);
}
