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
//! 3 MiB when full of users in twenty groups). A user is let in on a second
//! miss, taking the place of the one of the two used less recently, so a
//! stream of users seen once costs a look-up in a small table and nothing
//! more. Nothing is shared between threads, and nothing secret is kept
//! (user ids, group names, rule ids).

use super::fold::Acc;
use super::{Resolved, RuleRef};
use std::cell::RefCell;
use std::hash::Hasher;

/// Entries per thread (a power of two).
const ENTRIES: usize = 4096;

/// One resolved user: who, with which groups, under which policy, and what
/// they resolved to. An entry is refilled in place when another user takes
/// its place, so its buffers are reused: a miss allocates nothing once the
/// entries have grown to the users' sizes.
#[derive(Debug, Default)]
pub(super) struct Recent {
    /// 0: empty (policy stamps start at 1).
    stamp: u64,
    user: String,
    /// The group names back to back, and where each ends.
    names: String,
    ends: Vec<u32>,
    pub(super) resolved: Resolved,
    pub(super) exemptions: Vec<u32>,
    /// The last fold of those rules: for which epoch and app (`None`
    /// before the first), the combined fields, and the shaping rules as
    /// (rule id, phase index).
    folded: Option<(usize, Option<u32>)>,
    acc: Acc,
    shaping: Vec<Shaped>,
}

/// A rule that shaped a decision: its id and the index of its phase.
pub(super) type Shaped = (u32, Option<u32>);

impl Recent {
    /// Take this entry for `user` with `groups` under the policy `stamp`:
    /// its rules and exemptions are then for the caller to fill.
    pub(super) fn refill(&mut self, stamp: u64, user: &str, groups: &[&str]) {
        self.stamp = stamp;
        self.user.clear();
        self.user.push_str(user);
        self.names.clear();
        self.ends.clear();
        for g in groups {
            self.names.push_str(g);
            self.ends.push(self.names.len() as u32);
        }
        self.resolved.clear();
        self.exemptions.clear();
        self.folded = None;
        self.shaping.clear();
    }

    /// The fold kept for this epoch and app, if it is the last one.
    pub(super) fn folded(&self, epoch: usize, app: Option<u32>) -> Option<(Acc, &[Shaped])> {
        (self.folded == Some((epoch, app))).then_some((self.acc, &self.shaping[..]))
    }

