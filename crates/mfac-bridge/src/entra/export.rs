//! `mfac export entra`: the rules in force at one instant as Graph v1.0
//! `conditionalAccessPolicy` objects, and custom
//! `authenticationStrengthPolicy` objects where a factor set is not a
//! built-in strength. What Entra cannot express is refused, never
//! approximated, and the export checks itself: it imports its own output
//! and proves it means the same at that instant, both ways.

use super::{tables, Names};
use crate::source::Document;
use jiff::Timestamp;
use mfac_core::compile::{ExemptionInfo, RuleInfo, Settings};
use mfac_core::policy::{Enrolment, Precedence, Remember, Scope};
use mfac_core::{Factor, FactorSet, Level, Policy};
use serde_json::{json, Value};

/// One file to write: its name and its JSON.
pub type File = (String, Value);

/// An export: the files, and warnings (exemptions Entra will not end).
#[derive(Debug, Default)]
pub struct Export {
    pub files: Vec<File>,
    pub warnings: Vec<String>,
}

/// Why a policy cannot be exported: one line per thing Entra cannot say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused(pub Vec<String>);

/// The factors of Entra's "Multifactor authentication" grant (`mfa`).
fn multifactor() -> FactorSet {
    [Factor::Webauthn, Factor::Totp, Factor::Sms, Factor::Push]
        .into_iter()
        .collect()
}

/// Graph's authentication methods for a factor.
fn methods(f: Factor) -> &'static [&'static str] {
    match f {
        Factor::Webauthn => &["fido2", "windowsHelloForBusiness"],
        Factor::Totp => &["password,softwareOath", "password,hardwareOath"],
        Factor::Sms => &["password,sms"],
        Factor::Push => &["password,microsoftAuthenticatorPush", "deviceBasedPush"],
        Factor::Email | Factor::BackupCode => &[],
    }
}

/// Does `policy` mean the same at `at` under `most_restrictive`, Entra's
/// only precedence? Proven both ways with `diff --at`'s engine; the first
/// difference in words when not.
fn same_as_most_restrictive(policy: &Policy, at: Timestamp) -> Result<(), String> {
    let mut tables = policy.tables().clone();
    tables.precedence = Precedence::MostRestrictive;
    let other = Policy::from_tables(tables).map_err(|e| e.to_string())?;
    equivalent(policy, &other, at, "under `most_restrictive`")
}

/// Do `a` and `b` mean the same at `at`? Neither loosens the other; the
/// first loosening found, in words, when one does.
fn equivalent(a: &Policy, b: &Policy, at: Timestamp, what: &str) -> Result<(), String> {
    for (from, to, way) in [(a, b, "asks less"), (b, a, "asks more")] {
        let review = mfac_prove::loosen::review(from, to, mfac_prove::PROOF_LIMIT, Some(at));
        if let Some(l) = review.loosenings.first() {
            let who = match (&l.user, l.groups.is_empty()) {
                (Some(u), _) => format!("user `{u}`"),
                (None, true) => "anyone in no group".to_string(),
                (None, false) => format!("a member of {}", l.groups.join(", ")),
            };
            let app = l
                .app
                .as_deref()
                .map_or("any other app".to_string(), |a| format!("app `{a}`"));
            return Err(format!(
                "{what} it {way}: {} for {who} signing in to {app}",
                l.change(a.timezone())
            ));
        }
        if let Some(k) = review.not_proven.first() {
            return Err(format!(
                "{what}, `{}` could not be proven the same (too many combinations of groups)",
                k.name()
            ));
        }
    }
    Ok(())
}

/// Where refusals go: one line each.
type Refuse<'r> = dyn FnMut(String) + 'r;

