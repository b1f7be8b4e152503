//! `mfac import keycloak`: a realm export's browser flow, interpreted as the
//! tree of executions Keycloak runs, as mfac rules.
//!
//! Keycloak runs a flow's executions in order: every REQUIRED one must
//! pass; a CONDITIONAL subflow runs when its conditions hold; of
//! ALTERNATIVE ones (when nothing in the flow is required) one passing is
//! enough. So an OTP or WebAuthn form the tree always reaches is MFA for
//! everyone; one reached only when the user has set it up
//! (`conditional-user-configured`) is MFA for those who enrolled
//! (`enforcement optional`); one under `conditional-user-role` is MFA for
//! the role's members; a cookie alternative at the top lets a live session
//! through without MFA (`remember` for the realm's session lifespan).

use crate::finding::{self, Finding};
use crate::source::{pointer, Document};
use crate::write::{Party, Policy, Remember, Rule};
use mfac_core::{Factor, FactorSet, Level};
use serde_json::Value;

/// An import: the policy, and every construct that did not map.
#[derive(Debug, Default)]
pub struct Import {
    pub policy: Policy,
    pub findings: Vec<Finding>,
}

/// When a branch of the flow runs.
#[derive(Clone, Debug, PartialEq, Eq)]
enum When {
    Always,
    /// The user has set up the factor (`conditional-user-configured`).
    Configured,
    /// The user holds the role (or, negated, does not).
    Role {
        role: String,
        negate: bool,
    },
}

/// One MFA step the tree reaches, and when.
#[derive(Clone, Debug)]
struct Step {
    when: When,
    factors: FactorSet,
}

/// Authenticators that are not a second factor, read without a word.
const FIRST_FACTOR: &[&str] = &[
    "auth-username-password-form",
    "auth-username-form",
    "auth-password-form",
    "auth-spnego",
    "basic-auth",
    "basic-auth-otp",
    "no-cookie-redirect",
];

pub fn import(doc: &Document) -> Import {
    let mut out = Import::default();
    let realm = &doc.value;
    let name = realm
        .get("realm")
        .and_then(Value::as_str)
        .unwrap_or("realm");
    out.policy.precedence = "most_restrictive";
    out.policy.header = vec![
        format!("Imported from the Keycloak realm `{name}` by `mfac import keycloak`."),
        "The browser flow, read as the tree of executions Keycloak runs.".to_string(),
    ];
    let browser = realm
        .get("browserFlow")
        .and_then(Value::as_str)
        .unwrap_or("browser");
    // Clients that run a browser flow of their own: the realm's rules
    // leave them out, and each gets the rules of its flow, in its app.
    if let Some(idle) = realm.get("ssoSessionIdleTimeout").and_then(Value::as_i64) {
        out.findings.push(Finding {
            code: &finding::SESSION_NOTE,
            file: doc.file.clone(),
            pointer: format!("{}/ssoSessionIdleTimeout", doc.pointer),
            message: format!("an idle session ends after {idle} s; idle timeouts are not modelled, the session's lifespan is"),
        });
    }
    let overrides = client_flows(realm);
    let apps: Vec<Party> = overrides
        .iter()
        .map(|(c, _)| Party::App(c.clone()))
        .collect();
    let label = format!("{name} browser flow");
    let mut rules = flow_rules(doc, browser, &label, &mut out.findings);
    for r in &mut rules {
        r.except.extend(apps.iter().cloned());
    }
    for (client, flow) in &overrides {
        let mut own = flow_rules(
            doc,
            flow,
            &format!("{name} client {client}"),
            &mut out.findings,
        );
        for r in &mut own {
            r.apps = vec![client.clone()];
        }
        rules.extend(own);
    }
    out.policy.rules = rules;
    out
}

