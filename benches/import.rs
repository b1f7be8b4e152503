//! `mfac import entra` then `mfac check` on a generated tenant: 200
//! Conditional Access policies over 2,000 groups (a tenth of the policies
//! for admin roles, a third with an emergency-access exclusion, a tenth
//! report-only, some with risk conditions, apps by first-party id), as one
//! Graph list response. One run, release: read, import, render, check.
//! `MFAC_BENCH_IMPORT=POLICIES,GROUPS` runs another size.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use mfac::bridge::entra::{import, Names};
use mfac::bridge::source::documents;
use serde_json::{json, Value};
use std::time::Instant;

fn tenant(policies: usize, groups: usize) -> (Value, Value) {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n.max(1) as u64) as usize
    };
    let gid = |g: usize| format!("00000000-0000-4000-8000-{g:012}");
    let group_objects: Vec<Value> = (0..groups)
        .map(|g| json!({"id": gid(g), "displayName": format!("Group {g}")}))
        .collect();
    let roles = [
        "62e90394-69f5-4237-9190-012177145e10",
        "194ae4cb-b126-40b2-bd5b-6091b380977d",
    ];
    let apps = [
        "Office365",
        "c44b4083-3bb0-49c1-b47d-974e53cbdf3c",
        "00000003-0000-0ff1-ce00-000000000000",
    ];
    let list: Vec<Value> = (0..policies)
        .map(|k| {
            let include_groups: Vec<String> = (0..2).map(|_| gid(next(groups))).collect();
            let mut users = json!({"includeGroups": include_groups, "excludeGroups": []});
            if k % 10 == 0 {
                users = json!({"includeRoles": roles, "excludeGroups": [gid(0)]});
            } else if k % 3 == 0 {
                users["excludeGroups"] = json!([gid(0)]);
            }
            let apps_in = if k % 2 == 0 { json!(["All"]) } else { json!([apps[next(apps.len())]]) };
            let risk = if k % 7 == 0 { json!(["high"]) } else { json!([]) };
            json!({
                "@odata.type": "#microsoft.graph.conditionalAccessPolicy",
                "id": format!("10000000-0000-4000-8000-{k:012}"),
                "displayName": format!("CA{k:03}"),
                "state": if k % 10 == 9 { "enabledForReportingButNotEnforced" } else { "enabled" },
                "conditions": {
                    "clientAppTypes": ["all"], "signInRiskLevels": risk,
                    "applications": {"includeApplications": apps_in},
                    "users": users,
                },
                "grantControls": if k % 4 == 0 {
                    json!({"operator": "OR", "authenticationStrength": {"id": "00000000-0000-0000-0000-000000000004"}})
                } else {
                    json!({"operator": "OR", "builtInControls": ["mfa"]})
                },
                "sessionControls": {"signInFrequency": {"isEnabled": true, "frequencyInterval": "timeBased", "value": 1 + next(12), "type": "hours"}},
            })
        })
        .collect();
    (json!({"value": list}), json!({"value": group_objects}))
}

fn run(policies: usize, groups: usize) {
    let (list, group_list) = tenant(policies, groups);
    let (text, group_text) = (list.to_string(), group_list.to_string());
    let t = Instant::now();
    let docs = documents("policies.json", serde_json::from_str(&text).unwrap());
    let group_docs = documents("groups.json", serde_json::from_str(&group_text).unwrap());
    let names = Names::from(&group_docs, &[]);
    assert!(mfac::bridge::entra::shape::check(&docs).is_empty());
    let imported = import(&docs, &names);
    let policy = imported.policy.render().unwrap();
    let took_import = t.elapsed();
    let out = mfac::check::check(
        &mfac::SourceFile::new("tenant.mfa", policy.as_str()),
        &mfac::check::CheckOptions::default(),
    );
    let took = t.elapsed();
    assert!(
        out.policy.is_some() || out.refuted.is_some(),
        "the import resolves"
    );
    println!(
        "{policies:>5} policies, {groups:>6} groups: import {:>7.1} ms ({} rules, {} findings); import + check {:>7.1} ms ({} diagnostics)",
        took_import.as_secs_f64() * 1e3,
        imported.policy.rules.len(),
        imported.findings.len(),
        took.as_secs_f64() * 1e3,
        out.diagnostics.items.len()
    );
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    println!("import entra then check; one run, release");
    match std::env::var("MFAC_BENCH_IMPORT").ok() {
        Some(size) => {
            let v: Vec<usize> = size.split(',').filter_map(|x| x.parse().ok()).collect();
            run(
                v.first().copied().unwrap_or(200),
                v.get(1).copied().unwrap_or(2_000),
            );
        }
        None => {
            for (p, g) in [(50, 500), (200, 2_000), (400, 4_000)] {
                run(p, g);
            }
        }
    }
}
