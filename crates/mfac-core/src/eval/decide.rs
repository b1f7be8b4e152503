//! The decision itself: the applicable rules folded by the precedence mode,
//! then the design's steps (exempt, off, deny, remembered, challenge, enrol).

use super::*;

impl Policy {
    /// Decide one login.
    ///
    /// A user decided again on the same thread, under this policy and with
    /// the same groups, is not resolved again (see `recent.rs`).
    pub fn decide<'p>(&'p self, ctx: &LoginContext<'_>) -> Decision<'p> {
        let epoch = self.epoch_of(ctx.at);
        let app_rule = ctx.app.and_then(|a| self.app_id(a));
        recent::with(self.stamp, ctx.user, ctx.groups, |found| match found {
            recent::Found::Hit(r) => {
                // Folded before for this epoch and app: only the steps
                // that read the login itself remain.
                if let Some((acc, shaped)) = r.folded(epoch, app_rule) {
                    let mut shaping = Vec::with_capacity(shaped.len());
                    shaping.extend(
                        shaped
                            .iter()
                            .filter_map(|&(id, phase)| self.rule_ref_at(id, phase)),
                    );
                    return self.conclude(acc, shaping, &r.exemptions, epoch, ctx);
                }
                self.fold_into(r, epoch, app_rule, ctx)
            }
            recent::Found::Miss(r) => {
                r.refill(self.stamp, ctx.user, ctx.groups);
                let ids = ctx.groups.iter().filter_map(|g| self.group_id(g));
                self.resolve_into(&mut r.rules, ctx.user, ids);
                r.exemptions.extend_from_slice(self.exemption_ids(ctx.user));
                self.fold_into(r, epoch, app_rule, ctx)
            }
            recent::Found::Pass => {
                let rules = self.resolve(ctx.user, ctx.groups);
                let exemptions = self.exemption_ids(ctx.user);
                self.decide_at::<true>(&rules, exemptions, epoch, app_rule, ctx)
            }
        })
    }