/// Export `policy` as in force at `at`, naming groups, apps and users by
/// the ids in `ids`.
pub fn export(policy: &Policy, at: Timestamp, ids: &Names) -> Result<Export, Refused> {
    let mut refused = Vec::new();
    if policy.tables().precedence != Precedence::MostRestrictive {
        if let Err(why) = same_as_most_restrictive(policy, at) {
            refused.push(format!(
                "precedence `{}`: Entra applies every matching policy (`most_restrictive`), and this policy would mean something else: {why}",
                policy.tables().precedence.name()
            ));
        }
    }
    let epoch = policy.epoch_of(at);
    let mut out = Export::default();
    let mut strengths: Vec<(String, FactorSet)> = Vec::new();
    let exempt: Vec<&ExemptionInfo> = policy
        .tables()
        .exemptions
        .iter()
        .filter(|e| e.until > at)
        .collect();
    for (id, info) in policy.tables().rules.iter().enumerate() {
        let Some(s) = policy.rule_settings(epoch, id) else {
            continue;
        };
        let what = info.subject();
        let mut refuse = |why: String| refused.push(format!("{what} (line {}): {why}", info.line));
        let Some(required) = enforcement(info, s, &mut refuse) else {
            continue;
        };
        let Some(grant) = grant(s.factors, required, &mut strengths, &mut refuse) else {
            continue;
        };
        let Some(frequency) = frequency(s.remember, required, &mut refuse) else {
            continue;
        };
        if grant.is_null() && frequency.is_null() {
            // Asks for nothing Entra could say (`enforcement off`, say):
            // under `most_restrictive` it adds nothing.
            continue;
        }
        let mut conditions = conditions(&info.scope, ids, &mut refuse);
        let mut description = String::from("Exported by mfac; edit the .mfa policy, not this.");
        if required {
            exclude_exempt(&exempt, ids, &mut conditions, &mut description, &mut refuse);
        }
        let name = info.name.clone().unwrap_or_else(|| format!("mfac {what}"));
        let value = json!({
            "displayName": name,
            "description": description,
            "state": if info.report_only { "enabledForReportingButNotEnforced" } else { "enabled" },
            "conditions": conditions,
            "grantControls": grant,
            "sessionControls": if frequency.is_null() { Value::Null } else { json!({"signInFrequency": frequency}) },
        });
        out.files.push((file_name(&name), value));
    }
    out.warnings = exempt
        .iter()
        .map(|e| {
            format!(
                "exemption of {} until {}: Entra will not end it; export again after that",
                e.user, e.until
            )
        })
        .collect();
    out.files
        .extend(strengths.into_iter().map(|(name, f)| strength(&name, f)));
    if !refused.is_empty() {
        return Err(Refused(refused));
    }
    Ok(out)
}

/// Whether the rule asks for MFA; `None` when Entra cannot say its
/// fields at all (each reason refused).
fn enforcement(info: &RuleInfo, s: &Settings, refuse: &mut Refuse<'_>) -> Option<bool> {
    let required = match s.enforcement {
        Some(Level::Required) => true,
        Some(Level::Optional) => {
            refuse(
                "`enforcement optional`: Entra asks for MFA or not, never only of those enrolled"
                    .to_string(),
            );
            return None;
        }
        _ => false,
    };
    if s.deadline.is_some()
        || s.enrolment
            .is_some_and(|e| !matches!(e, Enrolment::Immediate))
    {
        refuse("an enrolment grace: Entra has none".to_string());
    }
    if s.recovery.is_some() {
        refuse("`recovery backup_code`: Entra has no backup codes".to_string());
    }
    if !info.includes.is_empty() {
        refuse(
            "`includes`: export the included groups' members into the group instead".to_string(),
        );
    }
    if s.factors.is_some() && !required {
        refuse("`factors` without `enforcement required`: an Entra grant asks for MFA".to_string());
    }
    Some(required)
}

