//! Most-restrictive combination of rule settings.
//!
//! The evaluator folds some twenty rules per login, and their settings vary
//! from rule to rule in no pattern a branch predictor can learn. So every
//! field is kept in a form whose combination is a `max`, a `min`, an `and` or
//! an `or`: one rule's settings are converted once, when the policy loads,
//! and the per-login fold has almost no branches.

use crate::compile::Settings;
use crate::policy::{FactorSet, Level, Remember, Window};
use jiff::Timestamp;

/// One rule's settings, or several rules' combined most-restrictively.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Acc {
    /// 0 when no rule sets enforcement, else `1 + Level`: `max` is the most
    /// restrictive.
    level: u8,
    /// Intersection of the factor bits; all ones while no rule sets factors.
    factors: u8,
    sets_factors: bool,
    pub(crate) recovery: bool,
    /// The earliest enrolment deadline among rules that require MFA
    /// (`Timestamp::MIN`: immediate). `Timestamp::MAX` while none does; it is
    /// only read when the combined level is `required`, so some rule does.
    deadline: Timestamp,
    remember: RememberAcc,
}

/// `remember` as fields that combine one by one: `never` wins, else the
/// shortest window with the union of conditions and the smallest login limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct RememberAcc {
    set: bool,
    never: bool,
    seconds: i64,
    same_ip: bool,
    same_context: bool,
    /// `u64::MAX` for no limit: wider than any `u32` limit, so a stated
    /// limit of `u32::MAX` stays a limit.
    max_logins: u64,
}

impl Default for Acc {
    /// The identity of [`Acc::add`]: no rule.
    fn default() -> Self {
        Acc {
            level: 0,
            factors: u8::MAX,
            sets_factors: false,
            recovery: false,
            deadline: Timestamp::MAX,
            remember: RememberAcc {
                set: false,
                never: false,
                seconds: i64::MAX,
                same_ip: false,
                same_context: false,
                max_logins: u64::MAX,
            },
        }
    }
}

impl Acc {
    pub(crate) fn from_settings(s: &Settings) -> Acc {
        let mut acc = Acc::default();
        if let Some(level) = s.enforcement {
            acc.level = level_code(level);
            if level == Level::Required {
                acc.deadline = s.deadline.unwrap_or(Timestamp::MIN);
            }
        }
        if let Some(f) = s.factors {
            acc.factors = f.bits();
            acc.sets_factors = true;
        }
        acc.recovery = s.recovery.is_some();
        match s.remember {
            None => {}
            Some(Remember::Never) => {
                acc.remember.set = true;
                acc.remember.never = true;
            }
            Some(Remember::Window(w)) => {
                acc.remember = RememberAcc {
                    set: true,
                    never: false,
                    seconds: w.seconds,
                    same_ip: w.same_ip,
                    same_context: w.same_context,
                    max_logins: w.max_logins.map_or(u64::MAX, u64::from),
                };
            }
        }
        acc
    }

    /// Combine most-restrictively. Commutative, associative and idempotent,
    /// so neither rule order nor a rule reached twice changes the result.
    pub(crate) fn add(&mut self, o: &Acc) {
        self.level = self.level.max(o.level);
        self.factors &= o.factors;
        self.sets_factors |= o.sets_factors;
        self.recovery |= o.recovery;
        self.deadline = self.deadline.min(o.deadline);
        let (r, q) = (&mut self.remember, &o.remember);
        r.set |= q.set;
        r.never |= q.never;
        r.seconds = r.seconds.min(q.seconds);
        r.same_ip |= q.same_ip;
        r.same_context |= q.same_context;
        r.max_logins = r.max_logins.min(q.max_logins);
    }

    /// `specific` mode's app rule on top of the other rules: most
    /// restrictive, and it can only tighten. So it creates no remember window
    /// where the other rules set none (it may shorten one, or say `never`),
    /// and it adds no recovery. The part of `app` that applies is returned.
    pub(crate) fn tighten(&mut self, app: &Acc) -> Acc {
        let mut a = *app;
        a.recovery = false;
        if !self.remember.set && !a.remember.never {
            a.remember = Acc::default().remember;
        }
        self.add(&a);
        a
    }

