//! The policy-wide checks judge what members get (the default, every group
//! they could also be in, `includes`, user rules, apps, every rollout
//! phase), not one rule's text; each finding carries its counterexample.
//! These are the cases the old, rule-by-rule checks got wrong.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;
use common::{json, mfac, write_temp};

/// (code, line, has a counterexample) of each finding.
fn findings(tag: &str, text: &str, extra: &[&str]) -> Vec<(String, u64, bool)> {
    common::check_text(tag, text, extra)
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d.get("counterexample").is_some(),
            )
        })
        .collect()
}

fn codes(f: &[(String, u64, bool)]) -> Vec<&str> {
    f.iter().map(|(c, _, _)| c.as_str()).collect()
}

#[test]
fn a_privileged_group_held_at_required_by_the_default_is_not_an_error() {
    let f = findings(
        "e012-default",
        "default { enforcement required factors webauthn | totp }\ngroup \"Admins\" { privileged factors webauthn remember never }\nuser \"bg@x.test\" { break_glass enforcement required factors webauthn recovery backup_code }\n",
        &[],
    );
    // Nothing to fix: E012 proves every later edit keeps them at
    // `required`. W018 (pedantic) says so only when a project asks.
    assert!(codes(&f).is_empty(), "{f:?}");
    let config = write_temp(
        "e012-pedantic",
        "pedantic.toml",
        "[severity]\npedantic = \"warning\"\n",
    );
    let f = findings(
        "e012-default",
        "default { enforcement required factors webauthn | totp }\ngroup \"Admins\" { privileged factors webauthn remember never }\nuser \"bg@x.test\" { break_glass enforcement required factors webauthn recovery backup_code }\n",
        &["--config", &config],
    );
    assert_eq!(codes(&f), ["W018"], "{f:?}");
}

#[test]
fn a_privileged_member_lowered_by_a_rollout_of_the_default_is_an_error() {
    // The group says nothing of enforcement; the default holds it at
    // `required` until a rollout lowers the default.
    let f = findings(
        "e012-rollout",
        "default { enforcement required factors webauthn }\ngroup \"Admins\" { privileged factors webauthn }\nrollout \"relax\" {\n  applies default\n  on 2027-01-01 enforcement optional\n}\n",
        &[],
    );
    assert!(f.contains(&("E012".to_string(), 2, true)), "{f:?}");
}

#[test]
fn a_named_user_rule_below_required_is_a_warning_or_with_the_directory_an_error() {
    let text = "precedence specific\ndefault { enforcement required factors totp }\ngroup \"Admins\" { privileged enforcement required factors webauthn remember never }\nuser \"svc@x.test\" { enforcement off }\n";
    let f = findings("w019", text, &[]);
    assert!(f.contains(&("W019".to_string(), 4, true)), "{f:?}");
    assert!(!codes(&f).contains(&"E012"), "{f:?}");
    let users = write_temp(
        "w019-dir",
        "users.yaml",
        "users:\n  - id: svc@x.test\n    groups: [Admins]\n    factors: [webauthn]\n",
    );
    let f = findings("w019-e012", text, &["--directory", &users]);
    assert!(f.contains(&("E012".to_string(), 4, true)), "{f:?}");
    assert!(!codes(&f).contains(&"W019"), "{f:?}");
}

#[test]
fn weak_factors_and_remember_windows_from_the_default_or_another_group_are_found() {
    // The group restates neither factors nor remember: both come from the
    // default.
    let f = findings(
        "w004-w005",
        "default { enforcement optional factors webauthn | sms remember 8h }\ngroup \"Admins\" { privileged enforcement required }\nuser \"bg@x.test\" { break_glass enforcement required factors webauthn recovery backup_code }\n",
        &[],
    );
    assert!(f.contains(&("W004".to_string(), 2, true)), "{f:?}");
    assert!(f.contains(&("W005".to_string(), 2, true)), "{f:?}");
    // A user rule in `specific` mode is a route too.
    let f = findings(
        "w004-user",
        "precedence specific\ndefault { enforcement required factors webauthn remember never }\ngroup \"Admins\" { privileged enforcement required factors webauthn remember never }\nuser \"ann@x.test\" { factors sms }\nuser \"bg@x.test\" { break_glass enforcement required factors webauthn recovery backup_code }\n",
        &[],
    );
    assert!(f.contains(&("W004".to_string(), 3, true)), "{f:?}");
}

#[test]
fn three_groups_that_share_no_factor_all_together_are_a_lock_out() {
    // Every two share one; all three share none.
    let f = findings(
        "w008-three",
        "default { enforcement required factors webauthn | totp | sms }\ngroup \"A\" { factors webauthn | totp }\ngroup \"B\" { factors totp | sms }\ngroup \"C\" { factors webauthn | sms }\n",
        &[],
    );
    assert!(f.contains(&("W008".to_string(), 4, true)), "{f:?}");
    let path = write_temp(
        "w008-three-msg",
        "p.mfa",
        "default { enforcement required factors webauthn | totp | sms }\ngroup \"A\" { factors webauthn | totp }\ngroup \"B\" { factors totp | sms }\ngroup \"C\" { factors webauthn | sms }\n",
    );
    let doc = json(&mfac(&["check", &path, "--format", "json"]));
    let c = &doc["diagnostics"][0]["counterexample"];
    assert_eq!(c["groups"], serde_json::json!(["A", "B", "C"]));
    assert_eq!(c["effective"]["factors"], serde_json::json!([]));
}

#[test]
fn disjoint_groups_with_enforcement_off_lock_nobody_out() {
    let f = findings(
        "w008-off",
        "default { enforcement off }\ngroup \"A\" { factors sms }\ngroup \"B\" { factors webauthn }\n",
        &[],
    );
    assert!(!codes(&f).contains(&"W008"), "{f:?}");
}

