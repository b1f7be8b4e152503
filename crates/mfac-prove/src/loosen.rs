//! Does NEW loosen anyone compared with OLD? Over the same space as a
//! proof (every named user of either and anyone else, every set of groups
//! of either, every app of either and any other, every instant), each kind
//! of loosening is looked for with the fewest groups.
//!
//! A set of groups has a summary in each policy; the pair joins
//! componentwise, so the pairs a set can reach are the joins of the
//! distinct per-group pairs, and the same two-stage search as a proof's is
//! exact: a group that leaves a rule out in either policy is searched
//! first. Like a proof, the search gives up past a limit, and a kind it
//! gave up on is not proven: a review treats it as a loosening.

use crate::{apps_of, effective_of, instant, named_users, pieces, two_stage, widen_span, Settling};
use jiff::Timestamp;
use mfac_core::eval::space::{Effective, Fields, Span, Summary, View};
use mfac_core::policy::{FieldType, Remember};
use mfac_core::{Level, Policy};
use rustc_hash::FxHashMap;
use std::collections::hash_map::Entry;

/// What NEW gives more of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// A lower enforcement level.
    Enforcement,
    /// A factor allowed that OLD did not allow (where MFA is asked for).
    Factors,
    /// A remember window where OLD had none, or a longer or less
    /// conditioned one.
    Remember,
    /// A later enrolment deadline for a login required under both.
    Grace,
    /// An exemption where OLD had none.
    Exemption,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Enforcement,
        Kind::Factors,
        Kind::Remember,
        Kind::Grace,
        Kind::Exemption,
    ];

    /// `enforcement`, `factors`, ...: the word every output uses.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Enforcement => "enforcement",
            Kind::Factors => "factors",
            Kind::Remember => "remember",
            Kind::Grace => "grace",
            Kind::Exemption => "exemption",
        }
    }

    fn fields(self) -> Fields {
        let mut f = Fields::default();
        match self {
            Kind::Enforcement => f.enforcement = true,
            Kind::Factors => {
                f.enforcement = true;
                f.factors = true;
                f.recovery = true;
            }
            Kind::Remember => f.remember = true,
            Kind::Grace => {
                f.enforcement = true;
                f.deadline = true;
            }
            Kind::Exemption => {}
        }
        f
    }

    /// Is `new` looser than `old` in this respect?
    pub fn looser(self, old: &Side, new: &Side) -> bool {
        let (o, n) = (&old.effective, &new.effective);
        match self {
            Kind::Enforcement => n.enforcement < o.enforcement,
            Kind::Factors => n.enforcement > Level::Off && !n.factors.is_subset(o.factors),
            Kind::Remember => window_looser(o.remember, n.remember),
            Kind::Grace => {
                o.enforcement == Level::Required
                    && n.enforcement == Level::Required
                    && match (o.grace_deadline, n.grace_deadline) {
                        (_, None) => false,
                        (None, Some(_)) => true,
                        (Some(a), Some(b)) => b > a,
                    }
            }
            Kind::Exemption => new.exempt && !old.exempt,
        }
    }
}

/// A window in `new` that lets more logins through than `old`'s: one
/// where `old` had none, or looser by `Remember`'s own order.
fn window_looser(old: Option<Remember>, new: Option<Remember>) -> bool {
    match (old, new) {
        (_, None) => false,
        (None, Some(n)) => matches!(n, Remember::Window(_)),
        (Some(o), Some(n)) => <Remember as FieldType>::looser(o, n),
    }
}

/// One policy's side of a login.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Side {
    pub effective: Effective,
    pub exempt: bool,
}

/// A login that NEW treats more loosely than OLD, with the fewest groups.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Loosening {
    pub kind: Kind,
    pub groups: Vec<String>,
    /// A named user, or `None`: any user neither policy names.
    pub user: Option<String>,
    /// A named app, or `None`: any app neither policy names (or none).
    pub app: Option<String>,
    pub span: Span,
    pub at: Timestamp,
    pub old: Side,
    pub new: Side,
    /// NEW's `bypass` line may exempt the login (where OLD's may not, or
    /// for less time): a run-time exemption, not an `exempt` line.
    pub bypass: bool,
}

/// `p`'s side of a login with exactly `groups`.
fn side(
    p: &Policy,
    at: Timestamp,
    user: Option<&str>,
    app: Option<&str>,
    groups: &[String],
) -> Side {
    Side {
        effective: effective_of(p, p.epoch_of(at), user, app, groups),
        exempt: user.is_some_and(|u| p.exemption_at(u, at).is_some()),
    }
}