    /// Keep a fold: the combined fields and the rules that shaped them
    /// (`phase` gives the index of a rule's phase, as `RuleRef` points at it).
    pub(super) fn fold(
        &mut self,
        epoch: usize,
        app: Option<u32>,
        acc: Acc,
        shaping: &[RuleRef<'_>],
        phase: impl Fn(&RuleRef<'_>) -> Option<u32>,
    ) {
        self.folded = Some((epoch, app));
        self.acc = acc;
        self.shaping.clear();
        self.shaping
            .extend(shaping.iter().map(|r| (r.id as u32, phase(r))));
    }

    /// The same policy, user and groups (in the same order)?
    fn is(&self, stamp: u64, user: &str, groups: &[&str]) -> bool {
        if self.stamp != stamp || self.user != user || self.ends.len() != groups.len() {
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

/// The entries, in sets of two, with what is read on every look-up kept
/// apart from them (and so in cache): each entry's user tag, which way of
/// each set was used last, and each set's ghosts.
struct Table {
    entries: Vec<Recent>,
    /// A hash of each entry's user, never 0 (0: empty). An entry is read
    /// only when its tag matches.
    tags: Vec<u32>,
    last: Vec<u8>,
    /// The tags of the last [`GHOSTS`] users that missed in each set, in
    /// turn: a user is let in on a second miss, so users seen once (a
    /// stream of new ones) neither evict anyone nor pay for filling an
    /// entry.
    ghosts: Vec<[u32; GHOSTS]>,
    /// Where each set's next ghost goes.
    next_ghost: Vec<u8>,
    /// Whether users are let in at all: see [`Admission`].
    admission: Admission,
}

/// Letting users in pays while they are hit again before they are
/// evicted. A population larger than the table, decided in random order,
/// evicts most entries before their next use: filling them then costs more
/// than the hits save (about 1.6x no cache in `cargo bench --bench decide
/// population`). So over each [`WINDOW`] of look-ups the table counts its
/// hits and the users it let in; where it let in more users than it hit, it
/// stops letting users in (the entries it holds keep being hit) and tries
/// again every [`PROBE`]th window, so a population that shrinks or settles
/// is let in again.
#[derive(Clone, Copy, Debug)]
struct Admission {
    open: bool,
    lookups: u32,
    hits: u32,
    let_in: u32,
    windows: u32,
}

/// Look-ups per window of [`Admission`].
const WINDOW: u32 = 4096;
/// Every this many windows, a closed admission is opened again to measure.
const PROBE: u32 = 8;

impl Admission {
    const START: Admission = Admission {
        open: true,
        lookups: 0,
        hits: 0,
        let_in: 0,
        windows: 0,
    };

    /// Count one look-up; at the end of a window, decide the next.
    fn count(&mut self, hit: bool) {
        self.lookups += 1;
        self.hits += u32::from(hit);
        if self.lookups < WINDOW {
            return;
        }
        self.windows = self.windows.wrapping_add(1);
        self.open = if self.open {
            self.hits >= self.let_in
        } else {
            self.windows % PROBE == 0
        };
        self.lookups = 0;
        self.hits = 0;
        self.let_in = 0;
    }
}

/// Users remembered per set between their first and second miss: more
/// than the two ways, so that users sharing a set are all let in.
const GHOSTS: usize = 4;

thread_local! {
    static RECENT: RefCell<Table> = const {
        RefCell::new(Table {
            entries: Vec::new(),
            tags: Vec::new(),
            last: Vec::new(),
            ghosts: Vec::new(),
            next_ghost: Vec::new(),
            admission: Admission::START,
        })
    };
}

/// `user`'s set of two entries, and its tag.
fn place(user: &str) -> (usize, u32) {
    let mut h = rustc_hash::FxHasher::default();
    h.write(user.as_bytes());
    let h = h.finish();
    // The high bits of an Fx hash are the mixed ones.
    ((h >> 40) as usize & (ENTRIES / 2 - 1), (h >> 8) as u32 | 1)
}

/// What [`with`] found for a user.
pub(super) enum Found<'t> {
    /// This policy's resolution of exactly these groups.
    Hit(&'t mut Recent),
    /// Not there, and seen before: this entry is the user's now, to
    /// [`Recent::refill`] and fill in.
    Miss(&'t mut Recent),
    /// Not kept: decide without the cache (a user seen for the first
    /// time, or the cache in use further up this thread's stack, which
    /// nothing does).
    Pass,
}

/// Run `f` with what this thread's cache has for `user`.
pub(super) fn with<T>(
    stamp: u64,
    user: &str,
    groups: &[&str],
    f: impl FnOnce(Found<'_>) -> T,
) -> T {
    let (s, tag) = place(user);
    RECENT.with(|cell| {
        let Ok(mut t) = cell.try_borrow_mut() else {
            return f(Found::Pass);
        };
        let t = &mut *t;
        if t.entries.is_empty() {
            t.entries.resize_with(ENTRIES, Recent::default);
            t.tags.resize(ENTRIES, 0);
            t.last.resize(ENTRIES / 2, 0);
            t.ghosts.resize(ENTRIES / 2, [0; GHOSTS]);
            t.next_ghost.resize(ENTRIES / 2, 0);
        }
        let tagged = (0..2).find(|w| t.tags.get(2 * s + w) == Some(&tag));
        let (way, hit) = match tagged {
            // The user is kept: a hit, unless the policy or the groups
            // changed, and then the same entry is refilled.
            Some(w) => (
                w,
                t.entries
                    .get(2 * s + w)
                    .is_some_and(|r| r.is(stamp, user, groups)),
            ),
            None if t.admission.open && t.ghosts.get(s).is_some_and(|g| g.contains(&tag)) => {
                // The second miss: let the user in, in the way used less
                // recently.
                t.admission.let_in += 1;
                let w = usize::from(t.last.get(s).copied().unwrap_or(0) == 0);
                if let Some(g) = t.ghosts.get_mut(s) {
                    g.iter_mut().filter(|x| **x == tag).for_each(|x| *x = 0);
                }
                if let Some(g) = t.tags.get_mut(2 * s + w) {
                    *g = tag;
                }
                (w, false)
            }
            None => {
                if let (Some(g), Some(n)) = (t.ghosts.get_mut(s), t.next_ghost.get_mut(s)) {
                    if let Some(x) = g.get_mut(usize::from(*n) % GHOSTS) {
                        *x = tag;
                    }
                    *n = n.wrapping_add(1);
                }
                t.admission.count(false);
                return f(Found::Pass);
            }
        };
        t.admission.count(hit);
        if let Some(l) = t.last.get_mut(s) {
            *l = way as u8;
        }
        match t.entries.get_mut(2 * s + way) {
            Some(r) if hit => f(Found::Hit(r)),
            Some(r) => f(Found::Miss(r)),
            None => f(Found::Pass),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Look `user` up; on a miss keep an entry whose rules are `[tag]`.
    /// Returns the rules found, if any.
    fn get(stamp: u64, user: &str, groups: &[&str], tag: u32) -> Option<Vec<u32>> {
        with(stamp, user, groups, |found| match found {
            Found::Hit(r) => Some(r.resolved.rules.clone()),
            Found::Miss(r) => {
                r.refill(stamp, user, groups);
                r.resolved.rules.push(tag);
                None
            }
            Found::Pass => None,
        })
    }

    #[test]
    fn a_hit_needs_the_same_policy_user_and_groups_in_order() {
        // Seen once: not kept. Seen again: kept.
        assert_eq!(get(1, "ann", &["A", "B"], 6), None);
        assert_eq!(get(1, "ann", &["A", "B"], 7), None);
        assert_eq!(get(1, "ann", &["A", "B"], 0), Some(vec![7]));
        // Another policy, other groups, the same groups in another order,
        // a name split differently: each is a miss, and refills the user's
        // one entry (a user holds one set of groups at a time).
        assert_eq!(get(2, "ann", &["A", "B"], 8), None);
        assert_eq!(get(2, "ann", &["A", "B"], 0), Some(vec![8]));
        assert_eq!(get(2, "ann", &["B", "A"], 9), None);
        assert_eq!(get(2, "ann", &["B", "A"], 0), Some(vec![9]));
        assert_eq!(get(2, "ann", &["BA"], 10), None);
        assert_eq!(get(2, "ann", &["BA"], 0), Some(vec![10]));
        assert_eq!(get(2, "ann", &["B", "A"], 11), None);
        assert_eq!(get(1, "ann", &["B", "A"], 12), None);
        assert_eq!(get(1, "ann", &["B", "A"], 0), Some(vec![12]));
    }

    #[test]
    fn three_users_of_one_set_keep_the_two_used_last() {
        let first = place("u0").0;
        let same: Vec<String> = (1..100_000)
            .map(|i| format!("u{i}"))
            .filter(|u| place(u).0 == first)
            .take(2)
            .collect();
        let (a, b, c) = ("u0", same[0].as_str(), same[1].as_str());
        // Each is let in on its second miss.
        for (user, tag) in [(a, 1), (b, 2)] {
            assert_eq!(get(3, user, &[], tag), None);
            assert_eq!(get(3, user, &[], tag), None);
        }
        assert_eq!(get(3, a, &[], 0), Some(vec![1])); // a is now the one used last
        assert_eq!(get(3, c, &[], 3), None); // a ghost only
        assert_eq!(get(3, b, &[], 0), Some(vec![2])); // b still kept
        assert_eq!(get(3, c, &[], 3), None); // replaces a, used less recently
        assert_eq!(get(3, c, &[], 0), Some(vec![3]));
        assert_eq!(get(3, b, &[], 0), Some(vec![2]));
        assert_eq!(get(3, a, &[], 1), None);
    }

    /// A window's look-ups: `hits` of them hits, `let_in` users let in.
    fn window(a: &mut Admission, hits: u32, let_in: u32) {
        for i in 0..WINDOW {
            if a.open && i < let_in {
                a.let_in += 1;
            }
            a.count(i < hits);
        }
    }

    #[test]
    fn letting_in_stops_where_it_does_not_pay_and_is_tried_again() {
        let mut a = Admission::START;
        // A population that fits: many hits, few let in.
        window(&mut a, 3000, 100);
        assert!(a.open);
        // One far larger than the table: more let in than hit.
        window(&mut a, 1600, 2400);
        assert!(!a.open);
        // Closed, the kept entries still hit; it stays closed until the
        // probe window, which measures again.
        for _ in 3..PROBE {
            window(&mut a, 1600, 0);
            assert!(!a.open);
        }
        window(&mut a, 1600, 0);
        assert!(a.open, "the probe");
        window(&mut a, 3000, 200);
        assert!(a.open, "the population settled");
    }

    #[test]
    fn a_stream_of_new_users_evicts_no_one() {
        assert_eq!(get(4, "kept", &["A"], 9), None);
        assert_eq!(get(4, "kept", &["A"], 9), None);
        for i in 0..50_000 {
            assert_eq!(get(4, &format!("once{i}"), &["A"], 1), None);
        }
        assert_eq!(get(4, "kept", &["A"], 0), Some(vec![9]));
    }
}
