//! A small per-thread cache of recently resolved users, for
//! [`Policy::decide`] from names.
//!
//! An identity service decides for the same users again and again, with the
//! same groups. Resolving twenty group names to rule ids (a look-up each,
//! then sorting the rules into file order) and folding those rules cost
//! more than the rest of the decision; a user met again under the same
//! policy with the same groups skips the resolution, and, in the same epoch
//! and for the same app, the fold (the rest reads the login itself: the
//! instant, enrolled factors, the last MFA). The entry is found by the user
//! id's hash and used only when the policy (its stamp), the user id and
//! every group name, in order, are the same: a hit is a byte comparison of
//! the names, never a guess.
//!
//! Two-way set-associative and fixed in size ([`ENTRIES`] per thread: about
//! 3 MiB when full of users in twenty groups): a new user takes the place
//! of the one of the two used less recently. Nothing is shared between
//! threads, and nothing secret is kept (user ids, group names, rule ids).

use super::fold::Acc;
use super::RuleRef;
use std::cell::RefCell;
use std::hash::Hasher;

/// Entries per thread (a power of two).
const ENTRIES: usize = 4096;

/// One resolved user: who, with which groups, under which policy, and what
/// they resolved to.
#[derive(Debug)]
pub(super) struct Recent {
    stamp: u64,
    user: Box<str>,
    /// The group names back to back, and where each ends.
    names: Box<str>,
    ends: Box<[u32]>,
    pub(super) rules: Box<[u32]>,
    pub(super) exemptions: Box<[u32]>,
    /// The last fold of those rules: for which epoch and app rule, the
    /// combined fields, and the shaping rules as (rule id, phase index).
    folded: Option<Folded>,
}

#[derive(Debug)]
struct Folded {
    epoch: usize,
    app_rule: Option<u32>,
    acc: Acc,
    shaping: Box<[Shaped]>,
}

/// A rule that shaped a decision: its id and the index of its phase.
pub(super) type Shaped = (u32, Option<u32>);

impl Recent {
    pub(super) fn new(
        stamp: u64,
        user: &str,
        groups: &[&str],
        rules: &[u32],
        exemptions: &[u32],
    ) -> Recent {
        let mut names = String::with_capacity(groups.iter().map(|g| g.len()).sum());
        let mut ends = Vec::with_capacity(groups.len());
        for g in groups {
            names.push_str(g);
            ends.push(names.len() as u32);
        }
        Recent {
            stamp,
            user: user.into(),
            names: names.into_boxed_str(),
            ends: ends.into_boxed_slice(),
            rules: rules.into(),
            exemptions: exemptions.into(),
            folded: None,
        }
    }

    /// The fold kept for this epoch and app rule, if it is the last one.
    pub(super) fn folded(&self, epoch: usize, app_rule: Option<u32>) -> Option<(Acc, &[Shaped])> {
        self.folded
            .as_ref()
            .filter(|f| f.epoch == epoch && f.app_rule == app_rule)
            .map(|f| (f.acc, &*f.shaping))
    }

