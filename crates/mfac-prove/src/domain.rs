//! The space a proof quantifies over: the users, groups, apps and pieces of
//! time of a policy, and the limit of one search.

use super::*;

/// The most distinct combinations of groups one search of a proof keeps,
/// unless told otherwise ([`Space::within`], `mfac check --proof-limit`):
/// far above what the example policies and the benchmarks reach (hundreds
/// to a few thousand), well below what would exhaust memory.
pub const PROOF_LIMIT: usize = 100_000;

/// Which part of the space a proof quantifies over, beyond the property.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Space {
    pub users: Users,
    /// The most distinct combinations of groups one search keeps before
    /// the proof gives up ([`Unjudgeable::TooLarge`]).
    pub limit: usize,
    /// A deliberately broken engine, for the mutation test.
    #[cfg(feature = "mutants")]
    pub mutant: Option<mutants::Mutant>,
}

/// The user classes a proof quantifies over.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Users {
    /// Every named user (a user rule or an exemption) and anyone else.
    All,
    /// Anyone the policy does not name. The checker's built-in privileged
    /// checks start here: they cannot know whether a named user is in a
    /// privileged group, so a named user's own rule is judged on its own.
    Unnamed,
    /// This user only (in the property's scope through their groups).
    Only(String),
}

impl Space {
    /// The whole space, for these users.
    pub fn of(users: Users) -> Space {
        Space {
            users,
            limit: PROOF_LIMIT,
            #[cfg(feature = "mutants")]
            mutant: None,
        }
    }

    /// The same space, searched up to `limit` combinations of groups.
    pub fn within(self, limit: usize) -> Space {
        Space { limit, ..self }
    }
}

impl Default for Space {
    fn default() -> Space {
        Space::of(Users::All)
    }
}

impl Space {
    #[cfg(feature = "mutants")]
    pub(crate) fn broken(&self, m: mutants::Mutant) -> bool {
        self.mutant == Some(m)
    }
}

/// The directory groups, sorted, and whether each puts its members in the
/// scope.
pub(crate) fn groups_of(policy: &Policy, scope: &Scope) -> Vec<(String, bool)> {
    let mut names: Vec<String> = policy.group_names().map(str::to_string).collect();
    names.sort();
    names
        .into_iter()
        .map(|g| {
            let infos = policy.group_rule_infos(&g);
            let inside = match scope {
                Scope::Everyone | Scope::User(_) => true,
                Scope::Privileged => infos.iter().any(|(_, r)| r.privileged),
                Scope::BreakGlass => infos.iter().any(|(_, r)| r.break_glass),
                Scope::MembersOf(name) => policy.is_member(&g, name),
            };
            (g, inside)
        })
        .collect()
}

/// The named users of some policies (a user rule or an exemption), sorted.
pub(crate) fn named_users<'a>(policies: impl IntoIterator<Item = &'a Policy>) -> Vec<String> {
    let mut named: Vec<String> = policies
        .into_iter()
        .flat_map(|p| p.user_names().chain(p.exempted_users()))
        .map(str::to_string)
        .collect();
    named.sort();
    named.dedup();
    named
}

/// The user classes: each named user (a user rule or an exemption), then
/// `None` for anyone else; and whether the user alone is in the scope.
pub(crate) fn users_of(
    policy: &Policy,
    scope: &Scope,
    space: &Space,
) -> Vec<(Option<String>, bool)> {
    if let Scope::User(u) = scope {
        return vec![(Some(u.clone()), true)];
    }
    let alone = |u: Option<&str>| match scope {
        Scope::Everyone | Scope::User(_) => true,
        Scope::Privileged => u
            .and_then(|u| policy.user_rule(u))
            .is_some_and(|(_, r)| r.privileged),
        Scope::BreakGlass => u
            .and_then(|u| policy.user_rule(u))
            .is_some_and(|(_, r)| r.break_glass),
        Scope::MembersOf(_) => false,
    };
    // Anyone else first: of two counterexamples alike, the more general.
    let mut out: Vec<(Option<String>, bool)> = Vec::new();
    #[cfg(feature = "mutants")]
    let anonymous = !space.broken(mutants::Mutant::NoAnonymousUser);
    #[cfg(not(feature = "mutants"))]
    let anonymous = true;
    if anonymous {
        out.push((None, alone(None)));
    }
    let named = match &space.users {
        Users::All => named_users([policy]),
        Users::Unnamed => Vec::new(),
        Users::Only(u) => return vec![(Some(u.clone()), alone(Some(u)))],
    };
    out.extend(named.into_iter().map(|u| {
        let a = alone(Some(&u));
        (Some(u), a)
    }));
    out
}

/// The apps: the one a property names, else each named app of the
/// policies and `None` for any other app.
pub(crate) fn apps_of<'a>(
    named: Option<&str>,
    policies: impl IntoIterator<Item = &'a Policy>,
) -> Vec<Option<String>> {
    if let Some(a) = named {
        return vec![Some(a.to_string())];
    }
    let mut named: Vec<String> = policies
        .into_iter()
        .flat_map(|p| p.apps())
        .map(str::to_string)
        .collect();
    named.sort();
    named.dedup();
    // Any other app first: of two counterexamples alike, the more general.
    std::iter::once(None)
        .chain(named.into_iter().map(Some))
        .collect()
}

/// The pieces of time: the policies' epochs cut again at every exemption's
/// end and at the bounds, clipped to them.
pub(crate) fn pieces<'a>(
    policies: impl IntoIterator<Item = &'a Policy>,
    from: Option<Timestamp>,
    until: Option<Timestamp>,
) -> Vec<Span> {
    let mut cuts: Vec<Timestamp> = policies
        .into_iter()
        .flat_map(|p| {
            p.epoch_spans()
                .iter()
                .filter_map(|s| s.start)
                .chain(p.exemption_ends())
                .collect::<Vec<_>>()
        })
        .chain(from)
        .chain(until)
        .collect();
    cuts.sort();
    cuts.dedup();
    let mut out = Vec::new();
    let mut start: Option<Timestamp> = None;
    for end in cuts.iter().copied().map(Some).chain(std::iter::once(None)) {
        let span = Span { start, end };
        let after_from = from.is_none_or(|f| start.is_some_and(|s| s >= f));
        let before_until = until.is_none_or(|u| end.is_some_and(|e| e <= u));
        if after_from && before_until {
            out.push(span);
        }
        start = end;
    }
    out
}

/// An instant inside a span: its start, else a day before its end, else a
/// fixed date (a policy with no dates at all is the same at every instant).
pub fn instant(span: &Span) -> Timestamp {
    const DAY: jiff::SignedDuration = jiff::SignedDuration::from_hours(24);
    match (span.start, span.end) {
        (Some(s), _) => s,
        (None, Some(e)) => e.checked_sub(DAY).unwrap_or(Timestamp::MIN),
        (None, None) => Timestamp::UNIX_EPOCH,
    }
}
