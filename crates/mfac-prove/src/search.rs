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
pub(crate) fn reachable<K: Clone + Eq + std::hash::Hash>(
    singles: impl IntoIterator<Item = (K, usize)>,
    start: K,
    join: impl Fn(&K, &K) -> K,
    one_step: bool,
) -> Vec<(K, Vec<usize>)> {
    reachable_within(singles, start, join, one_step, usize::MAX).0
}

/// [`reachable`], stopping once more than `limit` values are found; the
/// flag says whether the search finished (every value is there).
pub(crate) fn reachable_within<K: Clone + Eq + std::hash::Hash>(
    singles: impl IntoIterator<Item = (K, usize)>,
    start: K,
    join: impl Fn(&K, &K) -> K,
    one_step: bool,
    limit: usize,
) -> (Vec<(K, Vec<usize>)>, bool) {
    let mut reps: Vec<(K, usize)> = Vec::new();
    let mut seen: FxHashMap<K, ()> = FxHashMap::default();
    for (k, i) in singles {
        if !seen.contains_key(&k) {
            seen.insert(k.clone(), ());
            reps.push((k, i));
        }
    }
    // Every value found, in the order found, with its witness; `index`
    // finds a value's place.
    let mut found: Vec<(K, Vec<usize>)> = vec![(start.clone(), Vec::new())];
    let mut index: FxHashMap<K, usize> = FxHashMap::default();
    index.insert(start, 0);
    let mut frontier = 0..1;
    let mut complete = true;
    while !frontier.is_empty() {
        if found.len() > limit {
            complete = false;
            break;
        }
        let end = found.len();
        for at in frontier {
            for (s, i) in &reps {
                let Some((state, witness)) = found.get(at) else {
                    continue;
                };
                let to = join(state, s);
                if index.contains_key(&to) {
                    continue;
                }
                let mut w = witness.clone();
                w.push(*i);
                index.insert(to.clone(), found.len());
                found.push((to, w));
            }
        }
        if one_step {
            break;
        }
        frontier = end..found.len();
    }
    (found, complete)
}
