//! The policy's finite space, for proofs over it (mfac-analysis): epochs,
//! directory groups and what a set of them adds up to, the user and app
//! classes, and the effective settings of a point of that space.
//!
//! A login's settings depend on its groups only through the most-restrictive
//! join of their rules ([`Summary`]), in both precedence modes: `specific`
//! ranks the groups' tier as a whole below the user rule and above the
//! default. The join is commutative, associative and idempotent, so the
//! summaries a set of groups can reach are the joins of the distinct
//! per-group summaries, and a search over those is exact.

use super::*;

/// What a set of directory groups adds up to in one epoch: the join of
/// their rules' settings (closed over `includes`). Opaque: compare, join,
/// project, and ask [`Policy::effective`] what it yields.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Summary(Acc);

/// The fields a property reads; a [`Summary`] projected to them keeps the
/// rest at "no rule sets it", so equal projections behave alike for it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Fields {
    pub enforcement: bool,
    pub factors: bool,
    pub recovery: bool,
    pub remember: bool,
    /// Only whether a remember window, `never` or nothing results (what
    /// `remember never` reads): many different windows then count as one,
    /// which keeps a search small. Ignored when `remember` is set.
    pub remember_kind: bool,
    pub deadline: bool,
}

impl Fields {
    pub const ALL: Fields = Fields {
        enforcement: true,
        factors: true,
        recovery: true,
        remember: true,
        remember_kind: false,
        deadline: true,
    };
}

impl Summary {
    /// The summary of no group at all.
    pub fn none() -> Summary {
        Summary(Acc::default())
    }

    pub fn join(&self, other: &Summary) -> Summary {
        let mut a = self.0;
        a.add(&other.0);
        Summary(a)
    }

    pub fn project(&self, f: Fields) -> Summary {
        Summary(self.0.project(
            f.enforcement,
            f.factors,
            f.recovery,
            f.remember,
            f.remember_kind,
            f.deadline,
        ))
    }
}

/// The effective settings at one point of the space.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Effective {
    pub enforcement: Level,
    /// Allowed factors, recovery included when a rule allows it.
    pub factors: FactorSet,
    pub recovery: bool,
    pub remember: Option<Remember>,
    pub grace_deadline: Option<Timestamp>,
}

/// An epoch: `[start, end)`, `None` for the open ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub start: Option<Timestamp>,
    pub end: Option<Timestamp>,
}

impl Policy {
    /// The epochs, in order: the settings of every rule are constant in each.
    pub fn epoch_spans(&self) -> Vec<Span> {
        let cuts = &self.tables.epochs;
        (0..=cuts.len())
            .map(|i| Span {
                start: i.checked_sub(1).and_then(|j| cuts.get(j)).copied(),
                end: cuts.get(i).copied(),
            })
            .collect()
    }

    /// The summary of one directory group in an epoch (its rules and those
    /// it reaches through `includes`); a group without rules adds nothing.
    pub fn group_summary(&self, epoch: usize, group: &str) -> Summary {
        self.group_summary_without(epoch, group, None)
    }

    /// [`Policy::group_summary`] as if rule `without` were not in the
    /// policy: what the group's members would get without it.
    pub fn group_summary_without(
        &self,
        epoch: usize,
        group: &str,
        without: Option<usize>,
    ) -> Summary {
        let mut acc = Acc::default();
        for &id in self.rules_of_group_named(group) {
            if Some(id as usize) != without {
                acc.add(&self.fold_at(self.slot(epoch, id)));
            }
        }
        Summary(acc)
    }

    /// The summary of one rule alone in an epoch (what it adds to a set of
    /// groups that it is part of).
    pub fn rule_summary(&self, epoch: usize, rule: usize) -> Summary {
        match u32::try_from(rule) {
            Ok(id) if rule < self.rule_count => Summary(self.fold_at(self.slot(epoch, id))),
            _ => Summary::none(),
        }
    }

    /// The group rules a member of directory group `group` gets, as rule
    /// infos: whether it makes its members privileged, break-glass, or
    /// members of another group.
    pub fn group_rule_infos(&self, group: &str) -> Vec<(usize, &RuleInfo)> {
        self.rules_of_group_named(group)
            .iter()
            .filter_map(|&id| Some((id as usize, self.tables.rules.get(id as usize)?)))
            .collect()
    }

    /// The rule of a named user, if any.
    pub fn user_rule(&self, user: &str) -> Option<(usize, &RuleInfo)> {
        let id = self.user_id(user)?;
        Some((id as usize, self.tables.rules.get(id as usize)?))
    }

    /// The rule of a named app, if any.
    pub fn app_rule(&self, app: &str) -> Option<(usize, &RuleInfo)> {
        let id = self.app_id(app)?;
        Some((id as usize, self.tables.rules.get(id as usize)?))
    }

    /// Users named by an exemption.
    pub fn exempted_users(&self) -> impl Iterator<Item = &str> {
        self.exemptions.keys().map(|n| &**n)
    }

    /// The ends of every exemption (where `exempt` changes).
    pub fn exemption_ends(&self) -> Vec<Timestamp> {
        self.tables.exemptions.iter().map(|e| e.until).collect()
    }

    /// The exemption of `user` active at `at`.
    pub fn exemption_at(&self, user: &str, at: Timestamp) -> Option<&ExemptionInfo> {
        self.exemption(self.exemption_ids(user), at)
    }

    /// The effective settings for a user (`None`: a user without a user
    /// rule), an app (`None`: one without an app rule) and groups adding up
    /// to `groups`, in `epoch`: the combination of the design's §2, as
    /// [`Policy::decide`] makes it.
    pub fn effective(
        &self,
        epoch: usize,
        user: Option<&str>,
        app: Option<&str>,
        groups: &Summary,
    ) -> Effective {
        let fold =
            |id: Option<u32>| id.map_or_else(Acc::default, |id| self.fold_at(self.slot(epoch, id)));
        let default = fold(self.tables.default_rule);
        let user = fold(user.and_then(|u| self.user_id(u)));
        let app = fold(app.and_then(|a| self.app_id(a)));
        let combined = match self.tables.precedence {
            Precedence::MostRestrictive => {
                let mut acc = default;
                acc.add(&user);
                acc.add(&groups.0);
                acc.add(&app);
                acc
            }
            Precedence::Specific => {
                let mut acc = user.or_else(&groups.0.or_else(&default));
                acc.tighten(&app);
                acc
            }
        };
        let mut factors = combined.factors().unwrap_or(FactorSet::NON_RECOVERY);
        if combined.recovery {
            factors = factors.with(Factor::BackupCode);
        }
        Effective {
            enforcement: combined.enforcement().unwrap_or(Level::Off),
            factors,
            recovery: combined.recovery,
            remember: combined.remember(),
            grace_deadline: combined.grace_deadline(),
        }
    }
}