    pub(crate) fn sets_anything(&self) -> bool {
        self.level != 0 || self.sets_factors || self.remember.set || self.recovery
    }

    pub(crate) fn enforcement(&self) -> Option<Level> {
        match self.level {
            1 => Some(Level::Off),
            2 => Some(Level::Optional),
            3 => Some(Level::Required),
            _ => None,
        }
    }

    pub(crate) fn factors(&self) -> Option<FactorSet> {
        // Bits come from a validated FactorSet; fail closed on anything else.
        self.sets_factors
            .then(|| FactorSet::from_bits(self.factors).unwrap_or(FactorSet::EMPTY))
    }

    /// The enrolment deadline of a `required` result with a grace period.
    pub(crate) fn grace_deadline(&self) -> Option<Timestamp> {
        (self.level == level_code(Level::Required) && self.deadline != Timestamp::MIN)
            .then_some(self.deadline)
    }

    pub(crate) fn remember(&self) -> Option<Remember> {
        let r = &self.remember;
        if !r.set {
            None
        } else if r.never {
            Some(Remember::Never)
        } else {
            Some(Remember::Window(Window {
                seconds: r.seconds,
                same_ip: r.same_ip,
                same_context: r.same_context,
                max_logins: u32::try_from(r.max_logins).ok(),
            }))
        }
    }

    /// Field by field: this accumulator's value where it has one, else `o`'s.
    /// (The `specific` tiers: the user rule, else the groups, else the default.)
    pub(crate) fn or_else(&self, o: &Acc) -> Acc {
        let (lvl, fac, rem) = (self.level != 0, self.sets_factors, self.remember.set);
        Acc {
            level: if lvl { self.level } else { o.level },
            deadline: if lvl { self.deadline } else { o.deadline },
            factors: if fac { self.factors } else { o.factors },
            sets_factors: fac || o.sets_factors,
            remember: if rem { self.remember } else { o.remember },
            recovery: self.recovery || o.recovery,
        }
    }

    /// Only the fields asked for; the rest as no rule set them. Projection
    /// commutes with [`Acc::add`], [`Acc::or_else`] and [`Acc::tighten`]
    /// field by field, which is what makes a search over projections exact.
    pub(crate) fn project(
        &self,
        level: bool,
        factors: bool,
        recovery: bool,
        remember: bool,
        remember_kind: bool,
        deadline: bool,
    ) -> Acc {
        let none = Acc::default();
        Acc {
            level: if level { self.level } else { none.level },
            factors: if factors { self.factors } else { none.factors },
            sets_factors: factors && self.sets_factors,
            recovery: recovery && self.recovery,
            deadline: if deadline {
                self.deadline
            } else {
                none.deadline
            },
            remember: if remember {
                self.remember
            } else if remember_kind && self.remember.set {
                // One window stands for every window: the join keeps
                // `never` over a window and a window over nothing, which is
                // all the kind needs.
                RememberAcc {
                    set: true,
                    never: self.remember.never,
                    ..none.remember
                }
            } else {
                none.remember
            },
        }
    }

    /// Would adding `o` change nothing?
    pub(crate) fn covers(&self, o: &Acc) -> bool {
        let mut joined = *self;
        joined.add(o);
        joined == *self
    }

    /// Which fields this accumulator sets: (enforcement, factors, remember).
    pub(crate) fn sets(&self) -> (bool, bool, bool) {
        (self.level != 0, self.sets_factors, self.remember.set)
    }
}