    /// Fold an entry's rules for this epoch and app, keep the fold in the
    /// entry, and decide.
    fn fold_into<'p>(
        &'p self,
        r: &mut recent::Recent,
        epoch: usize,
        app_rule: Option<u32>,
        ctx: &LoginContext<'_>,
    ) -> Decision<'p> {
        let mut shaping = Vec::with_capacity(r.rules.len() + 1);
        let acc = self.combine::<true>(epoch, &r.rules, app_rule, &mut shaping);
        r.fold(epoch, app_rule, acc, &shaping, |x| {
            self.phase_of(epoch, x.id as u32)
        });
        self.conclude(acc, shaping, &r.exemptions, epoch, ctx)
    }

    /// [`Policy::decide`] without the per-thread cache: every name looked
    /// up and every rule resolved (for tests and benchmarks that compare).
    pub fn decide_uncached<'p>(&'p self, ctx: &LoginContext<'_>) -> Decision<'p> {
        let rules = self.resolve(ctx.user, ctx.groups);
        self.decide_resolved(&rules, self.exemption_ids(ctx.user), ctx)
    }

    /// What [`Policy::decide`] decides for a user whose directory groups are
    /// already resolved to ids ([`Policy::group_id`]; names no rule names
    /// left out), without the list of rules that shaped it: what `mfac
    /// simulate` reads for each of a directory's users. `ctx.groups` is not
    /// read. `scratch` is reused between calls, so a million users cost no
    /// allocation. The rules are folded unsorted and with repeats, which
    /// the fold allows (it is a join: order and repeats do not change it).
    pub fn verdict_group_ids(
        &self,
        group_ids: &[u32],
        ctx: &LoginContext<'_>,
        scratch: &mut Vec<u32>,
    ) -> Verdict {
        scratch.clear();
        self.gather_into(scratch, ctx.user, group_ids.iter().copied());
        Verdict::of(&self.decide_with::<false>(scratch, self.exemption_ids(ctx.user), ctx))
    }

    /// Decide one login of a resolved subject; `ctx.user` and `ctx.groups`
    /// are not read, the subject stands for them. A subject resolved against
    /// another policy (say, before a reload) is resolved again from its names.
    pub fn decide_subject<'p>(&'p self, subject: &Subject, ctx: &LoginContext<'_>) -> Decision<'p> {
        if subject.stamp == self.stamp {
            return self.decide_resolved(&subject.rules, &subject.exemptions, ctx);
        }
        let groups: Vec<&str> = subject.groups.iter().map(|g| &**g).collect();
        let rules = self.resolve(&subject.user, &groups);
        self.decide_resolved(&rules, self.exemption_ids(&subject.user), ctx)
    }

    /// The decision proper. `rules` are the subject's rule ids in file order.
    fn decide_resolved<'p>(
        &'p self,
        rules: &[u32],
        exemptions: &[u32],
        ctx: &LoginContext<'_>,
    ) -> Decision<'p> {
        self.decide_with::<true>(rules, exemptions, ctx)
    }

    /// The decision, listing the rules that shaped it when `RECORD`
    /// (`rules` must then be in file order, each once); without, the list
    /// stays empty and unallocated and `rules` may come in any order.
    fn decide_with<'p, const RECORD: bool>(
        &'p self,
        rules: &[u32],
        exemptions: &[u32],
        ctx: &LoginContext<'_>,
    ) -> Decision<'p> {
        let epoch = self.epoch_of(ctx.at);
        let app_rule = ctx.app.and_then(|a| self.app_id(a));
        self.decide_at::<RECORD>(rules, exemptions, epoch, app_rule, ctx)
    }

    /// [`Policy::decide_with`] with the epoch of `ctx.at` and the app's
    /// rule already found.
    fn decide_at<'p, const RECORD: bool>(
        &'p self,
        rules: &[u32],
        exemptions: &[u32],
        epoch: usize,
        app_rule: Option<u32>,
        ctx: &LoginContext<'_>,
    ) -> Decision<'p> {
        let mut shaping: Vec<RuleRef<'p>> = if RECORD {
            Vec::with_capacity(rules.len() + 1)
        } else {
            Vec::new()
        };
        let combined = self.combine::<RECORD>(epoch, rules, app_rule, &mut shaping);
        self.conclude(combined, shaping, exemptions, epoch, ctx)
    }

    /// The subject's rules and the app rule folded by the precedence mode:
    /// what every field is. Pushes the rules that shaped it, in file order,
    /// when `RECORD`.
    pub(super) fn combine<'p, const RECORD: bool>(
        &'p self,
        epoch: usize,
        rules: &[u32],
        app_rule: Option<u32>,
        shaping: &mut Vec<RuleRef<'p>>,
    ) -> Acc {
        let combined = match self.tables.precedence {
            Precedence::MostRestrictive => {
                let mut acc = Acc::default();
                for &id in rules {
                    let slot = self.slot(epoch, id);
                    let f = self.fold_at(slot);
                    if f.sets_anything() {
                        acc.add(&f);
                        if RECORD {
                            shaping.extend(self.rule_ref(id, slot));
                        }
                    }
                }
                acc
            }
            Precedence::Specific => self.specific::<RECORD>(epoch, rules, shaping),
        };
        // The app rule tightens in both modes (in `specific` it cannot
        // loosen at all: see `Acc::tighten`); keep the list in file order.
        let mut combined = combined;
        if let Some(id) = app_rule {
            let slot = self.slot(epoch, id);
            let f = self.fold_at(slot);
            let applied = match self.tables.precedence {
                Precedence::MostRestrictive => {
                    combined.add(&f);
                    f
                }
                Precedence::Specific => combined.tighten(&f),
            };
            if RECORD && applied.sets_anything() {
                if let Some(r) = self.rule_ref(id, slot) {
                    let at = shaping.partition_point(|x| x.id < r.id);
                    shaping.insert(at, r);
                }
            }
        }
        combined
    }

    /// The design's steps on the combined fields: exempt, off, deny,
    /// remembered, challenge, enrol.
    pub(super) fn conclude<'p>(
        &'p self,
        combined: Acc,
        shaping: Vec<RuleRef<'p>>,
        exemptions: &[u32],
        epoch: usize,
        ctx: &LoginContext<'_>,
    ) -> Decision<'p> {
        let enforcement = combined.enforcement().unwrap_or(Level::Off);
        let mut factors = combined.factors().unwrap_or(FactorSet::NON_RECOVERY);
        if combined.recovery {
            factors = factors.with(Factor::BackupCode);
        }
        let usable = ctx.enrolled.intersect(factors);
        let grace_deadline = combined.grace_deadline();
        let exempt = self.exemption(exemptions, ctx.at);

        let mut deadline = None;
        let mut remembered = false;
        let mut remember_miss = None;
        let outcome = if exempt.is_some() || enforcement == Level::Off {
            Outcome::Allow
        } else if factors.is_empty() {
            Outcome::Deny
        } else if !usable.is_empty() {
            match self.remember_holds(combined.remember(), ctx) {
                Ok(()) => {
                    remembered = true;
                    Outcome::Allow
                }
                Err(miss) => {
                    remember_miss = Some(miss);
                    Outcome::Challenge
                }
            }
        } else if enforcement == Level::Optional {
            Outcome::EnrolOrSkip
        } else {
            match grace_deadline {
                Some(d) if ctx.at < d => {
                    deadline = Some(d);
                    Outcome::EnrolOrSkip
                }
                _ => Outcome::Enrol,
            }
        };

        Decision {
            outcome,
            enforcement,
            factors,
            usable,
            deadline,
            grace_deadline,
            remembered,
            remember: combined.remember(),
            exempt,
            rules: shaping,
            remember_miss,
            epoch,
        }
    }

    /// `specific`: field by field the user rule wins, else the groups
    /// (combined most-restrictively), else the default. (The caller then
    /// combines the app rule most-restrictively on top.) Pushes the rules
    /// that decided a field, in file order, when `RECORD`.
    fn specific<'p, const RECORD: bool>(
        &'p self,
        epoch: usize,
        rules: &[u32],
        shaping: &mut Vec<RuleRef<'p>>,
    ) -> Acc {
        let rank = |id: u32| self.tables.rules.get(id as usize).map(RuleInfo::rank);
        let (mut user, mut groups, mut default) = (Acc::default(), Acc::default(), Acc::default());
        for &id in rules {
            let f = self.fold_at(self.slot(epoch, id));
            match rank(id) {
                Some(Rank::User) => user.add(&f),
                Some(Rank::Group) => groups.add(&f),
                Some(Rank::Default) => default.add(&f),
                Some(Rank::App) | None => {}
            }
        }

        // Which tier decides each field: 0 user, 1 groups, 2 default.
        let tiers = [user.sets(), groups.sets(), default.sets()];
        let enf_tier = tiers.iter().position(|t| t.0);
        let fac_tier = tiers.iter().position(|t| t.1);
        let rem_tier = tiers.iter().position(|t| t.2);
        let decided = |t: usize| [enf_tier, fac_tier, rem_tier].contains(&Some(t));

        for &id in rules.iter().filter(|_| RECORD) {
            let slot = self.slot(epoch, id);
            let counts = match rank(id) {
                Some(Rank::User) => decided(0) || user.recovery,
                Some(Rank::Default) => decided(2) || default.recovery,
                Some(Rank::Group) => {
                    let f = self.fold_at(slot);
                    let (enf, fac, rem) = f.sets();
                    (enf_tier == Some(1) && enf)
                        || (fac_tier == Some(1) && fac)
                        || (rem_tier == Some(1) && rem)
                        || f.recovery
                }
                Some(Rank::App) | None => false,
            };
            if counts {
                shaping.extend(self.rule_ref(id, slot));
            }
        }
        user.or_else(&groups.or_else(&default))
    }

    /// The index of the phase a rule's settings in an epoch came from.
    fn phase_of(&self, epoch: usize, id: u32) -> Option<u32> {
        self.settings_at(self.slot(epoch, id)).phase
    }

    /// A rule that shaped a decision, with the phase (by index) its
    /// settings came from.
    fn rule_ref_at(&self, id: u32, phase: Option<u32>) -> Option<RuleRef<'_>> {
        Some(RuleRef {
            id: id as usize,
            info: self.tables.rules.get(id as usize)?,
            phase: phase.and_then(|p| self.tables.phases.get(p as usize)),
        })
    }

    /// A rule that shaped a decision, with the phase its settings came from.
    fn rule_ref(&self, id: u32, slot: u32) -> Option<RuleRef<'_>> {
        self.rule_ref_at(id, self.settings_at(slot).phase)
    }

    fn remember_holds(
        &self,
        remember: Option<Remember>,
        ctx: &LoginContext<'_>,
    ) -> Result<(), RememberMiss> {
        let Some(Remember::Window(w)) = remember else {
            return Err(RememberMiss::NoWindow);
        };
        let last = ctx.last_mfa.ok_or(RememberMiss::NoLastMfa)?;
        if last.at > ctx.at {
            return Err(RememberMiss::LastMfaInFuture);
        }
        let ended = last
            .at
            .saturating_add(SignedDuration::from_secs(w.seconds))
            .unwrap_or(Timestamp::MAX);
        if ctx.at >= ended {
            return Err(RememberMiss::Expired { ended });
        }
        if w.same_ip {
            match (ctx.ip, last.ip) {
                (Some(now), Some(then)) if now == then => {}
                (Some(_), Some(_)) => return Err(RememberMiss::IpChanged),
                _ => return Err(RememberMiss::IpUnknown),
            }
        }
        if w.same_context {
            let cal = &self.tables.calendar;
            let (then, now) = (
                cal.context(last.at, &self.tz),
                cal.context(ctx.at, &self.tz),
            );
            if then != now {
                return Err(RememberMiss::ContextChanged { then, now });
            }
        }
        if let Some(max) = w.max_logins {
            match last.logins_since {
                Some(n) if n < max => {}
                Some(_) => return Err(RememberMiss::TooManyLogins { max }),
                None => return Err(RememberMiss::LoginCountUnknown),
            }
        }
        Ok(())
    }
}
