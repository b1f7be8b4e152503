//! The instants of a policy where a decision can change: rollout phase
//! dates, grace deadlines and exemption ends, with what happens then.

use crate::eval::Policy;
use jiff::Timestamp;
use std::collections::BTreeMap;

/// Something that happens on a date of the timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A rollout phase starts.
    Phase { rollout: String },
    /// A grace period that a phase of this rollout started ends.
    GraceEnds { rollout: String },
    /// An exemption ends.
    ExemptionEnds { user: String },
}

impl std::fmt::Display for Event {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Event::Phase { rollout } => write!(f, "rollout {rollout:?} phase"),
            Event::GraceEnds { rollout } => write!(f, "rollout {rollout:?} grace ends"),
            Event::ExemptionEnds { user } => write!(f, "exemption of {user} ends"),
        }
    }
}

/// Every instant where some decision may change: phase dates, grace
/// deadlines, exemption ends, with what happens then.
pub fn events(policy: &Policy) -> BTreeMap<Timestamp, Vec<Event>> {
    let t = policy.tables();
    let mut m: BTreeMap<Timestamp, Vec<Event>> = BTreeMap::new();
    let mut push = |at: Timestamp, e: Event| {
        let v = m.entry(at).or_default();
        if !v.contains(&e) {
            v.push(e);
        }
    };
    for p in &t.phases {
        push(
            p.at,
            Event::Phase {
                rollout: p.rollout.clone(),
            },
        );
    }
    for s in &t.settings {
        if let Some(d) = s.deadline {
            let rollout = s
                .phase
                .and_then(|i| t.phases.get(i as usize))
                .map_or_else(String::new, |p| p.rollout.clone());
            push(d, Event::GraceEnds { rollout });
        }
    }
    for e in &t.exemptions {
        push(
            e.until,
            Event::ExemptionEnds {
                user: e.user.clone(),
            },
        );
    }
    m
}
