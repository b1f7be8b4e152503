//! The search every proof runs: the values the joins of some sets reach,
//! each with the fewest members that reach it. A join is commutative,
//! associative and idempotent, so the search is over distinct values, not
//! over every subset.

use rustc_hash::FxHashMap;

/// Every value the joins of some sets' `singles` reach, from `start`, each
/// with the fewest singles (by their index) that reach it: a breadth-first
/// search, so the first path to a value is a shortest one. Two singles
/// alike add the same to any set, so only one of each is tried; the
/// search is over the distinct values, not over 2^n sets. It stops once
/// more than `limit` values are found; the flag says whether it finished
/// (every value is there).
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
                // One hash per state tried: most are found again.
                let std::collections::hash_map::Entry::Vacant(slot) = index.entry(join(state, s))
                else {
                    continue;
                };
                let mut w = witness.clone();
                w.push(*i);
                found.push((slot.key().clone(), w));
                slot.insert(found.len() - 1);
            }
        }
        if one_step {
            break;
        }
        frontier = end..found.len();
    }
    (found, complete)
}

/// How the states of a [`two_stage`] search settle once no further single
/// can leave anything out.
pub(crate) struct Settling<J, S, L> {
    /// Both sets at once.
    pub join: J,
    /// `s` once no further single can leave anything out, bar what `by`
    /// (a state of the first stage) leaves out: a plain fold.
    pub settle: S,
    /// A settled state given back what `by` leaves out, for reading.
    pub leaving_out: L,
}

/// Every value the joins of some sets reach, in two stages (see mfac-prove's
/// `reachable_in_scope` for why): first over the `excluders`, the singles
/// that leave something out; then, for each value found, over the other
/// `members`, settled by it. A set is the union of one set of each kind,
/// so every reachable value is found, each with the fewest singles for its
/// pair of stages; the result is sorted by the number of singles. `None`
/// when more than `limit` values are found in all.
pub(crate) fn two_stage<K, J, S, L>(
    excluders: Vec<(K, usize)>,
    members: &[(K, usize)],
    start: K,
    how: &Settling<J, S, L>,
    one_step: bool,
    limit: usize,
) -> Option<Vec<(K, Vec<usize>)>>
where
    K: Clone + Eq + std::hash::Hash,
    J: Fn(&K, &K) -> K,
    S: Fn(&K, &K) -> K,
    L: Fn(K, &K) -> K,
{
    let (outs, complete) = reachable_within(excluders, start, &how.join, one_step, limit);
    if !complete {
        return None;
    }
    let mut found: Vec<(K, Vec<usize>)> = Vec::new();
    for (by, by_witness) in &outs {
        let settled = members.iter().map(|(s, i)| ((how.settle)(s, by), *i));
        let room = limit.saturating_sub(found.len());
        let (states, complete) =
            reachable_within(settled, (how.settle)(by, by), &how.join, one_step, room);
        if !complete {
            return None;
        }
        for (s, witness) in states {
            let mut w = by_witness.clone();
            w.extend(witness);
            found.push(((how.leaving_out)(s, by), w));
        }
    }
    found.sort_by_key(|(_, w)| w.len());
    Some(found)
}
