//! `mfac import entra`: Conditional Access policies as mfac rules, by the
//! mapping of the bridge's design (every matching policy applies, so
//! `most_restrictive`; exclusions are `except`; report-only policies are
//! `report_only` rules; what mfac cannot model makes a rule report-only,
//! never enforced).

pub mod export;
mod grant;
mod names;
pub mod shape;
pub mod tables;

pub use names::Names;

use crate::finding::{self, Finding};
use crate::source::{pointer, strings, Document};
use crate::write::{Party, Policy, Remember, Rule};
use mfac_core::Level;
use serde_json::Value;

/// An import: the policy, and every construct that did not map.
#[derive(Debug, Default)]
pub struct Import {
    pub policy: Policy,
    pub findings: Vec<Finding>,
}

/// The group the import names Entra's guest and external user types by.
pub const GUESTS: &str = "Guests or external users";

/// Entra keeps a session up to 90 days without a sign-in frequency.
const DEFAULT_SESSION: i64 = 90 * 86_400;

/// Import every Conditional Access policy among `docs`.
pub fn import(docs: &[Document], names: &Names) -> Import {
    let mut out = Import::default();
    out.policy.precedence = "most_restrictive";
    out.policy.default = Some(Level::Off);
    let files: std::collections::BTreeSet<&str> = docs.iter().map(|d| d.file.as_str()).collect();
    // A few files by name; a directory's worth by count (each rule's own
    // comment names its file).
    let from = if files.len() <= 3 {
        files.into_iter().collect::<Vec<_>>().join(", ")
    } else {
        plural(files.len(), "file", "files")
    };
    out.policy.header = vec![
        "Imported from Microsoft Entra Conditional Access by `mfac import entra`.".to_string(),
        format!(
            "{} from {from}.",
            plural(docs.len(), "policy object", "policy objects")
        ),
        "No Conditional Access policy applies: no MFA (the default below).".to_string(),
    ];
    let mut privileged = std::collections::BTreeSet::new();
    // Authentication strength policies among the input (an export of
    // mfac's own writes them beside the policies that name them).
    let strengths: std::collections::BTreeMap<&str, &Value> = docs
        .iter()
        .filter(|d| d.value.get("allowedCombinations").is_some())
        .filter_map(|d| Some((d.value.get("id")?.as_str()?, &d.value)))
        .collect();
    for doc in docs {
        if doc.value.get("allowedCombinations").is_some() && doc.value.get("conditions").is_none() {
            continue;
        }
        let mut cx = Cx {
            doc,
            names,
            strengths: &strengths,
            findings: &mut out.findings,
            privileged: &mut privileged,
        };
        if let Some(mut rule) = cx.rule() {
            rule.name = unique(&out.policy.rules, rule.name);
            out.policy.rules.push(rule);
        }
    }
    out.policy.privileged = privileged.into_iter().collect();
    out
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `name`, or `name (2)`, `name (3)`, ... when a rule already has it.
fn unique(rules: &[Rule], name: String) -> String {
    let taken = |n: &str| rules.iter().any(|r| r.name == n);
    if !taken(&name) {
        return name;
    }
    (2..)
        .map(|k| format!("{name} ({k})"))
        .find(|n| !taken(n))
        .unwrap_or(name)
}

/// One policy object being imported.
pub(crate) struct Cx<'a> {
    doc: &'a Document,
    names: &'a Names,
    strengths: &'a std::collections::BTreeMap<&'a str, &'a Value>,
    findings: &'a mut Vec<Finding>,
    privileged: &'a mut std::collections::BTreeSet<String>,
}

impl<'a> Cx<'a> {
    /// A finding at `path` (relative to the policy object).
    pub(crate) fn note(&mut self, code: &'static finding::Code, path: &[&str], message: String) {
        let mut at = self.doc.pointer.clone();
        for token in path {
            at = pointer(&at, token);
        }
        self.findings.push(Finding {
            code,
            file: self.doc.file.clone(),
            pointer: at,
            message,
        });
    }

