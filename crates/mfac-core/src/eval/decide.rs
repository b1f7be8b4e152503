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
        let app = ctx.app.and_then(|a| self.app_id(a));
        recent::with(self.stamp, ctx.user, ctx.groups, |found| match found {
            recent::Found::Hit(r) => {
                // Folded before for this epoch and app: only the steps
                // that read the login itself remain.
                if let Some((acc, shaped)) = r.folded(epoch, app) {
                    let mut shaping = Vec::with_capacity(shaped.len());
                    shaping.extend(
                        shaped
                            .iter()
                            .filter_map(|&(id, phase)| self.rule_ref_at(id, phase)),
                    );
                    let d = self.conclude(acc, shaping, &r.exemptions, epoch, ctx);
                    return self.with_report_only(d, &r.resolved, &r.exemptions, epoch, app, ctx);
                }
                self.fold_into(r, epoch, app, ctx)
            }
            recent::Found::Miss(r) => {
                r.refill(self.stamp, ctx.user, ctx.groups);
                let ids = ctx.groups.iter().filter_map(|g| self.group_id(g));
                let person = self.person(ctx.user);
                self.resolve_into(&mut r.resolved, person, ids);
                r.exemptions.extend_from_slice(person.exemptions);
                self.fold_into(r, epoch, app, ctx)
            }
            recent::Found::Pass => self.decide_cold(epoch, app, ctx),
        })
    }

    /// A decision with nothing kept from before: the per-group joins where
    /// they hold (`joined.rs`), else every rule resolved and folded.
    fn decide_cold<'p>(
        &'p self,
        epoch: usize,
        app: Option<u32>,
        ctx: &LoginContext<'_>,
    ) -> Decision<'p> {
        let person = self.person(ctx.user);
        let ids = ctx.groups.iter().filter_map(|g| self.group_id(g));
        if let Some(d) = self.decide_joined::<true>(person, ids, epoch, app, ctx) {
            return d;
        }
        let r = self.resolve(ctx.user, ctx.groups);
        self.decide_at::<true>(&r.rules, &r.excluded, person.exemptions, epoch, app, ctx)
    }

    /// Fold an entry's rules for this epoch and app, keep the fold in the
    /// entry, and decide.
    fn fold_into<'p>(
        &'p self,
        r: &mut recent::Recent,
        epoch: usize,
        app: Option<u32>,
        ctx: &LoginContext<'_>,
    ) -> Decision<'p> {
        let res = &r.resolved;
        let mut shaping = Vec::with_capacity(res.rules.len() + 1);
        let acc = self.combine::<true>(epoch, &res.rules, &res.excluded, app, false, &mut shaping);
        r.fold(epoch, app, acc, &shaping, |x| {
            self.phase_of(epoch, x.id as u32)
        });
        let d = self.conclude(acc, shaping, &r.exemptions, epoch, ctx);
        self.with_report_only(d, &r.resolved, &r.exemptions, epoch, app, ctx)
    }

    /// [`Policy::decide`] without the per-thread cache: every name looked
    /// up and every rule resolved (for tests and benchmarks that compare).
    pub fn decide_uncached<'p>(&'p self, ctx: &LoginContext<'_>) -> Decision<'p> {
        let (epoch, app) = (self.epoch_of(ctx.at), ctx.app.and_then(|a| self.app_id(a)));
        self.decide_cold(epoch, app, ctx)
    }

    /// What [`Policy::decide`] decides, without the list of rules that
    /// shaped it (nor the report-only rules' list): for a caller that
    /// needs only the outcome, the level, the factors, the assurance and
    /// the deadline. No per-thread cache: a user met cold costs one name
    /// look-up per group and one join per group (see `joined.rs`).
    pub fn verdict(&self, ctx: &LoginContext<'_>) -> Verdict {
        let ids = ctx.groups.iter().filter_map(|g| self.group_id(g));
        self.verdict_of(ids, ctx, &mut Scratch::default())
    }

    /// What [`Policy::decide`] decides for a user whose directory groups are
    /// already resolved to ids ([`Policy::group_id`]; names no rule names
    /// left out), without the list of rules that shaped it: what `mfac
    /// simulate` reads for each of a directory's users. `ctx.groups` is not
    /// read. `scratch` is reused between calls, so a million users cost no
    /// allocation. Under `most_restrictive` and `specific` the rules are
    /// folded unsorted and with repeats, which those folds allow (they are
    /// joins: order and repeats do not change them); `ordered` reads file
    /// order, so there they are sorted first.
    pub fn verdict_group_ids(
        &self,
        group_ids: &[u32],
        ctx: &LoginContext<'_>,
        scratch: &mut Scratch,
    ) -> Verdict {
        self.verdict_of(group_ids.iter().copied(), ctx, scratch)
    }

    /// [`Policy::verdict`] for these group ids.
    fn verdict_of(
        &self,
        group_ids: impl Iterator<Item = u32> + Clone,
        ctx: &LoginContext<'_>,
        scratch: &mut Scratch,
    ) -> Verdict {
        let (epoch, app) = (self.epoch_of(ctx.at), ctx.app.and_then(|a| self.app_id(a)));
        let person = self.person(ctx.user);
        if let Some(d) = self.decide_joined::<false>(person, group_ids.clone(), epoch, app, ctx) {
            return Verdict::of(&d);
        }
        let r = &mut scratch.0;
        r.clear();
        self.gather_into(r, person, group_ids);
        if self.tables.precedence == Precedence::Ordered {
            r.rules.sort_unstable();
            r.rules.dedup();
        }
        let d = self.decide_at::<false>(&r.rules, &r.excluded, person.exemptions, epoch, app, ctx);
        Verdict::of(&d)
    }

    /// Decide one login of a resolved subject; `ctx.user` and `ctx.groups`
    /// are not read, the subject stands for them. A subject resolved against
    /// another policy (say, before a reload) is resolved again from its names.
    pub fn decide_subject<'p>(&'p self, subject: &Subject, ctx: &LoginContext<'_>) -> Decision<'p> {
        if subject.stamp == self.stamp {
            return self.decide_resolved(
                &subject.rules,
                &subject.excluded,
                &subject.exemptions,
                ctx,
            );
        }
        let groups: Vec<&str> = subject.groups.iter().map(|g| &**g).collect();
        let r = self.resolve(&subject.user, &groups);
        self.decide_resolved(
            &r.rules,
            &r.excluded,
            self.exemption_ids(&subject.user),
            ctx,
        )
    }

    /// The decision proper, listing the rules that shaped it. `rules` are
    /// the subject's rule ids in file order, `excluded` the rules that
    /// leave the subject out.
    fn decide_resolved<'p>(
        &'p self,
        rules: &[u32],
        excluded: &[u32],
        exemptions: &[u32],
        ctx: &LoginContext<'_>,
    ) -> Decision<'p> {
        let (epoch, app) = (self.epoch_of(ctx.at), ctx.app.and_then(|a| self.app_id(a)));
        self.decide_at::<true>(rules, excluded, exemptions, epoch, app, ctx)
    }

    /// The decision with the epoch of `ctx.at` and the app's id already
    /// found, listing the rules that shaped it when `RECORD` (`rules` must
    /// then be in file order, each once); without, the list stays empty and
    /// unallocated and `rules` may come in any order the precedence mode
    /// allows.
    fn decide_at<'p, const RECORD: bool>(
        &'p self,
        rules: &[u32],
        excluded: &[u32],
        exemptions: &[u32],
        epoch: usize,
        app: Option<u32>,
        ctx: &LoginContext<'_>,
    ) -> Decision<'p> {
        let mut shaping: Vec<RuleRef<'p>> = if RECORD {
            Vec::with_capacity(rules.len() + 1)
        } else {
            Vec::new()
        };
        let combined = self.combine::<RECORD>(epoch, rules, excluded, app, false, &mut shaping);
        let d = self.conclude(combined, shaping, exemptions, epoch, ctx);
        let resolved = (rules, excluded);
        self.report_only_of::<RECORD>(d, resolved, exemptions, epoch, app, ctx)
    }

    /// [`Policy::report_only_of`] for a resolution kept in the cache.
    fn with_report_only<'p>(
        &'p self,
        d: Decision<'p>,
        r: &Resolved,
        exemptions: &[u32],
        epoch: usize,
        app: Option<u32>,
        ctx: &LoginContext<'_>,
    ) -> Decision<'p> {
        self.report_only_of::<true>(d, (&r.rules, &r.excluded), exemptions, epoch, app, ctx)
    }

    /// The enforced decision `d`, with what it would be were the
    /// report-only rules enforced too, when that differs in outcome,
    /// enforcement or allowed factors.
    fn report_only_of<'p, const RECORD: bool>(
        &'p self,
        mut d: Decision<'p>,
        (rules, excluded): (&[u32], &[u32]),
        exemptions: &[u32],
        epoch: usize,
        app: Option<u32>,
        ctx: &LoginContext<'_>,
    ) -> Decision<'p> {
        if !self.report_only {
            return d;
        }
        let mut shaping = Vec::new();
        let all = self.combine::<RECORD>(epoch, rules, excluded, app, true, &mut shaping);
        let would = self.conclude(all, Vec::new(), exemptions, epoch, ctx);
        if (would.outcome, would.enforcement, would.factors)
            != (d.outcome, d.enforcement, d.factors)
        {
            shaping.retain(|r| r.info.report_only);
            d.report_only = Some(ReportOnly {
                outcome: would.outcome,
                enforcement: would.enforcement,
                factors: would.factors,
                rules: shaping,
            });
        }
        d
    }

    /// Does rule `id` apply in app `app` (an app id, `None` for an app no
    /// rule names), and is it enforced (or are report-only rules asked
    /// for too)? Whom it names was settled when the user was resolved.
    pub(super) fn applies_in(&self, id: u32, app: Option<&AppRules>, report_only: bool) -> bool {
        let Some(m) = self.marks.get(id as usize) else {
            return false;
        };
        let listed = |ids: &[u32]| ids.binary_search(&id).is_ok();
        (report_only || !m.report_only)
            && (!m.app_bound || app.is_some_and(|a| listed(&a.bound)))
            && !app.is_some_and(|a| listed(&a.except))
    }

    /// The subject's rules and the app's rules folded by the precedence
    /// mode: what every field is. `rules` come from a resolution (file
    /// order, unless `RECORD` is off and the mode is not `ordered`);
    /// `excluded` lists the rules that leave the subject out, which the
    /// app's own rules are checked against. Report-only rules count only
    /// when `report_only`. Pushes the rules that shaped it, in file order,
    /// when `RECORD`.
    pub(super) fn combine<'p, const RECORD: bool>(
        &'p self,
        epoch: usize,
        rules: &[u32],
        excluded: &[u32],
        app: Option<u32>,
        report_only: bool,
        shaping: &mut Vec<RuleRef<'p>>,
    ) -> Acc {
        let app_rules = app.and_then(|a| self.app_rules.get(a as usize));
        let filtered: Vec<u32>;
        let rules = if self.narrows {
            filtered = rules
                .iter()
                .copied()
                .filter(|&id| self.applies_in(id, app_rules, report_only))
                .collect();
            &filtered[..]
        } else {
            rules
        };
        let mut combined = match self.tables.precedence {
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
            Precedence::Specific | Precedence::Ordered => {
                self.ranked::<RECORD>(epoch, rules, shaping)
            }
        };
        self.apps_on_top::<RECORD>(&mut combined, epoch, excluded, app, report_only, shaping);
        combined
    }

    /// The app's rules on top of the subject's: they tighten in every mode
    /// (outside `most_restrictive` they cannot loosen at all: see
    /// `Acc::tighten`). Pushes those that shaped it, keeping the list in
    /// file order, when `RECORD`.
    pub(super) fn apps_on_top<'p, const RECORD: bool>(
        &'p self,
        combined: &mut Acc,
        epoch: usize,
        excluded: &[u32],
        app: Option<u32>,
        report_only: bool,
        shaping: &mut Vec<RuleRef<'p>>,
    ) {
        let app_rules = app.and_then(|a| self.app_rules.get(a as usize));
        let ranked = app_rules.map_or(&[][..], |a| &a.ranked[..]);
        for &id in ranked {
            if excluded.binary_search(&id).is_ok() || !self.applies_in(id, app_rules, report_only) {
                continue;
            }
            let slot = self.slot(epoch, id);
            let f = self.fold_at(slot);
            let applied = match self.tables.precedence {
                Precedence::MostRestrictive => {
                    combined.add(&f);
                    f
                }
                Precedence::Specific | Precedence::Ordered => combined.tighten(&f),
            };
            if RECORD && applied.sets_anything() {
                if let Some(r) = self.rule_ref(id, slot) {
                    let at = shaping.partition_point(|x| x.id < r.id);
                    shaping.insert(at, r);
                }
            }
        }
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
            let held = if ctx.step_up {
                fresh_enough(combined.remember(), ctx, Aal::least_of(usable))
            } else {
                self.remember_holds(combined.remember(), ctx)
            };
            match held {
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
            aal: Decision::aal_of(outcome, remembered, factors, usable),
            outcome,
            enforcement,
            factors,
            usable,
            deadline,
            grace_deadline,
            remembered,
            remember: combined.remember(),
            exempt,
            bypass: None,
            rules: shaping,
            remember_miss,
            epoch,
            report_only: None,
        }
    }

    /// `specific` and `ordered`, before the app's rules go on top. In
    /// `specific`, field by field the user-rank rules win, else the
    /// group-rank rules, else the default-rank rules (each tier combined
    /// most-restrictively). In `ordered`, field by field the first rule in
    /// file order among the user- and group-rank rules that sets it wins,
    /// else the default-rank rules. Pushes the rules that decided a field,
    /// in file order, when `RECORD`.
    fn ranked<'p, const RECORD: bool>(
        &'p self,
        epoch: usize,
        rules: &[u32],
        shaping: &mut Vec<RuleRef<'p>>,
    ) -> Acc {
        let rank = |id: u32| self.marks.get(id as usize).map(|m| m.rank);
        let ordered = self.tables.precedence == Precedence::Ordered;
        let (mut user, mut groups, mut default) = (Acc::default(), Acc::default(), Acc::default());
        for &id in rules {
            let f = self.fold_at(self.slot(epoch, id));
            match rank(id) {
                // First match: what is set already stays.
                Some(Rank::User | Rank::Group) if ordered => groups = groups.or_else(&f),
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

        // In `ordered`, what the earlier rules set already, as the list
        // is walked: a rule shaped a field only if it set it first.
        let mut before = Acc::default();
        for &id in rules.iter().filter(|_| RECORD) {
            let slot = self.slot(epoch, id);
            let counts = match rank(id) {
                Some(Rank::User | Rank::Group) if ordered => {
                    let f = self.fold_at(slot);
                    let (enf, fac, rem) = f.sets();
                    let (had_enf, had_fac, had_rem) = before.sets();
                    let won = (enf_tier == Some(1) && enf && !had_enf)
                        || (fac_tier == Some(1) && fac && !had_fac)
                        || (rem_tier == Some(1) && rem && !had_rem)
                        || (f.recovery && !before.recovery);
                    before = before.or_else(&f);
                    won
                }
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
    pub(super) fn rule_ref_at(&self, id: u32, phase: Option<u32>) -> Option<RuleRef<'_>> {
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

    /// [`fresh_enough`] is the step-up's test; this is the remember
    /// window's.
    fn remember_holds(
        &self,
        remember: Option<Remember>,
        ctx: &LoginContext<'_>,
    ) -> Result<(), RememberMiss> {
        let (w, last) = within_window(remember, ctx)?;
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

/// A step-up's test: a verified MFA that reached `needs`, newer than the
/// remember window's length. The window's other conditions (same IP, same
/// context, login count) do not let a step-up through, so they are not
/// read; no window (or `never`) means every step-up is challenged.
fn fresh_enough(
    remember: Option<Remember>,
    ctx: &LoginContext<'_>,
    needs: Aal,
) -> Result<(), RememberMiss> {
    let (_, last) = within_window(remember, ctx)?;
    let had = last.aal.unwrap_or(Aal::Aal2);
    if had < needs {
        return Err(RememberMiss::AssuranceTooLow { had, needs });
    }
    Ok(())
}

/// The remember window and the last MFA, when that MFA is no older than
/// the window's length (its end exclusive): what both the window's test
/// and a step-up's start from.
fn within_window(
    remember: Option<Remember>,
    ctx: &LoginContext<'_>,
) -> Result<(crate::policy::Window, LastMfa), RememberMiss> {
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
    Ok((w, last))
}