    /// Keep a fold: the combined fields and the rules that shaped them
    /// (`phase` gives the index of a rule's phase, as `RuleRef` points at it).
    pub(super) fn fold(
        &mut self,
        epoch: usize,
        app_rule: Option<u32>,
        acc: Acc,
        shaping: &[RuleRef<'_>],
        phase: impl Fn(&RuleRef<'_>) -> Option<u32>,
    ) {
        self.folded = Some(Folded {
            epoch,
            app_rule,
            acc,
            shaping: shaping.iter().map(|r| (r.id as u32, phase(r))).collect(),
        });
    }

    /// The same policy, user and groups (in the same order)?
    fn is(&self, stamp: u64, user: &str, groups: &[&str]) -> bool {
        if self.stamp != stamp || *self.user != *user || self.ends.len() != groups.len() {
            return false;
        }
        let names = self.names.as_bytes();
        let mut start = 0;
        for (g, &end) in groups.iter().zip(self.ends.iter()) {
            let stored = names.get(start..end as usize).unwrap_or_default();
            if stored != g.as_bytes() {
                return false;
            }
            start = end as usize;
        }
        true
    }
}

/// The entries, in sets of two, and which of each set was used last.
struct Table {
    entries: Vec<Option<Recent>>,
    last: Vec<u8>,
}

thread_local! {
    static RECENT: RefCell<Table> = const {
        RefCell::new(Table {
            entries: Vec::new(),
            last: Vec::new(),
        })
    };
}

/// The set of two entries `user` may be in.
fn set(user: &str) -> usize {
    let mut h = rustc_hash::FxHasher::default();
    h.write(user.as_bytes());
    // The high bits of an Fx hash are the mixed ones.
    (h.finish() >> 40) as usize & (ENTRIES / 2 - 1)
}

/// Run `f` with this thread's entry for `user` if it holds this policy's
/// resolution of exactly these groups, else with `None`; `f` may return a
/// new entry to keep. Re-entered (which nothing does), it runs uncached.
pub(super) fn with<T>(
    stamp: u64,
    user: &str,
    groups: &[&str],
    f: impl FnOnce(Option<&mut Recent>) -> (T, Option<Recent>),
) -> T {
    let s = set(user);
    RECENT.with(|cell| {
        let Ok(mut t) = cell.try_borrow_mut() else {
            return f(None).0;
        };
        if t.entries.is_empty() {
            t.entries.resize_with(ENTRIES, || None);
            t.last.resize(ENTRIES / 2, 0);
        }
        let way = (0..2).find(|w| {
            t.entries
                .get(2 * s + w)
                .and_then(Option::as_ref)
                .is_some_and(|r| r.is(stamp, user, groups))
        });
        let (out, keep) = f(way.and_then(|w| t.entries.get_mut(2 * s + w)?.as_mut()));
        // The way to mark as used last: the hit, or the one replaced.
        let used = match (way, keep) {
            (Some(w), _) => Some(w),
            (None, Some(new)) => {
                let w = usize::from(t.last.get(s).copied().unwrap_or(0) == 0);
                if let Some(e) = t.entries.get_mut(2 * s + w) {
                    *e = Some(new);
                }
                Some(w)
            }
            (None, None) => None,
        };
        if let (Some(w), Some(l)) = (used, t.last.get_mut(s)) {
            *l = w as u8;
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Look `user` up; on a miss keep an entry whose rules are `[tag]`.
    /// Returns the rules found, if any.
    fn get(stamp: u64, user: &str, groups: &[&str], tag: u32) -> Option<Vec<u32>> {
        with(stamp, user, groups, |hit| match hit {
            Some(r) => (Some(r.rules.to_vec()), None),
            None => (None, Some(Recent::new(stamp, user, groups, &[tag], &[]))),
        })
    }

    #[test]
    fn a_hit_needs_the_same_policy_user_and_groups_in_order() {
        assert_eq!(get(1, "ann", &["A", "B"], 7), None);
        assert_eq!(get(1, "ann", &["A", "B"], 0), Some(vec![7]));
        // Another policy, other groups, the same groups in another order,
        // a name split differently: each is a miss (and replaces the entry).
        assert_eq!(get(2, "ann", &["A", "B"], 8), None);
        assert_eq!(get(2, "ann", &["A", "B"], 0), Some(vec![8]));
        assert_eq!(get(2, "ann", &["B", "A"], 9), None);
        assert_eq!(get(2, "ann", &["BA"], 10), None);
        assert_eq!(get(2, "ann", &["B", "A"], 0), Some(vec![9]));
        assert_eq!(get(2, "ann", &["BA"], 0), Some(vec![10]));
    }

    #[test]
    fn three_users_of_one_set_keep_the_two_used_last() {
        let first = set("u0");
        let same: Vec<String> = (1..100_000)
            .map(|i| format!("u{i}"))
            .filter(|u| set(u) == first)
            .take(2)
            .collect();
        let (a, b, c) = ("u0", same[0].as_str(), same[1].as_str());
        assert_eq!(get(3, a, &[], 1), None);
        assert_eq!(get(3, b, &[], 2), None);
        assert_eq!(get(3, a, &[], 0), Some(vec![1])); // a is now the one used last
        assert_eq!(get(3, c, &[], 3), None); // replaces b
        assert_eq!(get(3, a, &[], 0), Some(vec![1]));
        assert_eq!(get(3, c, &[], 0), Some(vec![3]));
        assert_eq!(get(3, b, &[], 2), None);
    }
}