/// `ordered` precedence's first match as a join: for each field, the
/// value of the earliest rule (by id, which is file order) that sets it.
/// Taking the earlier of two per field is commutative, associative and
/// idempotent, so the first match over a set of rules is the join of the
/// rules taken one by one, in any order: what lets a proof search over
/// sets of groups treat `ordered` as it treats the other modes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct First {
    acc: Acc,
    /// The id of the rule that set enforcement (and so the deadline),
    /// factors and remember; `u32::MAX` while none has.
    by: [u32; 3],
}

impl Default for First {
    fn default() -> Self {
        First {
            acc: Acc::default(),
            by: [u32::MAX; 3],
        }
    }
}

impl First {
    /// Rule `id` with these settings alone.
    pub(crate) fn of(id: u32, f: &Acc) -> First {
        let (enf, fac, rem) = f.sets();
        let by = |set: bool| if set { id } else { u32::MAX };
        First {
            acc: *f,
            by: [by(enf), by(fac), by(rem)],
        }
    }

    /// Per field, the earlier rule's value. (Recovery has one value, so
    /// its first match is whether any rule sets it.)
    pub(crate) fn join(&mut self, o: &First) {
        let [enf, fac, rem] = self.by;
        let [o_enf, o_fac, o_rem] = o.by;
        let (a, b) = (&mut self.acc, &o.acc);
        if o_enf < enf {
            a.level = b.level;
            a.deadline = b.deadline;
        }
        if o_fac < fac {
            a.factors = b.factors;
            a.sets_factors = b.sets_factors;
        }
        if o_rem < rem {
            a.remember = b.remember;
        }
        a.recovery |= b.recovery;
        self.by = [enf.min(o_enf), fac.min(o_fac), rem.min(o_rem)];
    }

    /// Would rule `id` with settings `f` win no field here: is every field
    /// it sets already set by an earlier rule?
    pub(crate) fn covers(&self, id: u32, f: &Acc) -> bool {
        let (enf, fac, rem) = f.sets();
        let [b_enf, b_fac, b_rem] = self.by;
        (!enf || b_enf < id)
            && (!fac || b_fac < id)
            && (!rem || b_rem < id)
            && (!f.recovery || self.acc.recovery)
    }

    pub(crate) fn acc(&self) -> Acc {
        self.acc
    }

    /// Each field's winning rule moved to `canon(field, id)`, a later rule
    /// that leaves every future join the same (see `Policy::first_runs`).
    pub(crate) fn raise(&mut self, canon: impl Fn(usize, u32) -> u32) {
        for (field, by) in self.by.iter_mut().enumerate() {
            if *by != u32::MAX {
                *by = canon(field, *by);
            }
        }
    }

    /// Does `f` set field `field` (0 enforcement, 1 factors, 2 remember,
    /// as in `by`)?
    pub(crate) fn sets_field(f: &Acc, field: usize) -> bool {
        let (enf, fac, rem) = f.sets();
        [enf, fac, rem].get(field).copied().unwrap_or(false)
    }

    /// Do `a` and `b` give field `field` the same value when they win it?
    pub(crate) fn same_value(a: &Acc, b: &Acc, field: usize) -> bool {
        match field {
            0 => (a.level, a.deadline) == (b.level, b.deadline),
            1 => (a.factors, a.sets_factors) == (b.factors, b.sets_factors),
            _ => a.remember == b.remember,
        }
    }
}

