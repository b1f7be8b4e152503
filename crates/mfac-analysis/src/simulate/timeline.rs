//! The users' decisions over time: at the start, then at every date where a
//! decision can change, with who becomes blocked then.

use super::*;

/// The users' decisions at one instant of the timeline.
#[derive(Clone, Debug)]
pub struct Point {
    pub at: Timestamp,
    pub events: Vec<Event>,
    /// Per user (directory order).
    pub snapshots: Vec<Snapshot>,
    /// Directory indexes of the users whose decision became `enrol` here;
    /// at the timeline's first point, everyone already blocked then.
    pub newly_blocked: Vec<usize>,
}

impl Point {
    pub fn counts(&self) -> BTreeMap<&'static str, usize> {
        counts(self.snapshots.iter().copied())
    }
}

fn blocked(snapshots: &[Snapshot]) -> Vec<usize> {
    snapshots
        .iter()
        .enumerate()
        .filter(|(_, s)| s.outcome == Outcome::Enrol)
        .map(|(i, _)| i)
        .collect()
}

/// The decisions at `from`, then at every event in `(from, to]`.
pub fn timeline(
    policy: &Policy,
    dir: &Directory,
    app: Option<&str>,
    from: Timestamp,
    to: Timestamp,
) -> Vec<Point> {
    let decide_all = |at: Timestamp| -> Vec<Snapshot> {
        dir.users
            .iter()
            .map(|u| Snapshot::of(&decide_user(policy, u, at, app)))
            .collect()
    };
    let first = decide_all(from);
    let already = blocked(&first);
    let mut points = vec![Point {
        at: from,
        events: Vec::new(),
        snapshots: first,
        newly_blocked: already,
    }];
    for (at, events) in events(policy).range(from..=to) {
        if *at == from {
            if let Some(first) = points.first_mut() {
                first.events.clone_from(events);
            }
            continue;
        }
        let snapshots = decide_all(*at);
        let prev = points.last().map(|p| &p.snapshots);
        let newly_blocked = snapshots
            .iter()
            .enumerate()
            .filter(|(i, s)| {
                s.outcome == Outcome::Enrol
                    && prev
                        .and_then(|p| p.get(*i))
                        .is_some_and(|b| b.outcome != Outcome::Enrol)
            })
            .map(|(i, _)| i)
            .collect();
        points.push(Point {
            at: *at,
            events: events.clone(),
            snapshots,
            newly_blocked,
        });
    }
    points
}

#[cfg(test)]
mod timeline_tests {
    use super::*;
    use crate::directory::{parse, Format};
    use mfac_core::source::SourceFile;
    use mfac_lang::Compile as _;

    #[test]
    fn users_become_blocked_when_the_grace_ends() {
        let p = Policy::compile(
            "p.mfa",
            r#"default { enforcement optional factors totp | webauthn }
               exempt user "b" until 2026-12-20 reason "travel"
               rollout "r" { applies default on 2026-12-01 enforcement required enrolment grace 14d }"#,
        )
        .unwrap();
        let dir = parse(
            &SourceFile::new(
                "d.yaml",
                "users:\n  - id: a\n    factors: [totp]\n  - id: b\n  - id: c\n",
            ),
            Format::Yaml,
        )
        .unwrap();
        let at = |s: &str| s.parse::<Timestamp>().unwrap();
        let t = timeline(
            &p,
            &dir,
            None,
            at("2026-11-01T00:00:00Z"),
            at("2027-01-01T00:00:00Z"),
        );
        let dates: Vec<Timestamp> = t.iter().map(|p| p.at).collect();
        assert_eq!(
            dates,
            [
                at("2026-11-01T00:00:00Z"),
                at("2026-12-01T00:00:00Z"),
                at("2026-12-15T00:00:00Z"),
                at("2026-12-20T00:00:00Z"),
            ]
        );
        assert_eq!(
            t[2].events,
            [Event::GraceEnds {
                rollout: "r".into()
            }]
        );
        // c is blocked when the grace ends; b (exempt until the 20th) then.
        assert_eq!(t[2].newly_blocked, [2]);
        assert_eq!(t[3].newly_blocked, [1]);
        assert_eq!(t[3].counts()["enrol"], 2);
    }
}
