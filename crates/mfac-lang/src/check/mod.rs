//! Stage 2: syntax tree to checked policy, and every check of the design.
//!
//! Resolution (`resolve`) turns names into data and reports what makes that
//! impossible (unknown factors, duplicates, misplaced fields). The checks in
//! `checks/`, one file each, then look at the resolved policy as a whole.
//! Every code the tool can report is listed once, in [`REGISTRY`].

pub mod checks;
pub mod codes;
pub mod config;
mod resolve;
mod suppress;

pub(crate) use crate::groups::GroupGraph;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::directory::Directory;
use crate::policy::{CheckedPolicy, Effective, FactorSet, Fields, Level, Precedence, RuleId};
use crate::source::{SourceFile, Span};
use jiff::Timestamp;

pub use crate::diagnostic::CheckInfo;
pub use checks::control_fails::ControlResult;
pub use resolve::{profile_arg, strengths};

pub type RunFn = fn(&Context<'_>, &mut Vec<Diagnostic>);

/// One row of the registry: the documentation, and the function that runs
/// the check over a resolved policy (`None` for findings made while parsing
/// or resolving).
pub struct Check {
    pub info: &'static CheckInfo,
    pub run: Option<RunFn>,
    pub group: Group,
}

/// How a check is rolled out, as ruff groups its rules: `stable` checks run
/// unless `mfac.toml` turns them off; `pedantic` ones (right, but about
/// style a team may not want) and `preview` ones (new, still being tuned)
/// run only when `mfac.toml` turns them on, by code or by group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Group {
    Stable,
    Pedantic,
    Preview,
}

impl Group {
    pub const ALL: [Group; 3] = [Group::Stable, Group::Pedantic, Group::Preview];

    /// `stable`, `pedantic` or `preview`, as `mfac.toml` and the docs write it.
    pub fn name(self) -> &'static str {
        match self {
            Group::Stable => "stable",
            Group::Pedantic => "pedantic",
            Group::Preview => "preview",
        }
    }

    pub fn from_name(name: &str) -> Option<Group> {
        Group::ALL
            .into_iter()
            .find(|g| g.name().eq_ignore_ascii_case(name))
    }

    /// Does a check of this group run when nothing configures it?
    pub fn on_by_default(self) -> bool {
        self == Group::Stable
    }
}

/// Everything a check may look at.
pub struct Context<'a> {
    pub(crate) policy: &'a CheckedPolicy,
    pub(crate) groups: &'a GroupGraph,
    /// The instant exemption checks measure from: midnight of `--today`.
    pub(crate) today: Timestamp,
    pub(crate) directory: Option<&'a Directory>,
    /// The policy compiled, built on first use: the directory checks decide
    /// real users with the evaluator, and share one compilation.
    compiled: std::cell::OnceCell<crate::eval::Policy>,
    /// [`Context::named_groups`] and [`Context::group_mismatches`], on first use.
    named: std::cell::OnceCell<Vec<(&'a str, Span)>>,
    mismatches: std::cell::OnceCell<Vec<crate::names::GroupMismatch<'a>>>,
    /// See [`CheckOptions::proof_limit`].
    proof_limit: usize,
    /// The built-in properties whose proof gave up, in words: E035 reports
    /// them, since a check that could not judge must not pass in silence.
    gave_up: std::cell::RefCell<Vec<String>>,
    /// The proofs' searches, shared: many checks prove properties of the
    /// same scope.
    proofs: std::cell::RefCell<mfac_prove::Proofs>,
    /// See [`CheckOptions::memo`]; `begun` once this policy was shown to it.
    memo: Option<&'a std::sync::Mutex<mfac_prove::Memo>>,
    begun: std::cell::Cell<bool>,
}

impl<'a> Context<'a> {
    /// The checked policy as the evaluator runs it.
    pub(crate) fn compiled(&self) -> &crate::eval::Policy {
        self.compiled
            .get_or_init(|| crate::compile::policy(self.policy))
    }