    fn get(&self, path: &[&str]) -> Option<&'a Value> {
        path.iter().try_fold(&self.doc.value, |v, k| v.get(k))
    }

    /// The strings of an array at `path` (nothing when absent or null).
    fn strings(&self, path: &[&str]) -> Vec<&'a str> {
        strings(self.get(path))
    }

    fn rule(&mut self) -> Option<Rule> {
        let v = &self.doc.value;
        let id = v.get("id").and_then(Value::as_str).unwrap_or("");
        let display = v.get("displayName").and_then(Value::as_str).unwrap_or(id);
        if v.get("conditions").is_none_or(|c| !c.is_object()) {
            self.note(
                &finding::NOT_A_POLICY,
                &[],
                format!(
                    "`{display}` has no `conditions`: not a Conditional Access policy; left out"
                ),
            );
            return None;
        }
        let mut rule = Rule {
            source: format!("{}, id {id}: {display}", self.doc.file),
            name: if display.is_empty() {
                id.to_string()
            } else {
                display.to_string()
            },
            ..Rule::default()
        };
        match v.get("state").and_then(Value::as_str) {
            Some("disabled") => {
                self.note(
                    &finding::DISABLED,
                    &["state"],
                    format!("`{display}` is disabled; left out"),
                );
                return None;
            }
            Some("enabledForReportingButNotEnforced") => rule.report_only = true,
            _ => {}
        }
        if !self.scope(&mut rule, display) {
            return None;
        }
        // A blocking policy is left out before its conditions are judged:
        // they would only say when it blocks.
        if !grant::controls(self, &mut rule, display) {
            return None;
        }
        self.conditions(&mut rule);
        self.session(&mut rule);
        if rule.enforcement.is_none() && rule.remember.is_none() {
            self.note(
                &finding::OTHER_CONTROL,
                &["grantControls"],
                format!("`{display}` asks for no MFA and sets no sign-in frequency; left out"),
            );
            return None;
        }
        Some(rule)
    }

    /// Whom and which apps: `false` when nobody or no app mfac models is
    /// left (the policy applies to nobody here).
    fn scope(&mut self, rule: &mut Rule, display: &str) -> bool {
        let users = ["conditions", "users"];
        let include_users = self.strings(&[users[0], users[1], "includeUsers"]);
        let mut whom = Vec::new();
        let everyone = include_users.iter().any(|u| u.eq_ignore_ascii_case("All"));
        for u in &include_users {
            if let Some(p) = self.user_party(u, &["conditions", "users", "includeUsers"]) {
                whom.push(p);
            }
        }
        whom.extend(self.parties(&["conditions", "users", "includeGroups"], Kind::Group));
        whom.extend(self.parties(&["conditions", "users", "includeRoles"], Kind::Role));
        if self
            .get(&["conditions", "users", "includeGuestsOrExternalUsers"])
            .is_some_and(|g| !g.is_null())
        {
            whom.push(self.guests(&["conditions", "users", "includeGuestsOrExternalUsers"]));
        }
        let mut except = Vec::new();
        for u in self.strings(&["conditions", "users", "excludeUsers"]) {
            if let Some(p) = self.user_party(u, &["conditions", "users", "excludeUsers"]) {
                except.push(p);
            }
        }
        except.extend(self.parties(&["conditions", "users", "excludeGroups"], Kind::Group));
        except.extend(self.parties(&["conditions", "users", "excludeRoles"], Kind::Role));
        if self
            .get(&["conditions", "users", "excludeGuestsOrExternalUsers"])
            .is_some_and(|g| !g.is_null())
        {
            except.push(self.guests(&["conditions", "users", "excludeGuestsOrExternalUsers"]));
        }
        rule.whom = if everyone { None } else { Some(dedup(whom)) };
        if rule.whom.as_ref().is_some_and(Vec::is_empty) {
            self.note(
                &finding::NO_SCOPE,
                &["conditions", "users"],
                format!("`{display}` includes no user, group or role; left out"),
            );
            return false;
        }
        let apps = ["conditions", "applications"];
        for (key, what) in [
            ("includeUserActions", "user actions"),
            (
                "includeAuthenticationContextClassReferences",
                "authentication contexts",
            ),
        ] {
            if !self.strings(&[apps[0], apps[1], key]).is_empty() {
                self.note(
                    &finding::NOT_TARGETED,
                    &[apps[0], apps[1], key],
                    format!(
                        "`{display}` targets {what}, which are not sign-ins to an app; left out"
                    ),
                );
            }
        }
        let include_apps = self.strings(&[apps[0], apps[1], "includeApplications"]);
        if !include_apps.iter().any(|a| a.eq_ignore_ascii_case("All")) {
            rule.apps = include_apps
                .iter()
                .filter(|a| !a.eq_ignore_ascii_case("None"))
                .map(|a| self.app_name(a, &[apps[0], apps[1], "includeApplications"]))
                .collect();
            if rule.apps.is_empty() {
                self.note(
                    &finding::NO_SCOPE,
                    &[apps[0], apps[1], "includeApplications"],
                    format!("`{display}` targets no app; left out"),
                );
                return false;
            }
        }
        for a in self.strings(&[apps[0], apps[1], "excludeApplications"]) {
            except.push(Party::App(
                self.app_name(a, &[apps[0], apps[1], "excludeApplications"]),
            ));
        }
        rule.except = dedup(except);
        true
    }

    /// A user id of `includeUsers`/`excludeUsers`: `None` for `All` and
    /// `None`, which are not people.
    fn user_party(&mut self, id: &str, path: &[&str]) -> Option<Party> {
        if id.eq_ignore_ascii_case("All") || id.eq_ignore_ascii_case("None") {
            return None;
        }
        if id.eq_ignore_ascii_case("GuestsOrExternalUsers") {
            return Some(self.guests(path));
        }
        Some(Party::User(self.names.user(id).unwrap_or_else(|| {
            self.note(
                &finding::UNNAMED_ID,
                path,
                format!("user id `{id}` has no name in the input; it stays the id"),
            );
            id.to_string()
        })))
    }

    fn guests(&mut self, path: &[&str]) -> Party {
        self.note(
            &finding::GUESTS,
            path,
            "guests and external users become the group `Guests or external users`".to_string(),
        );
        Party::Group(GUESTS.to_string())
    }

    fn parties(&mut self, path: &[&str], kind: Kind) -> Vec<Party> {
        let ids = self.strings(path);
        ids.into_iter()
            .map(|id| match kind {
                Kind::Group => Party::Group(self.names.group(id).unwrap_or_else(|| {
                    self.note(&finding::UNNAMED_ID, path, format!("group id `{id}` has no name in the input (--groups); it stays the id"));
                    id.to_string()
                })),
                Kind::Role => Party::Group(match tables::role_of(id) {
                    Some(role) => {
                        if role.privileged {
                            self.privileged.insert(role.name.to_string());
                        }
                        role.name.to_string()
                    }
                    None => {
                        self.note(&finding::UNNAMED_ID, path, format!("role template id `{id}` is not a built-in role mfac knows; it stays the id"));
                        id.to_string()
                    }
                }),
            })
            .collect()
    }

    fn app_name(&mut self, id: &str, path: &[&str]) -> String {
        if let Some(name) = tables::app_of(id)
            .map(str::to_string)
            .or_else(|| self.names.app(id))
        {
            return name;
        }
        self.note(
            &finding::UNNAMED_ID,
            path,
            format!("app id `{id}` has no name in the input (--apps); it stays the id"),
        );
        id.to_string()
    }

    /// Conditions that narrow when the policy applies make it report-only.
    fn conditions(&mut self, rule: &mut Rule) {
        let c = ["conditions"];
        let mut narrows = |cx: &mut Cx<'_>, key: &str, what: String| {
            rule.report_only = true;
            cx.note(
                &finding::UNMODELLED_CONDITION,
                &[c[0], key],
                format!("{what}: the rule only reports"),
            );
        };
        for key in [
            "userRiskLevels",
            "signInRiskLevels",
            "insiderRiskLevels",
            "servicePrincipalRiskLevels",
        ] {
            let levels = self.strings(&[c[0], key]);
            if !levels.is_empty() {
                narrows(
                    self,
                    key,
                    format!("applies only at {key} {}", levels.join(", ")),
                );
            }
        }
        if let Some(p) = self.get(&[c[0], "platforms"]).filter(|p| !p.is_null()) {
            let include = strings(p.get("includePlatforms"));
            let exclude = strings(p.get("excludePlatforms"));
            let all = include.iter().any(|x| x.eq_ignore_ascii_case("all"));
            if !all || !exclude.is_empty() {
                narrows(
                    self,
                    "platforms",
                    "applies only on some device platforms".to_string(),
                );
            }
        }
        if let Some(l) = self.get(&[c[0], "locations"]).filter(|l| !l.is_null()) {
            let include = strings(l.get("includeLocations"));
            let exclude = strings(l.get("excludeLocations"));
            let all = include.iter().any(|x| x.eq_ignore_ascii_case("All"));
            if !all || !exclude.is_empty() {
                narrows(
                    self,
                    "locations",
                    "applies only from some network locations".to_string(),
                );
            }
        }
        for key in [
            "devices",
            "authenticationFlows",
            "clientApplications",
            "times",
            "deviceStates",
        ] {
            if self.get(&[c[0], key]).is_some_and(|v| !v.is_null()) {
                narrows(self, key, format!("applies only under a `{key}` condition"));
            }
        }
        let types = self.strings(&[c[0], "clientAppTypes"]);
        let has = |t: &str| {
            types
                .iter()
                .any(|x| x.eq_ignore_ascii_case(t) || x.eq_ignore_ascii_case("all"))
        };
        // Legacy client types cannot do MFA; leaving out browsers or modern
        // clients narrows the policy.
        let modern = has("browser") && has("mobileAppsAndDesktopClients");
        if !types.is_empty() && !modern {
            narrows(
                self,
                "clientAppTypes",
                format!("applies only to client apps {}", types.join(", ")),
            );
        }
    }

    /// Sign-in frequency as `remember`; Entra's 90-day session without it.
    fn session(&mut self, rule: &mut Rule) {
        let s = ["sessionControls"];
        let frequency = self.get(&[s[0], "signInFrequency"]).filter(|f| {
            f.get("isEnabled").and_then(Value::as_bool).unwrap_or(true) && !f.is_null()
        });
        match frequency {
            Some(f) if f.get("frequencyInterval").and_then(Value::as_str) == Some("everyTime") => {
                rule.remember = Some(Remember::Never);
            }
            Some(f) => {
                let value = f.get("value").and_then(Value::as_i64).unwrap_or(0);
                let unit = match f.get("type").and_then(Value::as_str) {
                    Some("days") => 86_400,
                    _ => 3_600,
                };
                if value > 0 {
                    rule.remember = Some(Remember::For(value.saturating_mul(unit)));
                }
            }
            None if rule.enforcement == Some(Level::Required) => {
                rule.remember = Some(Remember::For(DEFAULT_SESSION));
                self.note(
                    &finding::DEFAULT_SESSION,
                    &[s[0]],
                    "no sign-in frequency: Entra keeps the session up to 90 days, so `remember 90d`".to_string(),
                );
            }
            None => {}
        }
        for key in [
            "persistentBrowser",
            "applicationEnforcedRestrictions",
            "cloudAppSecurity",
            "continuousAccessEvaluation",
            "secureSignInSession",
        ] {
            if self.get(&[s[0], key]).is_some_and(|v| {
                !v.is_null() && v.get("isEnabled").and_then(Value::as_bool) != Some(false)
            }) {
                self.note(
                    &finding::SESSION_NOTE,
                    &[s[0], key],
                    format!("session control `{key}` is not modelled; left to Entra"),
                );
            }
        }
    }
}

enum Kind {
    Group,
    Role,
}

fn dedup(mut v: Vec<Party>) -> Vec<Party> {
    let mut seen = std::collections::BTreeSet::new();
    v.retain(|p| seen.insert(p.clone()));
    v
}
