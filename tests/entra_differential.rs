//! `mfac import entra` against a small independent model of Entra's own
//! evaluation (`mfac_testing::entra`): on generated Conditional Access
//! policies and every sign-in over their users, groups, roles and apps, the
//! imported policy must ask for MFA exactly when Entra does in the weakest
//! case of what mfac cannot know, with the same factors and the same
//! sign-in frequency. `MFAC_ENTRA_CASES` sets how many policy sets (200 by
//! default).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use mfac::bridge::entra::{import, Names};
use mfac::bridge::source::Document;
use mfac::{Compile as _, Level, LoginContext, Policy};
use mfac_testing::entra::{asked, SignIn};
use serde_json::{json, Value};

const USERS: [&str; 2] = [
    "11111111-0000-4000-8000-000000000001",
    "11111111-0000-4000-8000-000000000002",
];
const GROUPS: [(&str, &str); 3] = [
    ("22222222-0000-4000-8000-000000000001", "Staff"),
    ("22222222-0000-4000-8000-000000000002", "Emergency Access"),
    ("22222222-0000-4000-8000-000000000003", "Contractors"),
];
const ROLES: [(&str, &str); 2] = [
    (
        "62e90394-69f5-4237-9190-012177145e10",
        "Global Administrator",
    ),
    ("5d6b6bb7-de71-4623-b4af-96380a352509", "Security Reader"),
];
/// Office 365 (a keyword), Azure Portal (a first-party id), and one that
/// no rule names.
const APPS: [(&str, &str); 3] = [
    ("Office365", "Office 365"),
    ("c44b4083-3bb0-49c1-b47d-974e53cbdf3c", "Azure Portal"),
    ("33333333-0000-4000-8000-000000000009", "Payroll"),
];

struct Rng(u64);