    /// One instant in each stretch of time over which every rule is constant.
    pub(crate) fn epochs(&self) -> Vec<Timestamp> {
        self.policy.epoch_starts()
    }

    /// The default rule's fields at `at`; without a default rule, the implicit
    /// one: enforcement off, every non-recovery factor allowed.
    pub(crate) fn default_at(&self, at: Timestamp) -> Effective {
        let implicit = Effective {
            settings: crate::compile::Settings::of(crate::policy::Written {
                enforcement: Some(Level::Off),
                factors: Some(FactorSet::NON_RECOVERY),
                ..Default::default()
            }),
            ..Effective::default()
        };
        match self.policy.default_rule() {
            Some(id) => {
                let mut e = self.policy.effective(id, at);
                e.enforcement.get_or_insert(Level::Off);
                e.factors.get_or_insert(FactorSet::NON_RECOVERY);
                e
            }
            None => implicit,
        }
    }

    /// Where the field `pick` selects was last set for rule `id` at `at`: the
    /// phase in force that set it, else the rule, else the rule's subject.
    pub(crate) fn span_of(
        &self,
        id: RuleId,
        at: Timestamp,
        pick: impl Fn(&Fields) -> Option<Span>,
    ) -> Span {
        let Some(rule) = self.policy.rules.get(id) else {
            return Span::default();
        };
        let phases = rule
            .rollout
            .and_then(|r| self.policy.rollouts.get(r))
            .map(|r| r.phases.as_slice())
            .unwrap_or(&[]);
        phases
            .iter()
            .rev()
            .filter(|p| p.at <= at)
            .find_map(|p| pick(&p.fields))
            .or_else(|| pick(&rule.fields))
            .unwrap_or(rule.span)
    }

