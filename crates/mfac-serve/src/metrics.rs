//! Prometheus text exposition, by hand: a few counters and one latency
//! histogram per route are all the service needs, and a registry crate
//! would be the largest dependency here.

use mfac_core::Outcome;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// The service's metrics; each family is a map from its label set, written
/// as Prometheus labels, to a count.
///
/// Decisions, counted on every `/v1/decide` and login, are atomics by
/// outcome instead: no label text built, no lock taken.
#[derive(Default)]
pub struct Metrics {
    counters: Mutex<BTreeMap<(&'static str, String), u64>>,
    latency: Mutex<BTreeMap<String, Histogram>>,
    /// By position in [`Outcome::ALL`].
    decisions: [AtomicU64; Outcome::ALL.len()],
}

/// The family [`Metrics::decision`] counts in.
const DECISIONS: &str = "mfac_decisions_total";

/// The families, with their help text, in the order they are printed.
const FAMILIES: [(&str, &str); 7] = [
    ("mfac_decisions_total", "Decisions, by outcome."),
    (
        "mfac_verifications_total",
        "Verifications, by factor and result.",
    ),
    (
        "mfac_lockouts_total",
        "Verifications that locked a user out.",
    ),
    ("mfac_reloads_total", "Policy reloads, by result."),
    (
        "mfac_audit_write_failures_total",
        "Requests refused because the store (and its audit) could not be written.",
    ),
    (
        "mfac_http_responses_total",
        "Responses, by route and status.",
    ),
    (
        "mfac_swept_total",
        "Expired state the sweep deleted: logins, ceremonies, enrolments.",
    ),
];

/// A label value, escaped as the text format wants.
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// `name="value",...` from pairs.
pub fn labels(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
        .collect::<Vec<_>>()
        .join(",")
}

impl Metrics {
    pub fn count(&self, family: &'static str, labels: String) {
        self.add(family, labels, 1);
    }

    pub fn add(&self, family: &'static str, labels: String, n: u64) {
        if let Ok(mut c) = self.counters.lock() {
            *c.entry((family, labels)).or_insert(0) += n;
        }
    }

    /// One decision with this outcome.
    pub fn decision(&self, outcome: Outcome) {
        let at = Outcome::ALL.iter().position(|&o| o == outcome);
        if let Some(n) = at.and_then(|i| self.decisions.get(i)) {
            n.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The decision counts as the other counters are kept: by label text.
    fn decision_counts(&self) -> impl Iterator<Item = ((&'static str, String), u64)> + '_ {
        Outcome::ALL
            .iter()
            .zip(&self.decisions)
            .map(|(o, n)| (o, n.load(Ordering::Relaxed)))
            .filter(|&(_, n)| n > 0)
            .map(|(o, n)| ((DECISIONS, labels(&[("outcome", o.name())])), n))
    }

    pub fn observe(&self, route: &str, seconds: f64) {
        if let Ok(mut l) = self.latency.lock() {
            let h = l.entry(route.to_string()).or_default();
            for (i, b) in BUCKETS.iter().enumerate() {
                if seconds <= *b {
                    if let Some(c) = h.counts.get_mut(i) {
                        *c += 1;
                    }
                }
            }
            h.count += 1;
            h.sum += seconds;
        }
    }

    /// The text format (version 0.0.4).
    pub fn render(&self) -> String {
        let mut o = String::new();
        if let Ok(c) = self.counters.lock() {
            let mut c = c.clone();
            c.extend(self.decision_counts());
            for (family, help) in FAMILIES {
                let _ = writeln!(o, "# HELP {family} {help}\n# TYPE {family} counter");
                let mut any = false;
                for ((f, l), n) in c.iter() {
                    if *f == family {
                        any = true;
                        if l.is_empty() {
                            let _ = writeln!(o, "{family} {n}");
                        } else {
                            let _ = writeln!(o, "{family}{{{l}}} {n}");
                        }
                    }
                }
                if !any && !family.ends_with("responses_total") {
                    // A family with no event yet still reads as zero.
                    let _ = writeln!(o, "{family} 0");
                }
            }
        }
        let name = "mfac_http_request_duration_seconds";
        let _ = writeln!(
            o,
            "# HELP {name} Request latency, by route.\n# TYPE {name} histogram"
        );
        if let Ok(l) = self.latency.lock() {
            for (route, h) in l.iter() {
                let r = escape(route);
                for (b, n) in BUCKETS.iter().zip(h.counts.iter()) {
                    let _ = writeln!(o, "{name}_bucket{{route=\"{r}\",le=\"{b}\"}} {n}");
                }
                let _ = writeln!(o, "{name}_bucket{{route=\"{r}\",le=\"+Inf\"}} {}", h.count);
                let _ = writeln!(o, "{name}_sum{{route=\"{r}\"}} {}", h.sum);
                let _ = writeln!(o, "{name}_count{{route=\"{r}\"}} {}", h.count);
            }
        }
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_and_histograms_render_as_prometheus_text() {
        let m = Metrics::default();
        m.decision(Outcome::Allow);
        m.decision(Outcome::Allow);
        m.decision(Outcome::EnrolOrSkip);
        m.observe("/v1/decide", 0.0007);
        m.count("mfac_lockouts_total", String::new());
        let t = m.render();
        // Unlabelled: no empty braces.
        assert!(t.contains("\nmfac_lockouts_total 1\n"), "{t}");
        assert!(
            t.contains("mfac_decisions_total{outcome=\"allow\"} 2\nmfac_decisions_total{outcome=\"enrol_or_skip\"} 1\n"),
            "{t}"
        );
        assert!(!t.contains("outcome=\"deny\""), "{t}");
        assert!(t.contains("mfac_reloads_total 0"), "{t}");
        assert!(t.contains(
            "mfac_http_request_duration_seconds_bucket{route=\"/v1/decide\",le=\"0.0005\"} 0"
        ));
        assert!(t.contains(
            "mfac_http_request_duration_seconds_bucket{route=\"/v1/decide\",le=\"0.001\"} 1"
        ));
        assert!(t.contains("mfac_http_request_duration_seconds_count{route=\"/v1/decide\"} 1"));
    }
}
