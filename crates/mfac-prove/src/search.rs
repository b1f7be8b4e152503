//! The search every proof runs: the values the joins of some sets reach,
//! each with the fewest members that reach it. A join is commutative,
//! associative and idempotent, so the search is over distinct values, not
//! over every subset.

use rustc_hash::FxHashMap;

/// Every value the joins of some sets' `singles` reach, from `start`, each
/// with the fewest singles (by their index) that reach it: a breadth-first
/// search, so the first path to a value is a shortest one. Two singles
/// alike add the same to any set, so only one of each is tried; the
/// search is over the distinct values, not over 2^n sets.
pub(crate) fn reachable<K: Copy + Eq + std::hash::Hash>(
    singles: impl IntoIterator<Item = (K, usize)>,
    start: K,
    join: impl Fn(&K, &K) -> K,
    one_step: bool,
) -> Vec<(K, Vec<usize>)> {
    reachable_within(singles, start, join, one_step, usize::MAX).0
}

/// [`reachable`], stopping once more than `limit` values are found; the
/// flag says whether the search finished (every value is there).
pub(crate) fn reachable_within<K: Copy + Eq + std::hash::Hash>(
    singles: impl IntoIterator<Item = (K, usize)>,
    start: K,
    join: impl Fn(&K, &K) -> K,
    one_step: bool,
    limit: usize,
) -> (Vec<(K, Vec<usize>)>, bool) {
    let mut reps: Vec<(K, usize)> = Vec::new();
    let mut seen: FxHashMap<K, ()> = FxHashMap::default();
    for (k, i) in singles {
        if seen.insert(k, ()).is_none() {
            reps.push((k, i));
        }
    }
    let mut best: FxHashMap<K, Vec<usize>> = FxHashMap::default();
    best.insert(start, Vec::new());
    let mut order = vec![start];
    let mut frontier = vec![start];
    let mut complete = true;
    while !frontier.is_empty() {
        if order.len() > limit {
            complete = false;
            break;
        }
        let mut next = Vec::new();
        for state in &frontier {
            let witness = best.get(state).cloned().unwrap_or_default();
            for (s, i) in &reps {
                let to = join(state, s);
                if let std::collections::hash_map::Entry::Vacant(slot) = best.entry(to) {
                    let mut w = witness.clone();
                    w.push(*i);
                    slot.insert(w);
                    order.push(to);
                    next.push(to);
                }
            }
        }
        if one_step {
            break;
        }
        frontier = next;
    }
    let found = order
        .into_iter()
        .map(|k| {
            let w = best.remove(&k).unwrap_or_default();
            (k, w)
        })
        .collect();
    (found, complete)
}