    /// The groups the policy names, each with the first place it is named:
    /// rule subjects, then `includes`, then assertion scopes. Worked out
    /// once, for the two directory checks and every finding's span.
    pub(crate) fn named_groups(&self) -> &[(&'a str, Span)] {
        self.named.get_or_init(|| {
            let p = self.policy;
            let subjects = p
                .rules
                .iter()
                .filter_map(|r| Some((r.scope.single_group()?, r.span)));
            let includes = p
                .rules
                .iter()
                .flat_map(|r| r.includes.iter().map(|i| (i.value.as_str(), i.span)));
            let scopes = p.assertions.iter().flat_map(|a| {
                a.claims.iter().filter_map(move |c| match &c.value.scope {
                    mfac_prove::Scope::MembersOf(g) => Some((g.as_str(), a.scope_span)),
                    _ => None,
                })
            });
            let mut seen = rustc_hash::FxHashSet::default();
            subjects
                .chain(includes)
                .chain(scopes)
                .filter(|(n, _)| seen.insert(*n))
                .collect()
        })
    }

    /// Where the policy first names group `name` (the whole file's start if
    /// it does not).
    pub(crate) fn where_group_named(&self, name: &str) -> Span {
        self.named_groups()
            .iter()
            .find_map(|&(n, s)| (n == name).then_some(s))
            .unwrap_or_default()
    }

    /// The policy's group names against the directory's (none without one),
    /// compared once for both checks that report them.
    pub(crate) fn group_mismatches(&self) -> &[crate::names::GroupMismatch<'a>] {
        self.mismatches.get_or_init(|| {
            let Some(dir) = self.directory else {
                return Vec::new();
            };
            let named: Vec<&str> = self.named_groups().iter().map(|&(n, _)| n).collect();
            let held: Vec<&str> = dir.groups.iter().map(|g| &**g).collect();
            crate::names::compare_groups(self.compiled(), &named, &held)
        })
    }

    /// Every set of fields in the policy: each rule's own, then each phase's,
    /// with the rules the phase applies to.
    pub(crate) fn all_fields(&self) -> Vec<(&Fields, Vec<RuleId>)> {
        let rules = self
            .policy
            .rules
            .iter()
            .enumerate()
            .map(|(i, r)| (&r.fields, vec![i]));
        let phases = self
            .policy
            .rollouts
            .iter()
            .flat_map(|r| r.phases.iter().map(move |p| (&p.fields, r.rules.clone())));
        rules.chain(phases).collect()
    }

    /// The factors a member of group rule `id` alone may use at `at`: the
    /// group's own combined with the default as the precedence mode does.
    pub(crate) fn member_alone_allowed(&self, id: RuleId, at: Timestamp) -> FactorSet {
        let own = self.policy.effective(id, at).factors;
        let default = self
            .default_at(at)
            .factors
            .unwrap_or(FactorSet::NON_RECOVERY);
        match (self.policy.precedence, own) {
            (Precedence::MostRestrictive, Some(f)) => f.intersect(default),
            (Precedence::Specific | Precedence::Ordered, Some(f)) => f,
            (_, None) => default,
        }
    }

    /// A property over the whole space (every instant, app and set of
    /// groups) for `scope` and `users`, refuted: the counterexample with the
    /// fewest groups, or `None` when it holds (or cannot be judged).
    pub(crate) fn refute(
        &self,
        scope: mfac_prove::Scope,
        always: bool,
        condition: mfac_prove::Condition,
        users: mfac_prove::Users,
    ) -> Option<Refuted> {
        let property = mfac_prove::Property {
            scope,
            app: None,
            from: None,
            until: None,
            always,
            condition,
        };
        let policy = self.compiled();
        let found = self.prove(&property, users);
        if let Err(mfac_prove::Unjudgeable::TooLarge) = found {
            self.gave_up.borrow_mut().push(property.to_string());
        }
        let Ok(Err(c)) = found else { return None };
        let report = mfac_prove::report(policy, &c, condition);
        Some(Refuted {
            what: property.violation_of(&c),
            counterexample: c,
            report,
        })
    }

    /// Prove `property` for `users`, within the proof limit.
    pub(crate) fn prove(
        &self,
        property: &mfac_prove::Property,
        users: mfac_prove::Users,
    ) -> Result<Result<(), mfac_prove::Counterexample>, mfac_prove::Unjudgeable> {
        let space = mfac_prove::Space::of(users).within(self.proof_limit);
        let prove = || {
            self.proofs
                .borrow_mut()
                .prove_in(self.compiled(), property, &space)
        };
        let Some(memo) = self.memo else {
            return prove();
        };
        let mut memo = memo
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !self.begun.replace(true) {
            memo.begin(self.compiled());
        }
        if let Some(answer) = memo.get(property, &space) {
            return answer;
        }
        let answer = prove();
        memo.keep(property, &space, &answer);
        answer
    }

    /// Why a property whose search gave up is not proven, in words (E029,
    /// E033 and E035 say it alike).
    pub(crate) fn not_proven(&self) -> String {
        format!(
            "could not be proven: the groups combine in more than {} distinct ways",
            self.proof_limit
        )
    }

    /// The built-in properties whose proof gave up, each once, in order.
    pub(crate) fn gave_up(&self) -> Vec<String> {
        let mut seen = Vec::new();
        for p in self.gave_up.borrow().iter() {
            if !seen.contains(p) {
                seen.push(p.clone());
            }
        }
        seen
    }

    /// `group "Admins"`, for messages.
    pub(crate) fn subject(&self, id: RuleId) -> String {
        self.policy
            .rules
            .get(id)
            .map(|r| r.to_string())
            .unwrap_or_default()
    }
}

/// A property the engine refuted, for a check's finding.
pub(crate) struct Refuted {
    /// What the login gets, in a few words ("enforcement `optional`, below `required`").
    pub what: String,
    pub counterexample: mfac_prove::Counterexample,
    /// As the diagnostic carries it.
    pub report: crate::diagnostic::Counterexample,
}

/// Options that change what the checker reports.
#[derive(Clone, Debug, Default)]
pub struct CheckOptions {
    /// The date exemption checks measure from; `None` for today.
    pub today: Option<jiff::civil::Date>,
    /// Real users, for the checks that need them (shared: one directory is
    /// checked against many policies, each with its own options).
    pub directory: Option<std::sync::Arc<Directory>>,
    /// Severities per check; a check turned off does not run.
    pub config: config::CheckConfig,
    /// Compliance profiles applied from outside the policy (`mfac check
    /// --profile`), as if it had a `comply` line for each.
    pub profiles: Vec<crate::profiles::Applied>,
    /// The most distinct combinations of groups one proof search keeps
    /// before it gives up (`mfac check --proof-limit`); `None` for
    /// [`mfac_prove::PROOF_LIMIT`].
    pub proof_limit: Option<usize>,
    /// Proof answers kept from an earlier check of the same document (an
    /// editor's, which checks on every change): reused while the policy
    /// means the same.
    pub memo: Option<std::sync::Arc<std::sync::Mutex<mfac_prove::Memo>>>,
}

/// The result of checking one file: the policy if it has no errors, and
/// every diagnostic either way.
#[derive(Debug)]
pub struct CheckOutcome {
    pub policy: Option<CheckedPolicy>,
    /// The policy when its only errors are refuted properties (failing
    /// assertions, built-in findings such as E012 that come with a
    /// counterexample, failing compliance controls): its meaning is whole, so `mfac eval` still
    /// evaluates it and a counterexample's replay line works. Compiling or
    /// serving it is refused all the same.
    pub refuted: Option<CheckedPolicy>,
    pub diagnostics: Diagnostics,
    /// Every control of every compliance profile applied, and how it came
    /// out (empty when the policy has errors before the proofs run).
    pub controls: Vec<ControlResult>,
}

/// Where a finding about the policy as a whole points: its first word,
/// past comments and blank lines.
pub(crate) fn policy_start(text: &str) -> Span {
    let start = text
        .lines()
        .scan(0, |pos, line| {
            let here = *pos;
            *pos += line.len() + 1;
            Some((here, line))
        })
        .find(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|(p, l)| p + (l.len() - l.trim_start().len()))
        .unwrap_or(0);
    let end = text
        .get(start..)
        .and_then(|t| t.find(char::is_whitespace))
        .map_or(text.len(), |n| start + n);
    Span::new(start, end)
}

/// Parse, resolve and check one policy file.
pub fn check(source: &SourceFile, options: &CheckOptions) -> CheckOutcome {
    let fail = |items| CheckOutcome {
        policy: None,
        refuted: None,
        diagnostics: Diagnostics::new(source.clone(), items),
        controls: Vec::new(),
    };
    let read = match crate::syntax::read(source) {
        Ok(r) if r.errors.is_empty() => r,
        Ok(r) => return fail(r.errors),
        Err(_) => return fail(past_syntax_errors(source, &options.config)),
    };
    let (policy, mut found) = resolve::resolve(source, &read.file);
    let groups = GroupGraph::new(&policy);
    let today = options.today.unwrap_or_else(|| {
        Timestamp::now()
            .to_zoned_datetime(policy.timezone.clone())
            .date()
    });
    let cx = Context {
        policy: &policy,
        groups: &groups,
        today: policy.midnight(today),
        directory: options.directory.as_deref(),
        compiled: std::cell::OnceCell::new(),
        named: std::cell::OnceCell::new(),
        mismatches: std::cell::OnceCell::new(),
        proof_limit: options.proof_limit.unwrap_or(mfac_prove::PROOF_LIMIT),
        gave_up: std::cell::RefCell::new(Vec::new()),
        proofs: std::cell::RefCell::default(),
        memo: options.memo.as_deref(),
        begun: std::cell::Cell::new(false),
    };
    for check in REGISTRY {
        if let Some(run) = check
            .run
            .filter(|_| options.config.enabled(check.info.code))
        {
            run(&cx, &mut found);
        }
    }
    if options.config.enabled(checks::not_proven::INFO.code) {
        checks::not_proven::run(&cx, &mut found);
    }
    // Compliance profiles: the policy's `comply` lines, then `--profile`.
    let mut controls = Vec::new();
    if options.config.enabled(checks::control_fails::INFO.code) {
        let start = policy_start(source.text());
        let applied = policy
            .compliance
            .iter()
            .map(|(a, span)| (a, *span))
            .chain(options.profiles.iter().map(|a| (a, start)));
        for (a, span) in applied {
            controls.extend(checks::control_fails::judge(&cx, a, span, &mut found));
        }
    }
    suppress::apply(source, &read.tokens, &mut found, &options.config);
    options.config.apply(&mut found);
    let diagnostics = Diagnostics::new(source.clone(), found);
    let refuted = diagnostics.has_errors()
        && diagnostics
            .items
            .iter()
            .filter(|d| d.is_error())
            // A failing compliance control says what the policy lacks, not
            // that its meaning is broken, counterexample or not.
            .all(|d| d.counterexample.is_some() || d.control.is_some());
    let (policy, refuted) = match (diagnostics.has_errors(), refuted) {
        (false, _) => (Some(policy), None),
        (true, true) => (None, Some(policy)),
        (true, false) => (None, None),
    };
    CheckOutcome {
        policy,
        refuted,
        diagnostics,
        controls,
    }
}

/// The findings of a file with syntax errors: each error, and what
/// resolving the items that do parse finds, so that one missing brace does
/// not hide the rest of the file. The checks of the policy as a whole do
/// not run: with items missing, what they would prove is not the author's
/// policy. A name the policy cannot resolve is not reported when a broken
/// stretch names it: that is where it is probably declared.
fn past_syntax_errors(source: &SourceFile, config: &config::CheckConfig) -> Vec<Diagnostic> {
    let recovered = crate::syntax::read_recovering(source);
    let mut found = recovered.errors;
    let Some(read) = recovered.read else {
        return found;
    };
    if !read.errors.is_empty() {
        found.extend(read.errors);
        return found;
    }
    let text = source.text();
    let in_broken = |name: &str| {
        recovered
            .broken
            .iter()
            .any(|b| text.get(b.start..b.end).is_some_and(|t| t.contains(name)))
    };
    let (_, resolved) = resolve::resolve(source, &read.file);
    found.extend(resolved.into_iter().filter(|d| {
        let unknown = d.code == codes::UNKNOWN_FACTOR.code || d.code == codes::UNKNOWN_RULE.code;
        !(unknown && text.get(d.span.start..d.span.end).is_some_and(in_broken))
    }));
    config.apply(&mut found);
    found
}

/// The first `n` of some user ids, quoted, and how many more:
/// "`a`, `b` and 3 more". Findings about many users name a few.
pub(crate) fn some_users(users: &[&str], n: usize) -> String {
    let shown: Vec<String> = users.iter().take(n).map(|u| format!("`{u}`")).collect();
    match users.len().saturating_sub(n) {
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    }
}

/// "1 user", "3 users": a count with its noun, for messages.
pub(crate) fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// One check's documentation, as `mfac explain CODE` prints it.
pub fn explain_text(check: &Check) -> String {
    let info = check.info;
    let severity = info.severity.name();
    format!(
        "{} {} ({severity}, {})\n\nWhat it catches: {}.\n\n{}\n\n{}\n\nHelp shown with each finding: {}\n",
        info.code,
        info.name,
        check.group.name(),
        info.summary,
        info.doc,
        group_note(check),
        info.help
    )
}

/// Whether a check runs by default, and how to change that.
fn group_note(check: &Check) -> String {
    let (code, group) = (check.info.code, check.group.name());
    if check.group.on_by_default() {
        format!("Group: {group}, on by default (`{code} = \"off\"` under `[severity]` in `mfac.toml` turns it off).")
    } else {
        format!("Group: {group}, off by default: turn it on with `{code} = \"warning\"` (or `{group} = \"warning\"` for the whole group) under `[severity]` in `mfac.toml`.")
    }
}

/// Every check's documentation as one markdown page: `docs/rules.md`.
pub fn rules_markdown() -> String {
    let mut s = String::from(
        "# mfac checks\n\nGenerated from the check registry (`src/check/checks/`) by `mfac explain --markdown`; a test fails when this file is out of date.\n\nChecks come in groups, as ruff's rules do: `stable` checks run by default; `pedantic` (right, but about style a team may not want) and `preview` (new, still being tuned) run only when `mfac.toml` turns them on, by code (`W018 = \"warning\"`) or by group (`pedantic = \"warning\"`).\n\n| code | name | severity | group | catches |\n|---|---|---|---|---|\n",
    );
    for c in REGISTRY {
        let i = c.info;
        let sev = i.severity.name();
        s.push_str(&format!(
            "| [`{}`](#{}) | {} | {sev} | {} | {} |\n",
            i.code,
            i.code.to_ascii_lowercase(),
            i.name,
            c.group.name(),
            i.summary.replace('|', "\\|")
        ));
    }
    for c in REGISTRY {
        let i = c.info;
        s.push_str(&format!(
            "\n## {}\n\n`{}`: {}.\n\n",
            i.code, i.name, i.summary
        ));
        // The doc's example and fix are indented code; keep them as blocks.
        for para in i.doc.split("\n\n") {
            if let Some(code) = para.strip_prefix("Example:\n") {
                s.push_str("Example:\n\n```\n");
                for line in code.lines() {
                    s.push_str(line.strip_prefix("    ").unwrap_or(line));
                    s.push('\n');
                }
                s.push_str("```\n\n");
            } else {
                s.push_str(para);
                s.push_str("\n\n");
            }
        }
        s.push_str(&group_note(c));
        s.push_str(&format!("\n\nHelp shown with each finding: {}\n", i.help));
    }
    s
}

/// Look up a check by code.
pub fn find(code: &str) -> Option<&'static Check> {
    REGISTRY
        .iter()
        .find(|c| c.info.code.eq_ignore_ascii_case(code))
}