/// What `--deny-loosening` finds: every kind of loosening NEW makes over
/// OLD, and the kinds it could not judge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Review {
    /// Each kind of loosening found, with its minimal counterexample, in
    /// [`Kind`] order.
    pub loosenings: Vec<Loosening>,
    /// The kinds whose search met more than the limit's combinations of
    /// groups: NEW may loosen them, and nobody showed it does not.
    pub not_proven: Vec<Kind>,
}

impl Review {
    /// Proven to loosen nobody: nothing found and nothing left unjudged.
    pub fn proven_safe(&self) -> bool {
        self.loosenings.is_empty() && self.not_proven.is_empty()
    }
}

/// Every kind of loosening NEW makes over OLD, each search keeping at most
/// `limit` combinations of groups ([`crate::PROOF_LIMIT`] unless told);
/// at every instant, or only at `at` (`mfac diff --at`).
pub fn review(old: &Policy, new: &Policy, limit: usize, at: Option<Timestamp>) -> Review {
    let mut r = Review {
        loosenings: Vec::new(),
        not_proven: Vec::new(),
    };
    for kind in Kind::ALL {
        match loosening(old, new, kind, limit, at) {
            Ok(Some(l)) => r.loosenings.push(l),
            Ok(None) => {}
            Err(_) => r.not_proven.push(kind),
        }
    }
    r
}

/// The loosening of one kind with the fewest groups (then the earliest
/// time, the first user and app), if NEW makes it, at any instant or only
/// at `only_at`; an error when a search meets more than `limit`
/// combinations of groups.
pub fn loosening(
    old: &Policy,
    new: &Policy,
    kind: Kind,
    limit: usize,
    only_at: Option<Timestamp>,
) -> Result<Option<Loosening>, crate::Unjudgeable> {
    let mut groups: Vec<String> = old
        .group_names()
        .chain(new.group_names())
        .map(str::to_string)
        .collect();
    groups.sort();
    groups.dedup();
    // Anyone else first: of two counterexamples alike, the more general.
    let users: Vec<Option<String>> = std::iter::once(None)
        .chain(named_users([old, new]).into_iter().map(Some))
        .collect();
    let apps = apps_of(None, [old, new]);
    let fields = kind.fields();
    let mut best: Option<((usize, usize, usize, usize), Loosening)> = None;
    // At one instant: the one piece of time holding it, in which both
    // policies' settings and exemptions are those of the instant.
    let times: Vec<Span> = pieces([old, new], None, None)
        .into_iter()
        .filter(|s| {
            only_at.is_none_or(|t| s.start.is_none_or(|a| a <= t) && s.end.is_none_or(|e| t < e))
        })
        .collect();
    let mut searches: FxHashMap<_, Vec<(Pair, Vec<usize>)>> = FxHashMap::default();
    for (k, span) in times.iter().copied().enumerate() {
        let at = instant(&span);
        let (eo, en) = (old.epoch_of(at), new.epoch_of(at));
        for (ui, user) in users.iter().enumerate() {
            let u = user.as_deref();
            let exempt = |p: &Policy| u.is_some_and(|u| p.exemption_at(u, at).is_some());
            for (ai, app) in apps.iter().enumerate() {
                let a = app.as_deref();
                let (vo, vn) = (
                    old.view(eo, u, a, fields, None),
                    new.view(en, u, a, fields, None),
                );
                let key = (vo.groups_key(), vn.groups_key());
                let states = match searches.entry(key) {
                    Entry::Occupied(e) => e.into_mut(),
                    Entry::Vacant(e) => {
                        let Some(found) = pairs_reached(&vo, &vn, &groups, limit) else {
                            return Err(crate::Unjudgeable::TooLarge);
                        };
                        e.insert(found)
                    }
                };
                for ((so, sn), witness) in states.iter() {
                    if best.as_ref().is_some_and(|(key, _)| key.0 < witness.len()) {
                        continue;
                    }
                    let o = Side {
                        effective: vo.effective(so),
                        exempt: exempt(old),
                    };
                    let n = Side {
                        effective: vn.effective(sn),
                        exempt: exempt(new),
                    };
                    if !kind.looser(&o, &n) {
                        continue;
                    }
                    let key = (witness.len(), k, ui, ai);
                    if best.as_ref().is_some_and(|(b, _)| key >= *b) {
                        continue;
                    }
                    let names: Vec<String> = witness
                        .iter()
                        .filter_map(|&i| groups.get(i).cloned())
                        .collect();
                    best = Some((
                        key,
                        Loosening {
                            kind,
                            old: side(old, at, u, a, &names),
                            new: side(new, at, u, a, &names),
                            groups: names,
                            user: user.clone(),
                            app: app.clone(),
                            span,
                            at,
                            bypass: false,
                        },
                    ));
                }
            }
        }
    }
    if best.is_none() && kind == Kind::Exemption {
        // No `exempt` line loosens; a bypass the helpdesk may now grant can.
        if let Some((groups, user)) = crate::bypass::loosening(old, new) {
            let span = times.first().copied().unwrap_or(Span {
                start: None,
                end: None,
            });
            let at = only_at.unwrap_or_else(|| instant(&span));
            let u = user.as_deref();
            let mut n = side(new, at, u, None, &groups);
            n.exempt = true;
            return Ok(Some(Loosening {
                kind,
                old: side(old, at, u, None, &groups),
                new: n,
                groups,
                user,
                app: None,
                span: Span {
                    start: None,
                    end: None,
                },
                at,
                bypass: true,
            }));
        }
    }
    Ok(best.map(|(_, mut l)| {
        let looser_then = |span: &Span| {
            let at = instant(span);
            let (u, a) = (l.user.as_deref(), l.app.as_deref());
            kind.looser(
                &side(old, at, u, a, &l.groups),
                &side(new, at, u, a, &l.groups),
            )
        };
        l.span = widen_span(&times, l.span, looser_then);
        l
    }))
}

