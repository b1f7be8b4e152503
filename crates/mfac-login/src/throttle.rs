//! Throttling failed verifications (docs/api.md, NIST SP 800-63B §5.2.2):
//! after `max_failures` consecutive failures, verification is locked for a
//! back-off that doubles with each repeated lock-out; never more than
//! `hard_limit` failures without a success; a success resets everything.
//! Pure: the store keeps a [`State`] per user and applies these in one
//! transaction, so replicas share it.

use jiff::{SignedDuration, Timestamp};

/// The limits (flags of `mfac serve`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Consecutive failures that lock verification.
    pub max_failures: u32,
    /// The first lock-out; each later one doubles it.
    pub backoff: SignedDuration,
    /// The longest lock-out.
    pub max_backoff: SignedDuration,
    /// Failures without a success after which verification stays locked
    /// until an administrator resets it.
    pub hard_limit: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_failures: 5,
            backoff: SignedDuration::from_secs(60),
            max_backoff: SignedDuration::from_hours(24),
            hard_limit: 100,
        }
    }
}

/// A user's failures since their last success.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct State {
    /// Failures since the last success or lock-out.
    pub consecutive: u32,
    /// Failures since the last success, in all.
    pub total: u32,
    /// Lock-outs since the last success.
    pub lockouts: u32,
    /// Locked until then (exclusive).
    pub locked_until: Option<Timestamp>,
}

/// What a verification may do now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gate {
    Open { attempts_left: u32 },
    Locked { until: Option<Timestamp> },
}

impl Limits {
    /// May a verification be attempted at `now`?
    pub fn gate(&self, s: &State, now: Timestamp) -> Gate {
        if s.total >= self.hard_limit {
            return Gate::Locked { until: None };
        }
        match s.locked_until {
            Some(until) if now < until => Gate::Locked { until: Some(until) },
            _ => Gate::Open {
                attempts_left: self
                    .max_failures
                    .saturating_sub(s.consecutive)
                    .min(self.hard_limit.saturating_sub(s.total)),
            },
        }
    }

    /// The state after a failure at `now`, and whether it started a lock-out.
    pub fn fail(&self, s: &State, now: Timestamp) -> (State, bool) {
        let mut n = *s;
        n.consecutive += 1;
        n.total = n.total.saturating_add(1);
        if n.consecutive >= self.max_failures || n.total >= self.hard_limit {
            let doublings = n.lockouts.min(30);
            let wait = self
                .backoff
                .checked_mul(1i32 << doublings.min(30))
                .unwrap_or(self.max_backoff)
                .min(self.max_backoff);
            n.locked_until = now.checked_add(wait).ok();
            n.lockouts += 1;
            n.consecutive = 0;
            return (n, true);
        }
        (n, false)
    }

    /// A success resets everything.
    pub fn succeed(&self) -> State {
        State::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + s).unwrap()
    }

    #[test]
    fn five_failures_lock_and_the_lock_doubles() {
        let l = Limits::default();
        let mut s = State::default();
        for k in 0..4 {
            assert_eq!(
                l.gate(&s, at(0)),
                Gate::Open {
                    attempts_left: 5 - k
                }
            );
            let (n, locked) = l.fail(&s, at(0));
            assert!(!locked);
            s = n;
        }
        let (n, locked) = l.fail(&s, at(0));
        assert!(locked);
        s = n;
        assert_eq!(
            l.gate(&s, at(59)),
            Gate::Locked {
                until: Some(at(60))
            }
        );
        assert_eq!(
            l.gate(&s, at(60)),
            Gate::Open { attempts_left: 5 },
            "the lock ends exclusively"
        );
        for _ in 0..5 {
            s = l.fail(&s, at(60)).0;
        }
        assert_eq!(
            s.locked_until,
            Some(at(60 + 120)),
            "the second lock-out is twice as long"
        );
        assert_eq!(l.succeed(), State::default());
    }

    #[test]
    fn never_more_than_a_hundred_failures_without_a_success() {
        let l = Limits::default();
        let mut s = State::default();
        let mut now = 0;
        let mut tried = 0;
        while let Gate::Open { .. } = l.gate(&s, at(now)) {
            s = l.fail(&s, at(now)).0;
            tried += 1;
            if let Some(u) = s.locked_until {
                now = u.as_second() - 1_800_000_000;
            }
            assert!(tried <= 100);
        }
        assert_eq!(tried, 100);
        assert_eq!(
            l.gate(&s, at(now + 10_000_000)),
            Gate::Locked { until: None }
        );
        assert!(l.max_backoff >= SignedDuration::from_hours(24));
        assert!(s.locked_until.is_some_and(|u| u <= at(now) + l.max_backoff));
    }
}
