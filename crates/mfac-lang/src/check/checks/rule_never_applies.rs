//! W022 `rule-never-applies`: a scoped rule's `except` leaves out everyone
//! (or everywhere) its `for` (or `in`) takes in.

use crate::check::{CheckInfo, Context};
use crate::diagnostic::{Diagnostic, Severity};
use crate::policy::{Rule, Scope};

pub const INFO: CheckInfo = CheckInfo {
    code: "W022",
    name: "rule-never-applies",
    severity: Severity::Warning,
    summary: "a scoped rule's `except` leaves out everyone or every app it names, so it never applies",
    help: "narrow the `except`, or delete the rule if nobody is meant to get it",
    doc: "Why: an exclusion always beats an inclusion. When every user the rule names is excluded, every group it names is (through `includes`) inside a group it excludes, or every app it is `in` is an app it excludes, no login ever gets the rule: its settings are dead, and whoever wrote it believed they protected someone.\n\nExample:\n    group \"Emergency Access\" { includes \"Global Administrators\" }\n    rule \"CA100 admins\" {\n      for members of group \"Global Administrators\"\n      except members of group \"Emergency Access\"\n      enforcement required\n    }\n\nEvery member of Global Administrators is a member of Emergency Access, so the rule reaches nobody.\n\nFix: exclude the break-glass accounts themselves (a group of their own, or `except user \"...\"`), not a group the protected people are all in.",
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for rule in cx.policy.rules.iter().filter(|r| r.name.is_some()) {
        if let Some(why) = never_applies(cx, &rule.scope) {
            out.push(
                Diagnostic::new(&INFO, rule.span, format!("{rule} never applies: {why}"))
                    .label("applies to no login")
                    .help(INFO.help),
            );
        }
    }
}

/// Why a scope takes in no login, if it takes in none: the first name it
/// includes that no exclusion leaves standing, or `None`.
fn never_applies(cx: &Context<'_>, s: &Scope) -> Option<String> {
    let e = &s.except;
    if !s.apps.is_empty() && s.apps.iter().all(|a| e.apps.contains(a)) {
        return Some(format!(
            "every app it is `in` ({}) is excluded",
            list(&s.apps)
        ));
    }
    if s.is_everyone() {
        return None;
    }
    let users_out = s.users.iter().all(|u| e.users.contains(u));
    // A member of `g` is a member of every group `g` reaches through
    // `includes`, so an excluded group among those leaves all of them out.
    let excluded_by = |g: &str| {
        cx.groups
            .closure(g)
            .into_iter()
            .find(|x| e.groups.iter().any(|y| y == x))
            .map(str::to_string)
    };
    let mut covered = Vec::new();
    for g in &s.groups {
        match excluded_by(g) {
            Some(x) if x == *g => covered.push(format!("group {g:?} is excluded")),
            Some(x) => covered.push(format!(
                "every member of group {g:?} is a member of the excluded group {x:?}"
            )),
            None => return None,
        }
    }
    if !users_out {
        return None;
    }
    if !s.users.is_empty() {
        covered.push(format!("{} excluded by name", list(&s.users)));
    }
    Some(covered.join("; "))
}

fn list(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("{n:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// For the order check: does rule `e` apply wherever rule `r` does? (Its
/// `for` takes in everyone `r`'s does, its `in` every app, and its
/// `except` leaves out no one `r` keeps.)
pub(crate) fn contains(cx: &Context<'_>, e: &Rule, r: &Rule) -> bool {
    let (e, r) = (&e.scope, &r.scope);
    let member = |g: &str, of: &[String]| {
        cx.groups
            .closure(g)
            .iter()
            .any(|x| of.iter().any(|y| y == x))
    };
    let whom = e.is_everyone()
        || (!r.is_everyone()
            && r.users.iter().all(|u| e.users.contains(u))
            && r.groups.iter().all(|g| member(g, &e.groups)));
    let apps =
        e.apps.is_empty() || (!r.apps.is_empty() && r.apps.iter().all(|a| e.apps.contains(a)));
    // Whom `e` leaves out, `r` must leave out too.
    let except = e.except.users.iter().all(|u| r.except.users.contains(u))
        && e.except.apps.iter().all(|a| r.except.apps.contains(a))
        && e.except.groups.iter().all(|x| member(x, &r.except.groups));
    whom && apps && except
}
