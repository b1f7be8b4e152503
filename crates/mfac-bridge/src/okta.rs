//! `mfac import okta`: Okta's global session policies (`OKTA_SIGN_ON`) as
//! mfac rules. Okta applies the first rule that matches (policies by
//! priority, then their rules by priority); mfac combines every rule that
//! applies, so first match is written with `except`: each rule leaves out
//! the people of every rule before it.

use crate::finding::{self, Finding};
use crate::source::{pointer, strings, Document};
use crate::write::{Party, Policy, Remember, Rule};
use mfac_core::{Factor, FactorSet, Level};
use serde_json::Value;
use std::collections::BTreeMap;

/// An import: the policy, and every construct that did not map.
#[derive(Debug, Default)]
pub struct Import {
    pub policy: Policy,
    pub findings: Vec<Finding>,
}

/// Okta's longest session, used where a rule's session has no limit.
const UNLIMITED: i64 = 365 * 86_400;

/// One sign-on policy and its rules, each with where it is in its file.
struct Found<'a> {
    doc: &'a Document,
    rules: Vec<(&'a Value, String)>,
}

/// Whom an earlier rule took first: everyone, or these people.
enum Taken {
    Everyone,
    Some(Vec<Party>),
}

pub fn import(docs: &[Document], apps: &[Document]) -> Import {
    let mut out = Import::default();
    out.policy.precedence = "most_restrictive";
    out.policy.default = Some(Level::Off);
    out.policy.header = vec![
        "Imported from Okta global session policies by `mfac import okta`.".to_string(),
        "No rule matches: no MFA (the default below).".to_string(),
    ];
    let groups = group_names(docs);
    let mut policies = sign_on_policies(docs, &mut out.findings);
    policies.sort_by_key(|p| priority(&p.doc.value));
    let mut taken: Vec<Taken> = Vec::new();
    // Once a rule's match depends on something unmodelled, nobody knows
    // whom it took first, so every later rule only reports.
    let mut unsure = false;
    for p in &policies {
        let mut rules = p.rules.clone();
        rules.sort_by_key(|(r, _)| priority(r));
        for (r, at) in rules {
            let cx = Cx {
                doc: p.doc,
                at: &at,
                groups: &groups,
            };
            if let Some(rule) = cx.rule(p, r, &mut taken, &mut unsure, &mut out.findings) {
                out.policy.rules.push(rule);
            }
        }
    }
    enrolment(docs, &groups, &mut out);
    access(docs, apps, &groups, &mut out);
    // A policy's own people are read again with each of its rules: say
    // what they lack once.
    let mut seen = std::collections::BTreeSet::new();
    out.findings
        .retain(|f| seen.insert((f.code.code, f.pointer.clone(), f.message.clone())));
    out
}