/// The grant controls for `factors` (`null` when no MFA is asked for);
/// `None` when refused. A set that is not a built-in strength is added to
/// `strengths`, to be written beside the policies.
fn grant(
    factors: Option<FactorSet>,
    required: bool,
    strengths: &mut Vec<(String, FactorSet)>,
    refuse: &mut Refuse<'_>,
) -> Option<Value> {
    if !required {
        return Some(Value::Null);
    }
    Some(match factors {
        None => {
            refuse("no `factors`: mfac then allows e-mail codes too, which Entra does not accept as MFA; set `factors`".to_string());
            return None;
        }
        Some(f) if f.contains(Factor::Email) => {
            refuse("`email`: Entra does not accept e-mail codes as MFA for members".to_string());
            return None;
        }
        Some(f) if f == multifactor() => json!({"operator": "OR", "builtInControls": ["mfa"]}),
        Some(f) if f == FactorSet::from_iter([Factor::Webauthn]) => json!({
            "operator": "OR", "builtInControls": [],
            "authenticationStrength": {"id": "00000000-0000-0000-0000-000000000004"}
        }),
        Some(f) => {
            let name = f.names().join("-");
            if !strengths.iter().any(|(n, _)| *n == name) {
                strengths.push((name.clone(), f));
            }
            json!({"operator": "OR", "builtInControls": [],
                "authenticationStrength": {"id": format!("mfac-strength:{name}")}})
        }
    })
}

/// The sign-in frequency for `remember` (`null` for none); `None` when
/// refused.
fn frequency(remember: Option<Remember>, required: bool, refuse: &mut Refuse<'_>) -> Option<Value> {
    Some(match remember {
        Some(Remember::Never) => json!({"isEnabled": true, "frequencyInterval": "everyTime"}),
        Some(Remember::Window(w)) => {
            if w.same_ip || w.same_context || w.max_logins.is_some() {
                refuse("a remember window with conditions (`same_ip`, `same_context`, `max_logins`): Entra's sign-in frequency has none".to_string());
                return None;
            }
            if w.seconds % 3_600 != 0 {
                refuse(format!(
                    "a remember window of {} s: Entra counts sign-in frequency in whole hours",
                    w.seconds
                ));
                return None;
            }
            let (value, unit) = if w.seconds % 86_400 == 0 {
                (w.seconds / 86_400, "days")
            } else {
                (w.seconds / 3_600, "hours")
            };
            json!({"isEnabled": true, "frequencyInterval": "timeBased", "value": value, "type": unit})
        }
        // No window: MFA at every login, which Entra says as `everyTime`
        // (without a frequency, it keeps the session 90 days).
        None if required => json!({"isEnabled": true, "frequencyInterval": "everyTime"}),
        None => Value::Null,
    })
}

/// The policy's `conditions`: users, groups (built-in roles as roles) and
/// apps by id, included and excluded. A name without an id is refused.
fn conditions(scope: &Scope, ids: &Names, refuse: &mut Refuse<'_>) -> Value {
    let mut user = |u: &String| {
        ids.user_id(u).or_else(|| {
            refuse(format!(
                "user `{u}` has no id in the exports given (--groups with user objects)"
            ));
            None
        })
    };
    let guests = |groups: &[String]| groups.iter().any(|g| g == super::GUESTS);
    let mut users: Vec<String> = scope.users.iter().filter_map(&mut user).collect();
    let mut ex_users: Vec<String> = scope.except.users.iter().filter_map(&mut user).collect();
    if guests(&scope.groups) {
        users.push("GuestsOrExternalUsers".to_string());
    }
    if guests(&scope.except.groups) {
        ex_users.push("GuestsOrExternalUsers".to_string());
    }
    let (groups, roles) = groups_and_roles(&scope.groups, ids, refuse);
    let (ex_groups, ex_roles) = groups_and_roles(&scope.except.groups, ids, refuse);
    let mut app = |a: &String| {
        tables::APPS
            .iter()
            .find(|(_, n)| n == a)
            .map(|(k, _)| k.to_string())
            .or_else(|| ids.app_id(a))
            .or_else(|| {
                refuse(format!("app `{a}` has no id in --apps"));
                None
            })
    };
    let apps: Vec<String> = scope.apps.iter().filter_map(&mut app).collect();
    let ex_apps: Vec<String> = scope.except.apps.iter().filter_map(&mut app).collect();
    let everyone = scope.users.is_empty() && scope.groups.is_empty();
    let users = if everyone {
        vec!["All".to_string()]
    } else {
        users
    };
    json!({
        "clientAppTypes": ["all"],
        "applications": {
            "includeApplications": if apps.is_empty() { vec!["All".to_string()] } else { apps },
            "excludeApplications": ex_apps,
        },
        "users": {
            "includeUsers": users,
            "excludeUsers": ex_users,
            "includeGroups": groups,
            "excludeGroups": ex_groups,
            "includeRoles": roles,
            "excludeRoles": ex_roles,
        },
    })
}