/// A set of groups' summaries in OLD and NEW.
type Pair = (Summary, Summary);

/// Every pair of summaries some set of `groups` reaches in the two views,
/// fewest groups first: a proof's two-stage search, where a group that
/// leaves a rule out in either policy goes first. `None` past `limit`.
fn pairs_reached(
    vo: &View<'_>,
    vn: &View<'_>,
    groups: &[String],
    limit: usize,
) -> Option<Vec<(Pair, Vec<usize>)>> {
    let (excluders, members): (Vec<_>, Vec<_>) = groups
        .iter()
        .enumerate()
        .map(|(i, g)| ((vo.group(g), vn.group(g)), i))
        .partition(|((o, n), _)| o.leaves_out() || n.leaves_out());
    let how = Settling {
        join: |x: &Pair, y: &Pair| (vo.join(&x.0, &y.0), vn.join(&x.1, &y.1)),
        settle: |s: &Pair, by: &Pair| (vo.settled(&s.0, &by.0), vn.settled(&s.1, &by.1)),
        leaving_out: |s: Pair, by: &Pair| (vo.leaving_out(s.0, &by.0), vn.leaving_out(s.1, &by.1)),
    };
    two_stage(
        excluders,
        &members,
        (vo.none(), vn.none()),
        &how,
        false,
        limit,
    )
}

impl Loosening {
    /// The login on NEW's side, as a proof's counterexample: what NEW
    /// gives it, for the report and its replay.
    pub fn on_new(&self) -> crate::Counterexample {
        crate::Counterexample {
            groups: self.groups.clone(),
            user: self.user.clone(),
            app: self.app.clone(),
            span: self.span,
            at: self.at,
            effective: self.new.effective,
            exempt: self.new.exempt,
            bypass: self.bypass,
        }
    }

    /// What got looser, `old -> new`, in a few words.
    pub fn change(&self, tz: &jiff::tz::TimeZone) -> String {
        let (o, n) = (&self.old.effective, &self.new.effective);
        let remember = |r: Option<Remember>| r.map_or("none".to_string(), |r| r.to_string());
        let deadline = |d: Option<Timestamp>| {
            d.map_or("immediately".to_string(), |d| {
                format!("by {}", mfac_core::time::format_instant(d, tz))
            })
        };
        match self.kind {
            Kind::Enforcement => format!("enforcement `{}` -> `{}`", o.enforcement, n.enforcement),
            Kind::Factors => {
                let added = mfac_core::FactorSet::from_bits(n.factors.bits() & !o.factors.bits())
                    .unwrap_or(n.factors);
                format!(
                    "factors `{}` -> `{}` (adds `{}`)",
                    o.factors, n.factors, added
                )
            }
            Kind::Remember => format!(
                "remember `{}` -> `{}`",
                remember(o.remember),
                remember(n.remember)
            ),
            Kind::Grace => format!(
                "enrol {} -> {}",
                deadline(o.grace_deadline),
                deadline(n.grace_deadline)
            ),
            Kind::Exemption if self.bypass => {
                "not exempt -> exempt by a helpdesk bypass the new `bypass` line allows".to_string()
            }
            Kind::Exemption => "not exempt -> exempt".to_string(),
        }
    }
}