/// App sign-on policies (`ACCESS_POLICY`): each applies in the apps whose
/// `_links.accessPolicy` names it (`--apps`), its rules by first match
/// within it. An app policy can only add to the global session policy in
/// mfac (`most_restrictive`), as a second requirement does in Okta.
fn access(
    docs: &[Document],
    apps: &[Document],
    groups: &BTreeMap<String, String>,
    out: &mut Import,
) {
    for d in docs
        .iter()
        .filter(|d| d.value.get("type").and_then(Value::as_str) == Some("ACCESS_POLICY"))
    {
        let id = d.value.get("id").and_then(Value::as_str).unwrap_or("");
        let name = d
            .value
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or(id)
            .to_string();
        let mut labels: Vec<String> = apps
            .iter()
            .filter(|a| {
                a.value
                    .pointer("/_links/accessPolicy/href")
                    .and_then(Value::as_str)
                    .is_some_and(|h| !id.is_empty() && h.ends_with(&format!("/{id}")))
            })
            .filter_map(|a| {
                a.value
                    .get("label")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .collect();
        if labels.is_empty() {
            out.findings.push(note(
                d,
                &d.pointer,
                &finding::UNNAMED_ID,
                format!(
                    "no app in --apps names policy `{name}`; its rules are `in app \"{name}\"`"
                ),
            ));
            labels.push(name.clone());
        }
        let found = Found {
            doc: d,
            rules: embedded_rules(d),
        };
        let mut rules = found.rules.clone();
        rules.sort_by_key(|(r, _)| priority(r));
        let (mut taken, mut unsure) = (Vec::new(), false);
        for (r, at) in rules {
            let cx = Cx {
                doc: d,
                at: &at,
                groups,
            };
            if let Some(mut rule) = cx.rule(&found, r, &mut taken, &mut unsure, &mut out.findings) {
                rule.apps = labels.clone();
                out.policy.rules.push(rule);
            }
        }
    }
}

/// A policy's `_embedded.rules`, each with its pointer.
fn embedded_rules(d: &Document) -> Vec<(&Value, String)> {
    d.value
        .pointer("/_embedded/rules")
        .and_then(Value::as_array)
        .map(|rs| {
            rs.iter()
                .enumerate()
                .map(|(i, r)| (r, format!("{}/_embedded/rules/{i}", d.pointer)))
                .collect()
        })
        .unwrap_or_default()
}

/// Enrolment policies (`MFA_ENROLL`): the authenticators a user may enrol
/// are the factors their sign-ins may use. Okta takes the first policy
/// (by priority) whose groups hold the user, so each policy leaves out the
/// groups of every policy before it.
fn enrolment(docs: &[Document], groups: &BTreeMap<String, String>, out: &mut Import) {
    let mut policies: Vec<&Document> = docs
        .iter()
        .filter(|d| d.value.get("type").and_then(Value::as_str) == Some("MFA_ENROLL"))
        .collect();
    policies.sort_by_key(|d| priority(&d.value));
    let mut earlier: Vec<Party> = Vec::new();
    for d in policies {
        let cx = Cx {
            doc: d,
            at: &d.pointer,
            groups,
        };
        let name = d
            .value
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("enrolment")
            .to_string();
        if d.value.get("status").and_then(Value::as_str) == Some("INACTIVE") {
            cx.note(
                &mut out.findings,
                &finding::DISABLED,
                &["status"],
                format!("`{name}` is inactive; left out"),
            );
            continue;
        }
        let people = d.value.pointer("/conditions/people");
        let whom = cx.people(people, "include", &d.pointer, &mut out.findings);
        let everyone = whom.is_empty() || cx.everyone_group(people);
        let factors = cx.enrollable(&mut out.findings);
        let rule = Rule {
            source: format!(
                "{}, enrolment policy {}: {name}",
                d.file,
                d.value.get("id").and_then(Value::as_str).unwrap_or("")
            ),
            name: format!("enrolment: {name}"),
            whom: (!everyone).then(|| whom.clone()),
            except: earlier.clone(),
            factors: Some(factors),
            ..Rule::default()
        };
        if factors.is_empty() {
            cx.note(
                &mut out.findings,
                &finding::NO_FACTOR,
                &["settings"],
                format!("`{name}` allows no authenticator mfac models; left out"),
            );
        } else {
            out.policy.rules.push(rule);
        }
        if everyone {
            break;
        }
        earlier.extend(whom);
    }
}

fn priority(v: &Value) -> i64 {
    v.get("priority")
        .and_then(Value::as_i64)
        .unwrap_or(i64::MAX)
}

/// Group id to `profile.name`, from any Okta group object in the input.
fn group_names(docs: &[Document]) -> BTreeMap<String, String> {
    docs.iter()
        .filter_map(|d| {
            let id = d.value.get("id")?.as_str()?;
            let name = d.value.pointer("/profile/name")?.as_str()?;
            Some((id.to_string(), name.to_string()))
        })
        .collect()
}

/// The sign-on policies with their rules (`_embedded.rules`, or rule
/// objects that follow their policy in the input).
fn sign_on_policies<'a>(docs: &'a [Document], findings: &mut Vec<Finding>) -> Vec<Found<'a>> {
    let mut out: Vec<Found<'a>> = Vec::new();
    for d in docs {
        let kind = d.value.get("type").and_then(Value::as_str).unwrap_or("");
        match kind {
            "OKTA_SIGN_ON" => out.push(Found {
                doc: d,
                rules: embedded_rules(d),
            }),
            "SIGN_ON" => match out.last_mut() {
                Some(p) => p.rules.push((&d.value, d.pointer.clone())),
                None => findings.push(note(
                    d,
                    &d.pointer,
                    &finding::NOT_A_POLICY,
                    "a sign-on rule before any sign-on policy; left out".to_string(),
                )),
            },
            // Read by `enrolment` and `access` below.
            "MFA_ENROLL" | "ACCESS_POLICY" => {}
            "PASSWORD" | "PROFILE_ENROLLMENT" => {
                findings.push(note(
                    d,
                    &d.pointer,
                    &finding::NOT_IMPORTED,
                    format!("policies of type `{kind}` are not imported yet; left out"),
                ));
            }
            _ if d.value.pointer("/profile/name").is_some() => {}
            _ => findings.push(note(
                d,
                &d.pointer,
                &finding::NOT_A_POLICY,
                "not an Okta policy, rule or group; left out".to_string(),
            )),
        }
    }
    out
}