/// Group names as group ids, and those named after a built-in role as the
/// role's template id.
fn groups_and_roles(
    names: &[String],
    ids: &Names,
    refuse: &mut Refuse<'_>,
) -> (Vec<String>, Vec<String>) {
    let (mut groups, mut roles) = (Vec::new(), Vec::new());
    for g in names {
        if g == super::GUESTS {
            // Entra's guest user types, which the import names as a group:
            // written as users (see `conditions`).
            continue;
        }
        if let Some(r) = tables::ROLES.iter().find(|r| r.name == g) {
            roles.push(r.id.to_string());
        } else if let Some(i) = ids.group_id(g) {
            groups.push(i);
        } else {
            refuse(format!("group `{g}` has no id in --groups"));
        }
    }
    (groups, roles)
}

/// The exempt users into a policy's `excludeUsers`, each said in its
/// description.
fn exclude_exempt(
    exempt: &[&ExemptionInfo],
    ids: &Names,
    conditions: &mut Value,
    description: &mut String,
    refuse: &mut Refuse<'_>,
) {
    for e in exempt {
        match ids.user_id(&e.user) {
            Some(i) => {
                if let Some(list) = conditions
                    .pointer_mut("/users/excludeUsers")
                    .and_then(Value::as_array_mut)
                {
                    list.push(json!(i));
                }
            }
            None => refuse(format!(
                "exempt user `{}` has no id in the exports given",
                e.user
            )),
        }
        let ticket = e
            .ticket
            .as_ref()
            .map_or(String::new(), |t| format!(", ticket {t}"));
        description.push_str(&format!(
            " Excludes {} until {} ({}{ticket}).",
            e.user, e.until, e.reason
        ));
    }
}

/// A custom authentication strength for `factors`, by its placeholder id.
fn strength(name: &str, factors: FactorSet) -> File {
    let combos: Vec<&str> = Factor::ALL
        .iter()
        .filter(|x| factors.contains(**x))
        .flat_map(|x| methods(*x).iter().copied())
        .collect();
    (
        format!("strength-{name}.json"),
        json!({
            "id": format!("mfac-strength:{name}"),
            "displayName": name,
            "description": "Exported by mfac: the factors of a .mfa rule.",
            "policyType": "custom",
            "allowedCombinations": combos,
        }),
    )
}

/// A file name for a policy: its name, with what a file system dislikes
/// replaced.
fn file_name(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ' ' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{}.json", safe.trim())
}

/// The export as documents, for importing it back.
pub fn documents(files: &[File]) -> Vec<Document> {
    files
        .iter()
        .map(|(name, value)| Document {
            file: name.clone(),
            pointer: String::new(),
            value: value.clone(),
        })
        .collect()
}

/// The export's own check: import `files` back (with the same names) and
/// prove the result means what `policy` means at `at`, both ways, leaving
/// exemptions out (Entra has no exemptions that end by themselves). The
/// first difference, in words, when it does not.
pub fn self_check(
    policy: &Policy,
    files: &[File],
    ids: &Names,
    at: Timestamp,
) -> Result<(), String> {
    use mfac_lang::Compile as _;
    let mut tables = policy.tables().clone();
    tables.exemptions.clear();
    let original = Policy::from_tables(tables)
        .map_err(|e| format!("the policy without its exemptions: {e}"))?;
    let imported = super::import(&documents(files), ids);
    let text = imported
        .policy
        .render()
        .ok_or_else(|| "the export does not import back as a policy".to_string())?;
    let checked = mfac_lang::check::check(
        &mfac_core::SourceFile::new("exported.mfa", text.as_str()),
        &mfac_lang::check::CheckOptions::default(),
    );
    let back = checked
        .policy
        .or(checked.refuted)
        .map(|p| Policy::from_checked(&p))
        .ok_or_else(|| "the export does not import back as a policy that resolves".to_string())?;
    equivalent(&original, &back, at, "imported back from Entra,")
}
