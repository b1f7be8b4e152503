//! Seven ways to break the engine, each a mistake an engine like this could
//! plausibly make. The mutation test (tests/prove.rs) runs the brute-force
//! oracle against each and must see it disagree: an oracle that cannot
//! catch these would not catch the real thing either.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mutant {
    /// Only single groups, never a set of two or more: misses every
    /// property broken by a combination.
    NoJoins,
    /// Named users only, never "any other user".
    NoAnonymousUser,
    /// Named apps only, never "any other app".
    NoOtherApp,
    /// The search's projection forgets the recovery field, merging states
    /// that differ in it.
    CoarseProjection,
    /// Time cut at rollout dates only, not at exemption ends.
    EpochsOnly,
    /// A group's `except` forgotten: excluded members still get the rule.
    NoExclusions,
    /// `ordered` read backwards: the last matching rule wins a field.
    LastMatch,
}

impl Mutant {
    pub const ALL: [Mutant; 7] = [
        Mutant::NoJoins,
        Mutant::NoAnonymousUser,
        Mutant::NoOtherApp,
        Mutant::CoarseProjection,
        Mutant::EpochsOnly,
        Mutant::NoExclusions,
        Mutant::LastMatch,
    ];
}