fn note(d: &Document, at: &str, code: &'static finding::Code, message: String) -> Finding {
    Finding {
        code,
        file: d.file.clone(),
        pointer: at.to_string(),
        message,
    }
}

struct Cx<'a> {
    doc: &'a Document,
    /// The rule's JSON pointer in its file.
    at: &'a str,
    groups: &'a BTreeMap<String, String>,
}

impl Cx<'_> {
    fn note(
        &self,
        findings: &mut Vec<Finding>,
        code: &'static finding::Code,
        path: &[&str],
        message: String,
    ) {
        let at = path.iter().fold(self.at.to_string(), |a, t| pointer(&a, t));
        findings.push(note(self.doc, &at, code, message));
    }

    /// The group with this id, by name; `at` is where the id stands.
    fn group(&self, id: &str, at: &str, findings: &mut Vec<Finding>) -> Option<Party> {
        let name = match self.groups.get(id) {
            Some(name) => name.as_str(),
            None => {
                findings.push(note(self.doc, at, &finding::UNNAMED_ID, format!("group id `{id}` has no name in the input (its group object); it stays the id")));
                id
            }
        };
        // Okta's built-in group of every user.
        (name != "Everyone").then(|| Party::Group(name.to_string()))
    }

    /// People of `people` (`users`, `groups`) under `key` (`include` or
    /// `exclude`); `None` for everyone (no include, or the Everyone group).
    /// `owner` is the pointer of the policy or rule whose `conditions` hold
    /// them, for the findings.
    fn people(
        &self,
        people: Option<&Value>,
        key: &str,
        owner: &str,
        findings: &mut Vec<Finding>,
    ) -> Vec<Party> {
        let at = ["conditions", "people", "groups", key]
            .iter()
            .fold(owner.to_string(), |a, t| pointer(&a, t));
        let list = |what: &str| -> Vec<String> {
            strings(people.and_then(|p| p.pointer(&format!("/{what}/{key}"))))
                .into_iter()
                .map(str::to_string)
                .collect()
        };
        let mut out: Vec<Party> = list("users").into_iter().map(Party::User).collect();
        out.extend(
            list("groups")
                .iter()
                .filter_map(|g| self.group(g, &at, findings)),
        );
        out
    }

    fn everyone_group(&self, people: Option<&Value>) -> bool {
        strings(people.and_then(|p| p.pointer("/groups/include")))
            .into_iter()
            .any(|g| self.groups.get(g).is_some_and(|n| n == "Everyone"))
    }

    fn rule(
        &self,
        policy: &Found<'_>,
        r: &Value,
        taken: &mut Vec<Taken>,
        unsure: &mut bool,
        findings: &mut Vec<Finding>,
    ) -> Option<Rule> {
        let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let (pname, rname) = (text(&policy.doc.value, "name"), text(r, "name"));
        let name = format!("{pname}: {rname}");
        if text(&policy.doc.value, "status") == "INACTIVE" || text(r, "status") == "INACTIVE" {
            self.note(
                findings,
                &finding::DISABLED,
                &["status"],
                format!("`{name}` is inactive; left out"),
            );
            return None;
        }
        let mut rule = Rule {
            source: format!(
                "{}, policy {} rule {}: {name}",
                self.doc.file,
                text(&policy.doc.value, "id"),
                text(r, "id")
            ),
            name,
            ..Rule::default()
        };
        // Whom: the policy's groups and the rule's people, both.
        let policy_people = policy.doc.value.pointer("/conditions/people");
        let rule_people = r.pointer("/conditions/people");
        let p_in = self.people(policy_people, "include", &policy.doc.pointer, findings);
        let r_in = self.people(rule_people, "include", self.at, findings);
        let p_all = p_in.is_empty() || self.everyone_group(policy_people);
        let r_all = r_in.is_empty() || self.everyone_group(rule_people);
        rule.whom = match (p_all, r_all) {
            (true, true) => None,
            (true, false) => Some(r_in.clone()),
            (false, true) => Some(p_in.clone()),
            (false, false) => {
                rule.report_only = true;
                self.note(
                    findings,
                    &finding::UNMATCHED_PEOPLE,
                    &["conditions", "people"],
                    format!(
                        "`{}` is for people in both its policy's groups and its own",
                        rule.name
                    ),
                );
                Some(r_in.clone())
            }
        };
        let mut except = self.people(policy_people, "exclude", &policy.doc.pointer, findings);
        except.extend(self.people(rule_people, "exclude", self.at, findings));
        let own_exclusions = !except.is_empty();
        // First match: leave out whom every earlier rule took.
        for t in taken.iter() {
            match t {
                Taken::Everyone => {
                    self.note(
                        findings,
                        &finding::UNREACHED,
                        &[],
                        format!(
                            "`{}` comes after a rule that takes everyone; left out",
                            rule.name
                        ),
                    );
                    return None;
                }
                Taken::Some(people) => except.extend(people.iter().cloned()),
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        except.retain(|p| seen.insert(p.clone()));
        rule.except = except;
        // What this rule takes from the rules after it.
        let network = r
            .pointer("/conditions/network/connection")
            .and_then(Value::as_str)
            .unwrap_or("ANYWHERE");
        let conditional = network != "ANYWHERE";
        if conditional {
            rule.report_only = true;
            self.note(findings, &finding::UNMODELLED_CONDITION, &["conditions", "network"], format!("applies only on network `{network}`: the rule only reports, and so does every rule after it"));
        } else if *unsure {
            rule.report_only = true;
            self.note(findings, &finding::UNMODELLED_CONDITION, &["conditions"], "an earlier rule's match depends on the network, so whom this rule gets is unknown: it only reports".to_string());
        }
        *unsure |= conditional;
        if !conditional {
            if own_exclusions && rule.whom.is_some() {
                // Those it leaves out go on to later rules, which leave
                // out all its people: the safe side, noted.
                self.note(
                    findings,
                    &finding::FIRST_MATCH,
                    &["conditions", "people"],
                    format!(
                        "the people `{}` leaves out are left out of later rules too",
                        rule.name
                    ),
                );
            }
            match (&rule.whom, own_exclusions) {
                (None, false) => taken.push(Taken::Everyone),
                // Everyone but some: later rules reach only those it leaves
                // out, which `except` cannot say (it would take a `for`
                // of them alone). Later rules only report.
                (None, true) => {
                    *unsure = true;
                    self.note(findings, &finding::FIRST_MATCH, &["conditions", "people"], format!("`{}` is for everyone but some: later rules reach only those, which cannot be written, so they only report", rule.name));
                }
                (Some(p), _) => taken.push(Taken::Some(p.clone())),
            }
        }
        if r.pointer("/actions/appSignOn").is_some() {
            self.app_actions(r, &mut rule, findings)?;
        } else {
            self.actions(r, &mut rule, findings)?;
        }
        Some(rule)
    }

    /// The authenticators an enrolment policy lets users enrol
    /// (`REQUIRED` or `OPTIONAL`), as factors: Identity Engine's
    /// `settings.authenticators` or Classic's `settings.factors`.
    fn enrollable(&self, findings: &mut Vec<Finding>) -> FactorSet {
        let v = &self.doc.value;
        let mut keys: Vec<(String, String)> = Vec::new();
        if let Some(list) = v
            .pointer("/settings/authenticators")
            .and_then(Value::as_array)
        {
            for a in list {
                let key = a
                    .get("key")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                let mode = a
                    .pointer("/enroll/self")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                keys.push((key, mode));
            }
        }
        if let Some(map) = v.pointer("/settings/factors").and_then(Value::as_object) {
            for (key, f) in map {
                let mode = f
                    .pointer("/enroll/self")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                keys.push((key.clone(), mode));
            }
        }
        let mut set = FactorSet::EMPTY;
        for (key, mode) in keys {
            if mode != "REQUIRED" && mode != "OPTIONAL" {
                continue;
            }
            let factors: &[Factor] = match key.as_str() {
                "okta_verify" => &[Factor::Push, Factor::Totp],
                "okta_otp" | "google_otp" => &[Factor::Totp],
                "okta_sms" | "phone_number" => &[Factor::Sms],
                "okta_email" | "email" => &[Factor::Email],
                "fido_webauthn" | "webauthn" => &[Factor::Webauthn],
                "okta_password" | "security_question" => {
                    self.note(
                        findings,
                        &finding::UNMODELLED_FACTOR,
                        &["settings"],
                        format!("`{key}` is not a second factor; left out of the factors"),
                    );
                    &[]
                }
                other => {
                    self.note(
                        findings,
                        &finding::UNMODELLED_FACTOR,
                        &["settings"],
                        format!("authenticator `{other}` is not modelled; left out of the factors"),
                    );
                    &[]
                }
            };
            for f in factors {
                set = set.with(*f);
            }
        }
        set
    }

    /// `actions.appSignOn` of an app sign-on rule: access, how many factors
    /// (`2FA` is MFA), a phishing-resistant possession factor (webauthn
    /// only), and `reauthenticateIn` as the remember window.
    fn app_actions(&self, r: &Value, rule: &mut Rule, findings: &mut Vec<Finding>) -> Option<()> {
        let a = r.pointer("/actions/appSignOn");
        let get = |p: &str| a.and_then(|a| a.pointer(p));
        if get("/access").and_then(Value::as_str) == Some("DENY") {
            self.note(
                findings,
                &finding::BLOCK,
                &["actions", "appSignOn", "access"],
                format!("`{}` denies access; left out", rule.name),
            );
            return None;
        }
        if get("/verificationMethod/factorMode").and_then(Value::as_str) != Some("2FA") {
            // Looser than a global session policy that asks for MFA: in
            // mfac, as in Okta, that one still applies (apps only tighten).
            self.note(findings, &finding::SESSION_NOTE, &["actions", "appSignOn", "verificationMethod", "factorMode"], format!("`{}` asks for one factor: looser than a global session rule that asks for MFA, which still applies", rule.name));
            rule.enforcement = Some(Level::Off);
            return Some(());
        }
        rule.enforcement = Some(Level::Required);
        let phishing_resistant = get("/verificationMethod/constraints")
            .and_then(Value::as_array)
            .is_some_and(|cs| {
                cs.iter().any(|c| {
                    c.pointer("/possession/phishingResistant")
                        .and_then(Value::as_str)
                        == Some("REQUIRED")
                })
            });
        if phishing_resistant {
            rule.factors = Some(FactorSet::from_iter([Factor::Webauthn]));
        }
        let again = get("/verificationMethod/reauthenticateIn").and_then(Value::as_str);
        rule.remember = match again.map(iso_seconds) {
            Some(Some(0)) => Some(Remember::Never),
            Some(Some(secs)) => Some(Remember::For(secs)),
            Some(None) => {
                self.note(
                    findings,
                    &finding::SESSION_NOTE,
                    &[
                        "actions",
                        "appSignOn",
                        "verificationMethod",
                        "reauthenticateIn",
                    ],
                    format!(
                        "`{}` is not a duration mfac reads; `remember never`",
                        again.unwrap_or("")
                    ),
                );
                Some(Remember::Never)
            }
            None => Some(Remember::Never),
        };
        Some(())
    }

    /// `actions.signon`: access, the factor requirement and how long it
    /// lasts. `None` for a rule that denies access.
    fn actions(&self, r: &Value, rule: &mut Rule, findings: &mut Vec<Finding>) -> Option<()> {
        let s = r.pointer("/actions/signon");
        let get = |k: &str| s.and_then(|s| s.get(k));
        if get("access").and_then(Value::as_str) == Some("DENY") {
            self.note(
                findings,
                &finding::BLOCK,
                &["actions", "signon", "access"],
                format!("`{}` denies access; left out", rule.name),
            );
            return None;
        }
        if s.and_then(|s| s.pointer("/session/maxSessionIdleMinutes"))
            .and_then(Value::as_i64)
            .is_some_and(|m| m > 0)
        {
            self.note(
                findings,
                &finding::SESSION_NOTE,
                &["actions", "signon", "session", "maxSessionIdleMinutes"],
                "idle timeouts are not modelled; the factor or session lifetime is".to_string(),
            );
        }
        if get("requireFactor").and_then(Value::as_bool) != Some(true) {
            rule.enforcement = Some(Level::Off);
            return Some(());
        }
        rule.enforcement = Some(Level::Required);
        let minutes =
            |v: Option<&Value>| v.and_then(Value::as_i64).filter(|m| *m > 0).map(|m| m * 60);
        rule.remember = Some(match get("factorPromptMode").and_then(Value::as_str) {
            Some("ALWAYS") => Remember::Never,
            Some("DEVICE") => {
                self.note(
                    findings,
                    &finding::SESSION_NOTE,
                    &["actions", "signon", "factorPromptMode"],
                    "once per device: device binding is not modelled, so `remember 365d`"
                        .to_string(),
                );
                Remember::For(UNLIMITED)
            }
            _ => match minutes(get("factorLifetime")) {
                Some(secs) => Remember::For(secs),
                None => {
                    let session =
                        minutes(s.and_then(|s| s.pointer("/session/maxSessionLifetimeMinutes")));
                    self.note(
                        findings,
                        &finding::DEFAULT_SESSION,
                        &["actions", "signon"],
                        "MFA once per session: `remember` for the session's lifetime".to_string(),
                    );
                    Remember::For(session.unwrap_or(UNLIMITED))
                }
            },
        });
        Some(())
    }
}

/// An ISO 8601 duration Okta writes (`PT0S`, `PT2H`, `PT30M`, `P1D`,
/// `P1DT12H`) in seconds; `None` for anything else.
fn iso_seconds(text: &str) -> Option<i64> {
    let rest = text.strip_prefix('P')?;
    let (days, time) = match rest.split_once('T') {
        Some((d, t)) => (d, t),
        None => (rest, ""),
    };
    let mut total: i64 = 0;
    let mut add = |part: &str, units: &[(char, i64)]| -> Option<()> {
        let mut num = String::new();
        for c in part.chars() {
            if c.is_ascii_digit() {
                num.push(c);
            } else {
                let (_, size) = units.iter().find(|(u, _)| *u == c)?;
                total = total.checked_add(num.parse::<i64>().ok()?.checked_mul(*size)?)?;
                num.clear();
            }
        }
        num.is_empty().then_some(())
    };
    add(days, &[('D', 86_400), ('W', 604_800)])?;
    add(time, &[('H', 3_600), ('M', 60), ('S', 1)])?;
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::iso_seconds;

    #[test]
    fn okta_durations_read_as_seconds() {
        assert_eq!(iso_seconds("PT0S"), Some(0));
        assert_eq!(iso_seconds("PT2H"), Some(7_200));
        assert_eq!(iso_seconds("PT30M"), Some(1_800));
        assert_eq!(iso_seconds("P1DT12H"), Some(129_600));
        assert_eq!(iso_seconds("2 hours"), None);
        assert_eq!(iso_seconds("PT2X"), None);
    }
}