impl Rng {
    fn next(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
    fn chance(&mut self, in_ten: usize) -> bool {
        self.next(10) < in_ten
    }
    /// Some of `ids`, each with probability `in_ten`/10.
    fn some(&mut self, ids: &[&str], in_ten: usize) -> Vec<String> {
        ids.iter()
            .filter(|_| self.chance(in_ten))
            .map(|s| s.to_string())
            .collect()
    }
}

fn policy(r: &mut Rng, k: usize) -> Value {
    let group_ids: Vec<&str> = GROUPS.iter().map(|g| g.0).collect();
    let role_ids: Vec<&str> = ROLES.iter().map(|g| g.0).collect();
    let app_ids: Vec<&str> = APPS.iter().take(2).map(|a| a.0).collect();
    let mut include_users = if r.chance(4) {
        vec!["All".to_string()]
    } else {
        r.some(&USERS, 3)
    };
    if r.chance(1) {
        include_users.push("GuestsOrExternalUsers".to_string());
    }
    let mut exclude_users = r.some(&USERS, 1);
    if r.chance(1) {
        exclude_users.push("GuestsOrExternalUsers".to_string());
    }
    let include_apps = if r.chance(6) {
        vec!["All".to_string()]
    } else {
        r.some(&app_ids, 6)
    };
    let grant = match r.next(9) {
        0 => json!({"operator": "OR", "builtInControls": ["block"]}),
        1 => json!({"operator": "OR", "builtInControls": ["mfa", "compliantDevice"]}),
        2 => json!({"operator": "AND", "builtInControls": ["mfa", "compliantDevice"]}),
        3 => {
            json!({"operator": "OR", "builtInControls": [], "authenticationStrength": {"id": "00000000-0000-0000-0000-000000000004"}})
        }
        4 => {
            json!({"operator": "OR", "builtInControls": [], "authenticationStrength": {"id": "00000000-0000-0000-0000-000000000003"}})
        }
        5 => {
            json!({"operator": "OR", "builtInControls": [], "authenticationStrength": {"id": "custom", "allowedCombinations": ["password,softwareOath", "fido2", "x509CertificateMultiFactor"]}})
        }
        6 => {
            json!({"operator": "OR", "builtInControls": [], "authenticationStrength": {"id": "certs", "allowedCombinations": ["x509CertificateMultiFactor"]}})
        }
        _ => json!({"operator": "OR", "builtInControls": ["mfa"]}),
    };
    let session = match r.next(4) {
        0 => Value::Null,
        1 => json!({"signInFrequency": {"isEnabled": true, "frequencyInterval": "everyTime"}}),
        2 => {
            json!({"signInFrequency": {"isEnabled": true, "frequencyInterval": "timeBased", "value": 1 + r.next(24), "type": "hours"}})
        }
        _ => {
            json!({"signInFrequency": {"isEnabled": true, "frequencyInterval": "timeBased", "value": 1 + r.next(30), "type": "days"}})
        }
    };
    let state = [
        "enabled",
        "enabled",
        "enabled",
        "enabledForReportingButNotEnforced",
        "disabled",
    ][r.next(5)];
    let risk: Vec<&str> = if r.chance(1) { vec!["high"] } else { vec![] };
    json!({
        "id": format!("44444444-0000-4000-8000-{k:012}"),
        "displayName": format!("CA{k:03}"),
        "state": state,
        "conditions": {
            "signInRiskLevels": risk,
            "clientAppTypes": ["all"],
            "applications": {"includeApplications": include_apps, "excludeApplications": r.some(&app_ids, 1)},
            "users": {
                "includeUsers": include_users, "excludeUsers": exclude_users,
                "includeGroups": r.some(&group_ids, 3), "excludeGroups": r.some(&group_ids, 2),
                "includeRoles": r.some(&role_ids, 3), "excludeRoles": r.some(&role_ids, 1),
            },
        },
        "grantControls": grant,
        "sessionControls": session,
    })
}

fn doc(value: Value, i: usize) -> Document {
    Document {
        file: "generated.json".to_string(),
        pointer: format!("/{i}"),
        value,
    }
}

fn cases() -> usize {
    std::env::var("MFAC_ENTRA_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200)
}

#[test]
fn imported_policies_ask_for_mfa_exactly_when_entra_does() {
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);
    let group_docs: Vec<Document> = GROUPS
        .iter()
        .enumerate()
        .map(|(i, (id, name))| doc(json!({"id": id, "displayName": name}), i))
        .collect();
    let names = Names::from(&group_docs, &[]);
    let at = jiff::Timestamp::UNIX_EPOCH;
    let (mut decisions, mut mfa) = (0usize, 0usize);
    for case in 0..cases() {
        let policies: Vec<Value> = (0..1 + r.next(4)).map(|k| policy(&mut r, k)).collect();
        let docs: Vec<Document> = policies
            .iter()
            .cloned()
            .enumerate()
            .map(|(i, v)| doc(v, i))
            .collect();
        let text = import(&docs, &names)
            .policy
            .render()
            .expect("the import parses");
        let compiled = Policy::compile("imported.mfa", &text)
            .map_err(|d| d.to_string())
            .or_else(|_| {
                // Findings about the tenant (E012, say) refuse compiling
                // but not evaluating: the checker's refuted policy.
                let out = mfac::check::check(
                    &mfac::SourceFile::new("imported.mfa", text.as_str()),
                    &mfac::check::CheckOptions::default(),
                );
                out.policy
                    .or(out.refuted)
                    .map(|p| Policy::from_checked(&p))
                    .ok_or_else(|| format!("{:?}", out.diagnostics.items))
            })
            .unwrap_or_else(|e| panic!("case {case}: {e}\n{text}"));
        for user in USERS {
            for groups in 0..1usize << GROUPS.len() {
                for roles in 0..1usize << ROLES.len() {
                    for (app_id, app_name) in APPS {
                        for guest in [false, true] {
                            let g_ids: Vec<&str> = (0..GROUPS.len())
                                .filter(|i| groups >> i & 1 == 1)
                                .map(|i| GROUPS[i].0)
                                .collect();
                            let r_ids: Vec<&str> = (0..ROLES.len())
                                .filter(|i| roles >> i & 1 == 1)
                                .map(|i| ROLES[i].0)
                                .collect();
                            let want = asked(
                                &policies,
                                &SignIn {
                                    user,
                                    groups: &g_ids,
                                    roles: &r_ids,
                                    app: app_id,
                                    guest,
                                },
                            );
                            let mut g_names: Vec<&str> = (0..GROUPS.len())
                                .filter(|i| groups >> i & 1 == 1)
                                .map(|i| GROUPS[i].1)
                                .collect();
                            g_names.extend(
                                (0..ROLES.len())
                                    .filter(|i| roles >> i & 1 == 1)
                                    .map(|i| ROLES[i].1),
                            );
                            if guest {
                                g_names.push("Guests or external users");
                            }
                            let mut ctx = LoginContext::new(user, at);
                            ctx.groups = &g_names;
                            ctx.app = Some(app_name);
                            let got = compiled.decide(&ctx);
                            decisions += 1;
                            let required = got.enforcement == Level::Required;
                            let login = format!("case {case}: user {user}, groups {g_names:?}, app {app_name}\n{text}\n{policies:#?}");
                            assert_eq!(required, want.mfa, "MFA asked? {login}");
                            if want.mfa {
                                mfa += 1;
                                assert_eq!(got.factors, want.factors, "factors: {login}");
                                let window = match got.remember {
                                    Some(mfac::policy::Remember::Never) | None => Some(0),
                                    Some(mfac::policy::Remember::Window(w)) => Some(w.seconds),
                                };
                                assert_eq!(window, want.frequency, "sign-in frequency: {login}");
                            }
                        }
                    }
                }
            }
        }
    }
    println!(
        "entra: {} policy sets, {decisions} sign-ins, {mfa} asked for MFA; import = model",
        cases()
    );
    assert!(
        mfa > decisions / 10,
        "too few sign-ins asked for MFA to compare: {mfa}/{decisions}"
    );
}