fn level_code(l: Level) -> u8 {
    match l {
        Level::Off => 1,
        Level::Optional => 2,
        Level::Required => 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{Factor, Field, Recovery, Written};

    fn settings(level: Option<Level>, factors: &[Factor], remember: Option<Remember>) -> Settings {
        Settings::of(Written {
            enforcement: level,
            factors: (!factors.is_empty()).then(|| factors.iter().copied().collect()),
            remember,
            ..Written::default()
        })
    }

    fn with_recovery(mut s: Settings) -> Settings {
        s.recovery = Some(Recovery::BackupCode);
        s
    }

    fn window(seconds: i64, same_ip: bool, max_logins: Option<u32>) -> Remember {
        Remember::Window(Window {
            seconds,
            same_ip,
            same_context: false,
            max_logins,
        })
    }

    #[test]
    fn round_trips_one_rule() {
        let s = Settings {
            deadline: Some(Timestamp::UNIX_EPOCH),
            ..with_recovery(settings(
                Some(Level::Required),
                &[Factor::Totp],
                Some(window(60, true, Some(u32::MAX))),
            ))
        };
        let a = Acc::from_settings(&s);
        assert_eq!(a.enforcement(), Some(Level::Required));
        assert_eq!(a.factors(), s.factors);
        assert_eq!(a.remember(), s.remember);
        assert_eq!(a.grace_deadline(), Some(Timestamp::UNIX_EPOCH));
        assert!(a.recovery && a.sets_anything());
        assert!(!Acc::default().sets_anything());
    }

    #[test]
    fn combines_most_restrictively() {
        let mut a = Acc::from_settings(&settings(
            Some(Level::Optional),
            &[Factor::Totp, Factor::Sms],
            Some(window(3600, false, None)),
        ));
        a.add(&Acc::from_settings(&settings(
            Some(Level::Required),
            &[Factor::Totp, Factor::Webauthn],
            Some(window(60, true, Some(3))),
        )));
        assert_eq!(a.enforcement(), Some(Level::Required));
        assert_eq!(a.factors(), Some(FactorSet::single(Factor::Totp)));
        assert_eq!(a.remember(), Some(window(60, true, Some(3))));
        // A required rule without a grace makes enrolment immediate.
        assert_eq!(a.grace_deadline(), None);
        a.add(&Acc::from_settings(&settings(
            None,
            &[],
            Some(Remember::Never),
        )));
        assert_eq!(a.remember(), Some(Remember::Never));
    }

    #[test]
    fn agrees_with_remember_strictest() {
        let rs = [
            Remember::Never,
            window(60, false, None),
            window(30, true, Some(5)),
            window(90, false, Some(2)),
        ];
        for x in rs {
            for y in rs {
                let mut a = Acc::from_settings(&settings(None, &[], Some(x)));
                a.add(&Acc::from_settings(&settings(None, &[], Some(y))));
                assert_eq!(a.remember(), Some(x.strictest(y)), "{x} + {y}");
            }
        }
    }

    #[test]
    fn an_app_tightens_but_never_loosens() {
        let window = |s| Some(window(s, false, None));
        // No window from the other rules: the app's window does not create one.
        let mut a = Acc::from_settings(&settings(Some(Level::Required), &[Factor::Totp], None));
        let app = Acc::from_settings(&with_recovery(settings(None, &[], window(3600))));
        let applied = a.tighten(&app);
        assert_eq!(a.remember(), None);
        assert!(!a.recovery && !applied.sets_anything());
        // It shortens a window, and `never` always applies.
        let mut b = Acc::from_settings(&settings(None, &[], window(7200)));
        b.tighten(&Acc::from_settings(&settings(None, &[], window(600))));
        assert_eq!(b.remember(), window(600));
        let mut c = Acc::from_settings(&settings(Some(Level::Optional), &[], None));
        c.tighten(&Acc::from_settings(&settings(
            Some(Level::Required),
            &[],
            Some(Remember::Never),
        )));
        assert_eq!(
            (c.enforcement(), c.remember()),
            (Some(Level::Required), Some(Remember::Never))
        );
    }

    fn arb_settings() -> impl proptest::strategy::Strategy<Value = Settings> {
        use proptest::prelude::*;
        let level = prop::option::of(prop::sample::select(vec![
            Level::Off,
            Level::Optional,
            Level::Required,
        ]));
        let factors = prop::option::of(
            (0u8..64).prop_map(|b| FactorSet::from_bits(b).unwrap_or(FactorSet::EMPTY)),
        );
        let remember = prop::option::of(prop_oneof![
            Just(Remember::Never),
            (
                1i64..5,
                any::<bool>(),
                any::<bool>(),
                prop::option::of(2u32..5)
            )
                .prop_map(|(h, ip, cx, m)| {
                    Remember::Window(Window {
                        seconds: h * 3600,
                        same_ip: ip,
                        same_context: cx,
                        max_logins: m,
                    })
                }),
        ]);
        let deadline =
            prop::option::of((1i64..4).prop_map(|d| Timestamp::from_second(d * 86_400).unwrap()));
        (level, factors, any::<bool>(), remember, deadline).prop_map(
            |(enforcement, factors, recovery, remember, deadline)| Settings {
                written: Written {
                    enforcement,
                    factors,
                    recovery: recovery.then_some(Recovery::BackupCode),
                    remember,
                    enrolment: None,
                    assurance: None,
                },
                // As lowering writes it: a deadline only where MFA is required.
                deadline: deadline.filter(|_| enforcement == Some(Level::Required)),
                phase: None,
            },
        )
    }

    proptest::proptest! {
        /// The fold is `Settings::add` in a faster form: one combination rule.
        #[test]
        fn the_fold_agrees_with_settings_add(a in arb_settings(), b in arb_settings(), c in arb_settings()) {
            let mut want = a;
            want.add(&b);
            want.add(&c);
            let mut got = Acc::from_settings(&a);
            got.add(&Acc::from_settings(&b));
            got.add(&Acc::from_settings(&c));
            let direct = Acc::from_settings(&want);
            proptest::prop_assert_eq!(got.enforcement(), direct.enforcement());
            proptest::prop_assert_eq!(got.factors(), direct.factors());
            proptest::prop_assert_eq!(got.recovery, direct.recovery);
            proptest::prop_assert_eq!(got.remember(), direct.remember());
            proptest::prop_assert_eq!(got.grace_deadline(), direct.grace_deadline());
        }
    }

    #[test]
    fn earliest_grace_among_required_rules() {
        let at = |s: i64| Timestamp::from_second(s).unwrap();
        let req = |d: Option<Timestamp>| Settings {
            deadline: d,
            ..settings(Some(Level::Required), &[], None)
        };
        let mut a = Acc::from_settings(&req(Some(at(200))));
        a.add(&Acc::from_settings(&req(Some(at(100)))));
        // An optional rule's (absent) deadline does not count.
        a.add(&Acc::from_settings(&settings(
            Some(Level::Optional),
            &[],
            None,
        )));
        assert_eq!(a.grace_deadline(), Some(at(100)));
    }

    /// The fold is written by hand, so a field added to the catalogue must
    /// be added here too: each field set alone must come through it.
    #[test]
    fn the_fold_carries_every_declared_field() {
        for &field in Field::ALL {
            let mut s = Settings::NONE;
            match field {
                Field::Enforcement => s.enforcement = Some(Level::Required),
                Field::Factors => s.factors = Some(FactorSet::single(Factor::Totp)),
                Field::Recovery => s.recovery = Some(Recovery::BackupCode),
                Field::Remember => s.remember = Some(Remember::Never),
                Field::Enrolment => {
                    // Lowered to a deadline, read where MFA is required.
                    s.enforcement = Some(Level::Required);
                    s.enrolment = Some(crate::policy::Enrolment::Grace(86_400));
                    s.deadline = Some(Timestamp::UNIX_EPOCH);
                }
                Field::Assurance => {
                    // Lowered by the checker to the enforcement and factors
                    // it demands: those are what the fold carries.
                    s.assurance = Some(crate::policy::Aal::Aal3);
                    let l = crate::policy::Aal::Aal3.lower(None, None);
                    s.enforcement = l.enforcement;
                    s.factors = l.factors;
                }
            }
            let a = Acc::from_settings(&s);
            let back = (
                a.enforcement(),
                a.factors(),
                a.recovery.then_some(Recovery::BackupCode),
                a.remember(),
                a.grace_deadline(),
            );
            let want = (s.enforcement, s.factors, s.recovery, s.remember, s.deadline);
            assert_eq!(back, want, "{field:?}");
        }
    }
}