/// The clients whose `authenticationFlowBindingOverrides.browser` names a
/// flow, by client id, with the flow's alias.
fn client_flows(realm: &Value) -> Vec<(String, String)> {
    let flows = realm.get("authenticationFlows").and_then(Value::as_array);
    let alias_of = |id: &str| {
        flows?
            .iter()
            .find(|f| f.get("id").and_then(Value::as_str) == Some(id))?
            .get("alias")?
            .as_str()
            .map(str::to_string)
    };
    realm
        .get("clients")
        .and_then(Value::as_array)
        .map(|cs| {
            cs.iter()
                .filter_map(|c| {
                    let client = c.get("clientId")?.as_str()?.to_string();
                    let id = c
                        .pointer("/authenticationFlowBindingOverrides/browser")?
                        .as_str()?;
                    Some((client, alias_of(id)?))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The rules of one browser flow: one for everyone (what the tree always
/// asks, or asks of those who set a factor up), and one per role condition.
fn flow_rules(doc: &Document, flow: &str, label: &str, findings: &mut Vec<Finding>) -> Vec<Rule> {
    let mut cx = Cx {
        doc,
        findings,
        remember: None,
        report_only: false,
        steps: Vec::new(),
    };
    match cx.flow(flow) {
        Some((i, _)) => cx.walk(flow, i, When::Always, true),
        None => cx.note(
            &finding::NOT_A_POLICY,
            "/browserFlow".to_string(),
            format!("the realm has no flow `{flow}`; nothing imported"),
        ),
    }
    let (steps, remember, report_only) = (cx.steps, cx.remember, cx.report_only);
    let mut everyone = Rule {
        source: format!("{}: {label} `{flow}`", doc.file),
        name: label.to_string(),
        enforcement: Some(Level::Off),
        remember,
        report_only,
        ..Rule::default()
    };
    let mut rules = Vec::new();
    for step in steps {
        match step.when {
            When::Always => {
                everyone.enforcement = Some(Level::Required);
                everyone.factors = Some(step.factors);
            }
            When::Configured => {
                if everyone.enforcement != Some(Level::Required) {
                    everyone.enforcement = Some(Level::Optional);
                    everyone.factors = Some(step.factors);
                }
            }
            When::Role { role, negate } => rules.push(Rule {
                source: format!("{}: {label}, role condition on `{role}`", doc.file),
                name: format!(
                    "{label}: {}role {role}",
                    if negate { "without " } else { "" }
                ),
                whom: (!negate).then(|| vec![Party::Group(role.clone())]),
                except: if negate {
                    vec![Party::Group(role.clone())]
                } else {
                    Vec::new()
                },
                enforcement: Some(Level::Required),
                factors: Some(step.factors),
                remember,
                report_only,
                ..Rule::default()
            }),
        }
    }
    rules.insert(0, everyone);
    rules
}

struct Cx<'a> {
    doc: &'a Document,
    findings: &'a mut Vec<Finding>,
    remember: Option<Remember>,
    report_only: bool,
    steps: Vec<Step>,
}

impl Cx<'_> {
    fn note(&mut self, code: &'static finding::Code, at: String, message: String) {
        self.findings.push(Finding {
            code,
            file: self.doc.file.clone(),
            pointer: format!("{}{at}", self.doc.pointer),
            message,
        });
    }

    /// The flow with this alias, and its index.
    fn flow(&self, alias: &str) -> Option<(usize, &Value)> {
        self.doc
            .value
            .get("authenticationFlows")?
            .as_array()?
            .iter()
            .enumerate()
            .find(|(_, f)| f.get("alias").and_then(Value::as_str) == Some(alias))
    }

    /// An authenticator config's `config` map, by alias.
    fn config(&self, alias: &str) -> Option<&Value> {
        self.doc
            .value
            .get("authenticatorConfig")?
            .as_array()?
            .iter()
            .find(|c| c.get("alias").and_then(Value::as_str) == Some(alias))?
            .get("config")
    }

    fn enabled_identity_providers(&self) -> bool {
        self.doc
            .value
            .get("identityProviders")
            .and_then(Value::as_array)
            .is_some_and(|ps| {
                ps.iter()
                    .any(|p| p.get("enabled").and_then(Value::as_bool) != Some(false))
            })
    }

    /// Walk flow `alias` (index `i` among the realm's flows) under `when`;
    /// `top` for the browser flow itself.
    fn walk(&mut self, alias: &str, i: usize, when: When, top: bool) {
        let Some((_, flow)) = self.flow(alias) else {
            return;
        };
        let execs: Vec<Value> = flow
            .get("authenticationExecutions")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let base = format!("/authenticationFlows/{i}/authenticationExecutions");
        // The factors of alternative MFA forms side by side: any one will do.
        let mut alternatives = FactorSet::EMPTY;
        for (k, e) in execs.iter().enumerate() {
            let at = pointer(&base, &k.to_string());
            let req = e
                .get("requirement")
                .and_then(Value::as_str)
                .unwrap_or("DISABLED");
            if req == "DISABLED" {
                continue;
            }
            if let Some(sub) = e.get("flowAlias").and_then(Value::as_str) {
                let Some((j, _)) = self.flow(sub) else {
                    self.note(
                        &finding::NOT_A_POLICY,
                        at,
                        format!("subflow `{sub}` is not in the realm; left out"),
                    );
                    continue;
                };
                let inner = if req == "CONDITIONAL" {
                    match self.condition(sub, j, &when) {
                        Some(w) => w,
                        None => continue,
                    }
                } else {
                    when.clone()
                };
                self.walk(sub, j, inner, false);
                continue;
            }
            let auth = e.get("authenticator").and_then(Value::as_str).unwrap_or("");
            match auth {
                "auth-cookie" if top && req == "ALTERNATIVE" => {
                    let secs = self
                        .doc
                        .value
                        .get("ssoSessionMaxLifespan")
                        .and_then(Value::as_i64)
                        .unwrap_or(36_000);
                    self.remember = Some(Remember::For(secs));
                    self.note(&finding::DEFAULT_SESSION, at, format!("a live SSO session skips the rest of the flow: `remember` for the realm's session lifespan ({secs} s)"));
                }
                "auth-cookie" => {}
                "identity-provider-redirector" if self.enabled_identity_providers() => {
                    self.report_only = true;
                    self.note(&finding::UNMODELLED_CONDITION, at, "users who sign in with an identity provider skip this flow's MFA: its rules only report".to_string());
                }
                "identity-provider-redirector" => {}
                "auth-otp-form"
                | "webauthn-authenticator"
                | "webauthn-authenticator-passwordless" => {
                    let f = if auth == "auth-otp-form" {
                        Factor::Totp
                    } else {
                        Factor::Webauthn
                    };
                    if req == "ALTERNATIVE" {
                        alternatives = alternatives.with(f);
                    } else {
                        self.required(when.clone(), f, at);
                    }
                }
                "auth-conditional-otp-form" => self.conditional_otp(e, &when, at),
                a if a.starts_with("conditional-") => {}
                a if FIRST_FACTOR.contains(&a) => {}
                other => self.note(
                    &finding::SESSION_NOTE,
                    at,
                    format!("authenticator `{other}` is not modelled; left out"),
                ),
            }
        }
        if !alternatives.is_empty() {
            self.steps.push(Step {
                when,
                factors: alternatives,
            });
        }
    }

    /// A REQUIRED MFA form: with another required beside it, mfac's factors
    /// are alternatives, so the stronger one stands for both.
    fn required(&mut self, when: When, f: Factor, at: String) {
        if let Some(s) = self.steps.iter_mut().find(|s| s.when == when) {
            if s.factors != FactorSet::from_iter([f]) {
                s.factors = FactorSet::from_iter([Factor::Webauthn]);
                self.note(&finding::UNMODELLED_FACTOR, at, "OTP and WebAuthn are both required: mfac's factors are alternatives, so webauthn stands for both".to_string());
            }
            return;
        }
        self.steps.push(Step {
            when,
            factors: FactorSet::from_iter([f]),
        });
    }

    /// When a CONDITIONAL subflow runs: its condition executions.
    fn condition(&mut self, alias: &str, j: usize, outer: &When) -> Option<When> {
        let (_, flow) = self.flow(alias)?;
        let execs: Vec<Value> = flow
            .get("authenticationExecutions")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut when = outer.clone();
        for (k, e) in execs.iter().enumerate() {
            let auth = e.get("authenticator").and_then(Value::as_str).unwrap_or("");
            if e.get("requirement").and_then(Value::as_str) == Some("DISABLED")
                || !auth.starts_with("conditional-")
            {
                continue;
            }
            let at = format!("/authenticationFlows/{j}/authenticationExecutions/{k}");
            when = match auth {
                "conditional-user-configured" if *outer == When::Always => When::Configured,
                "conditional-user-configured" => when,
                "conditional-user-role" => {
                    let config = e
                        .get("authenticatorConfig")
                        .and_then(Value::as_str)
                        .and_then(|a| self.config(a));
                    let role = config
                        .and_then(|c| c.get("condUserRole"))
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string();
                    let negate = config.and_then(|c| c.get("negate")).and_then(Value::as_str)
                        == Some("true");
                    if role.is_empty() {
                        self.note(
                            &finding::NOT_A_POLICY,
                            at,
                            "a role condition without its role; the subflow is left out"
                                .to_string(),
                        );
                        return None;
                    }
                    When::Role { role, negate }
                }
                other => {
                    self.note(
                        &finding::UNMODELLED_CONDITION,
                        at,
                        format!("condition `{other}` is not modelled: the subflow is left out"),
                    );
                    return None;
                }
            };
        }
        Some(when)
    }

    /// `auth-conditional-otp-form`: OTP for the force role, not for the
    /// skip role, and the default outcome for everyone else.
    fn conditional_otp(&mut self, e: &Value, when: &When, at: String) {
        let config = e
            .get("authenticatorConfig")
            .and_then(Value::as_str)
            .and_then(|a| self.config(a))
            .cloned();
        let get = |k: &str| {
            config
                .as_ref()
                .and_then(|c| c.get(k))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let totp = FactorSet::from_iter([Factor::Totp]);
        if let Some(role) = get("forceOtpRole") {
            self.steps.push(Step {
                when: When::Role {
                    role,
                    negate: false,
                },
                factors: totp,
            });
        }
        if get("defaultOtpOutcome").as_deref() == Some("force") {
            if let Some(role) = get("skipOtpRole") {
                self.steps.push(Step {
                    when: When::Role { role, negate: true },
                    factors: totp,
                });
            } else {
                self.steps.push(Step {
                    when: when.clone(),
                    factors: totp,
                });
            }
        } else if *when == When::Always {
            self.steps.push(Step {
                when: When::Configured,
                factors: totp,
            });
            self.note(&finding::UNMODELLED_CONDITION, at, "OTP for those who set it up, unless a role or header decides otherwise: `enforcement optional`".to_string());
        }
    }
}