#[test]
fn in_specific_mode_a_group_rule_that_changes_no_combination_is_shadowed() {
    // `Staff` repeats the default, and the only other group that sets
    // enforcement is stricter: no set of groups comes out differently.
    let text = "precedence specific\ndefault { enforcement optional factors totp | webauthn }\ngroup \"Staff\" { enforcement optional }\ngroup \"Admins\" { enforcement required }\n";
    let f = findings("w002-specific", text, &[]);
    assert!(f.contains(&("W002".to_string(), 3, false)), "{f:?}");
    // With a looser group beside it, `Staff` lifts members of both from
    // `off` to `optional`: it matters.
    let text = format!("{text}group \"Contractors\" {{ enforcement off }}\n");
    let f = findings("w002-specific-live", &text, &[]);
    assert!(!f.iter().any(|(c, l, _)| c == "W002" && *l == 3), "{f:?}");
}

#[test]
fn many_distinct_settings_do_not_make_the_checks_search_forever() {
    // A thousand groups, each with its own remember window and login
    // limit, in `specific` mode: W002's search over whole settings gives up
    // (saying nothing) instead of visiting every combination, and the
    // privileged checks have nobody in scope to search for. The lock-out
    // (a webauthn-only group beside a totp-only one) is still found.
    let mut text = String::from(
        "precedence specific\ndefault { enforcement optional factors webauthn | totp | sms }\n",
    );
    for i in 0..1000 {
        let factors = ["webauthn", "totp", "sms", "webauthn | totp", "totp | sms"][i % 5];
        text.push_str(&format!(
            "group \"g{i}\" {{ enforcement required factors {factors} remember {}m max_logins {} }}\n",
            10 + i % 1400,
            2 + (i * 7) % 99
        ));
    }
    let f = findings("many-settings", &text, &[]);
    assert!(codes(&f).contains(&"W008"), "{:?}", &f[..3]);
    assert!(!codes(&f).contains(&"W002"));
    // With every tenth group privileged, W005 searches for a remember
    // window: only whether one results matters, so the thousand different
    // windows count as one (this took minutes when the search kept them).
    let privileged = text.replace(
        "{ enforcement required factors webauthn remember",
        "{ privileged enforcement required factors webauthn remember",
    );
    let f = findings("many-settings-privileged", &privileged, &[]);
    assert!(codes(&f).contains(&"W005"), "{:?}", &f[..3]);
}

#[test]
fn a_group_shadowed_through_includes_is_w002_in_most_restrictive() {
    // Every member of Ops is a member of Admins (Admins includes Ops), and
    // Admins says `remember never`: Ops's window never changes a login.
    let shadowed = "precedence most_restrictive\ndefault { enforcement required factors webauthn | totp }\ngroup \"Admins\" { includes \"Ops\" remember never }\ngroup \"Ops\" { remember 8h }\n";
    let f = findings("w002-includes", shadowed, &[]);
    assert_eq!(codes(&f), ["W002"], "{f:?}");
    assert_eq!(f[0].1, 4, "{f:?}");
    // Without `never` in Admins, the window is what Ops's members get.
    let live = shadowed.replace(" remember never", "");
    let f = findings("w002-includes-live", &live, &[]);
    assert!(!codes(&f).contains(&"W002"), "{f:?}");
}

#[test]
fn a_group_rule_that_matters_only_where_a_scoped_rule_brings_another_in_is_not_shadowed() {
    // Found by the long run of the brute-force oracle: g0 changes nothing
    // outside app a0 (the default already asks `required`), but in a0 a
    // member of both g0 and g4 gets `required` with g0 and `optional`
    // without it, from the scoped rule for g4. W002 must search a0 too.
    let text = "precedence specific\ndefault { enforcement required }\ngroup \"g0\" { enforcement required }\nrule \"pilot\" {\n  for members of group \"g4\"\n  in app \"a0\"\n  enforcement optional\n}\n";
    let f = findings("w002-scoped-app", text, &[]);
    assert!(!codes(&f).contains(&"W002"), "{f:?}");
}

#[test]
fn in_ordered_mode_a_group_rule_before_a_users_own_rule_is_not_shadowed() {
    // Found by a long run of the brute-force oracle: for anyone else g4
    // repeats the default, but u2's own rule comes after it in the file, so
    // for u2 in g4 the first match is g4's `required`, not u2's `optional`.
    let text = "precedence ordered\ndefault { enforcement required }\ngroup \"g4\" { enforcement required }\nuser \"u2@x.test\" { enforcement optional }\n";
    let f = findings("w002-ordered-user", text, &[]);
    assert!(!codes(&f).contains(&"W002"), "{f:?}");
}

#[test]
fn in_ordered_mode_a_group_rule_whose_group_is_excluded_elsewhere_through_includes_is_shadowed() {
    // Found by a long run of the brute-force oracle: without G's rule, a
    // member of G is still a member of Outer (Outer includes G), so `late`
    // still leaves them out and the default's `never` stands: G's rule
    // changes nothing. W002 missed it: with the rule, G's own `never` won
    // before `late`, so G's summary left nothing out, and the search did
    // not try every group alongside it.
    let text = "precedence ordered\ndefault { enforcement required remember never }\ngroup \"G\" { remember never }\ngroup \"Outer\" { includes \"G\" enforcement optional }\nrule \"late\" {\n  for members of group \"Other\"\n  except members of group \"Outer\"\n  remember 1d\n}\n";
    let f = findings("w002-ordered-excluded-through-includes", text, &[]);
    assert!(
        f.iter()
            .any(|(code, line, _)| *code == "W002" && *line == 3),
        "{f:?}"
    );
}