macro_rules! registry {
    ($( $module:ident $(=> $run:ident)? $(@ $group:ident)? ),* $(,)?) => {
        /// Every check, in code order.
        pub static REGISTRY: &[Check] = &[
            $( Check {
                info: &checks::$module::INFO,
                run: registry!(@run $module $($run)?),
                group: registry!(@group $($group)?),
            }, )*
        ];
    };
    (@run $module:ident $run:ident) => { Some(checks::$module::$run) };
    (@run $module:ident) => { None };
    (@group $group:ident) => { Group::$group };
    (@group) => { Group::Stable };
}

registry! {
    syntax,
    unknown_factor,
    duplicate_rule,
    duplicate_field,
    includes_cycle => run,
    strength_cycle,
    remember_range => run,
    max_logins_range => run,
    exemption_incomplete => run,
    exemption_too_long => run,
    phase_order => run,
    privileged_below_required => run,
    empty_factors => run,
    user_without_factor => run,
    unknown_timezone,
    invalid_value,
    misplaced_field,
    rollout_conflict,
    duplicate_declaration,
    bad_work_hours,
    bad_directory,
    confusable_name => run,
    unreadable_file,
    bad_compiled,
    bad_config,
    bad_argument,
    bad_test_file,
    no_rules => run,
    assertion_fails => run,
    bad_assertion => run,
    incomplete_rule,
    unknown_rule,
    control_fails,
    bad_profile,
    // Run after every other check (see `check`): it reports the proofs
    // they gave up on.
    not_proven,
    bypass_too_long => run,
    no_default => run,
    shadowed_rule => run,
    loosening_rule => run,
    weak_factor_privileged => run,
    remember_privileged => run,
    expired_exemption => run,
    privileged_exemption => run,
    disjoint_factors => run,
    locked_out_admin => run,
    rollout_lowers => run,
    group_overlap => run,
    grace_without_start => run,
    privileged_without_webauthn => run,
    blocked_users => run,
    bad_suppression,
    unused_suppression,
    app_cannot_loosen => run,
    privileged_relies_on_others => run @ Pedantic,
    privileged_user_exception => run,
    lookalike_group => run,
    unheld_group => run,
    rule_never_applies => run,
    shadowed_by_order => run,
    privileged_bypass => run,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Severity;

    #[test]
    fn a_missing_brace_does_not_hide_the_rest_of_the_file() {
        let text = "strength phishing_resistant webauthn\n\
                    group \"Staff\" { factors pushh }\n\
                    group \"Admins\" {\n  factors webauthn\n\
                    user \"a@x\" { factors phishing_resistant | totps }\n";
        let out = check(&SourceFile::new("t.mfa", text), &CheckOptions::default());
        let codes: Vec<&str> = out.diagnostics.items.iter().map(|d| d.code).collect();
        assert!(out.policy.is_none() && out.refuted.is_none());
        // Both syntax errors, and the unknown factors in the rules after
        // them; the strength is declared where the text is broken, so it is
        // not reported unknown.
        let unknown = codes::UNKNOWN_FACTOR.code;
        assert_eq!(
            codes,
            ["E001", unknown, "E001", unknown],
            "{:#?}",
            out.diagnostics.items
        );
        let named: Vec<&str> = out
            .diagnostics
            .items
            .iter()
            .filter(|d| d.code == unknown)
            .map(|d| &text[d.span.start..d.span.end])
            .collect();
        assert_eq!(named, ["pushh", "totps"]);
    }

    #[test]
    fn a_memo_reuses_proofs_while_the_policy_means_the_same() {
        let memo = std::sync::Arc::new(std::sync::Mutex::new(mfac_prove::Memo::default()));
        let options = CheckOptions {
            memo: Some(memo.clone()),
            ..CheckOptions::default()
        };
        let text = "default { enforcement optional }\n\
                    group \"Admins\" { privileged enforcement optional }\n";
        let run = |t: &str| {
            check(&SourceFile::new("t.mfa", t), &options)
                .diagnostics
                .items
        };
        let hits = || memo.lock().unwrap().hits();
        let first = run(text);
        assert_eq!(hits(), 0);
        // A comment above moves every line down: the same proofs, answered
        // from the memo, with the counterexample's places from this text.
        let moved = run(&format!("# admins below\n\n{text}"));
        assert!(hits() > 0);
        let e012 = |ds: &[Diagnostic]| ds.iter().find(|d| d.code == "E012").cloned().unwrap();
        let (a, b) = (e012(&first), e012(&moved));
        assert_eq!(a.message, b.message);
        assert_eq!(
            a.counterexample.as_ref().unwrap().rules.enforcement,
            ["t.mfa:1: default", "t.mfa:2: group \"Admins\""]
        );
        assert_eq!(
            b.counterexample.as_ref().unwrap().rules.enforcement,
            ["t.mfa:3: default", "t.mfa:4: group \"Admins\""]
        );
        // A change of meaning forgets them.
        let before = hits();
        let fixed = run(&text.replace(
            "privileged enforcement optional",
            "privileged enforcement required",
        ));
        assert_eq!(hits(), before);
        assert!(!fixed.iter().any(|d| d.code == "E012"));
    }

    #[test]
    fn codes_are_unique_and_ordered() {
        let codes: Vec<&str> = REGISTRY.iter().map(|c| c.info.code).collect();
        let mut sorted = codes.clone();
        sorted.sort_by_key(|c| (!c.starts_with('E'), *c));
        assert_eq!(codes, sorted, "registry is in code order");
        sorted.dedup();
        assert_eq!(codes.len(), sorted.len(), "codes are unique");
    }

    #[test]
    fn every_entry_is_documented() {
        for c in REGISTRY {
            let i = c.info;
            assert!(
                !i.summary.is_empty() && !i.help.is_empty() && !i.doc.is_empty(),
                "{}",
                i.code
            );
            assert_eq!(
                i.severity == Severity::Error,
                i.code.starts_with('E'),
                "{}",
                i.code
            );
        }
    }
}
