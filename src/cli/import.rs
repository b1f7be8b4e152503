//! `mfac import entra`: an identity provider's policy export as a `.mfa`
//! policy, with a finding for every construct that did not map.

use super::{Failure, Outcome};
use mfac::bridge::finding::Finding;
use mfac::bridge::source::{read_paths, Document};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
#[command(about = "Import an identity provider's policy export as a .mfa policy")]
pub struct Args {
    #[command(subcommand)]
    pub provider: Provider,
}

#[derive(clap::Subcommand)]
pub enum Provider {
    Entra(EntraArgs),
    Okta(OktaArgs),
    Keycloak(KeycloakArgs),
}

impl Provider {
    pub(super) fn format(&self) -> &Format {
        match self {
            Provider::Entra(a) => &a.common.format,
            Provider::Okta(a) => &a.common.format,
            Provider::Keycloak(a) => &a.common.format,
        }
    }
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    /// SARIF 2.1.0: each finding code a rule, each finding a result at its
    /// file, with its JSON pointer
    Sarif,
    /// GitHub Actions annotations (`::warning file=...::message`)
    Github,
}

/// What every importer takes.
#[derive(clap::Args)]
pub struct Common {
    /// Write the policy here instead of to standard output
    #[arg(short = 'o', long = "output", value_name = "OUT.mfa")]
    output: Option<PathBuf>,
    /// How the findings are printed (to standard error while the policy
    /// goes to standard output, else to standard output)
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Exit 1 when any construct did not map
    #[arg(long)]
    deny_unmodelled: bool,
}

/// `mfac import entra`
#[derive(clap::Args)]
#[command(
    about = "Import Microsoft Entra Conditional Access policies",
    after_help = "Examples:\n  mfac import entra ./ConditionalAccess --groups ./Groups -o tenant.mfa\n  mfac import entra policies.json --format json\n\nPATH is a file or a directory (read recursively for *.json): Graph's\nconditionalAccessPolicy objects, one per file, in an array or in a\n{\"value\": [...]} list, in UTF-8 or UTF-16 with a byte-order mark. A rule\nwhose MFA holds only under a condition mfac does not model (risk, device,\nlocation, platform, client app, MFA or another control) is imported\nreport-only, never enforced."
)]
pub struct EntraArgs {
    /// Conditional Access policy exports (files or directories)
    #[arg(value_name = "PATH", required = true)]
    paths: Vec<PathBuf>,
    /// Graph `group` objects (id, displayName), to name the groups
    #[arg(long, value_name = "PATH")]
    groups: Vec<PathBuf>,
    /// Graph `servicePrincipal` or `application` objects (appId,
    /// displayName), to name the apps
    #[arg(long, value_name = "PATH")]
    apps: Vec<PathBuf>,
    #[command(flatten)]
    common: Common,
}

/// `mfac import okta`
#[derive(clap::Args)]
#[command(
    about = "Import Okta global session, app sign-on and enrolment policies",
    after_help = "Examples:\n  mfac import okta policies.json -o okta.mfa\n\nPATH is a file or a directory of Okta Policy API objects: policies with\n`_embedded.rules` (expand=rules) or followed by their rule objects, and\nOkta group objects to name the groups. Okta applies the first rule that\nmatches; each imported rule leaves out the people of every rule before it.\nEnrolment policies (MFA_ENROLL) give their groups' factors; app sign-on\npolicies (ACCESS_POLICY) apply in the apps that name them (--apps)."
)]
pub struct OktaArgs {
    /// Okta policy exports (files or directories)
    #[arg(value_name = "PATH", required = true)]
    paths: Vec<PathBuf>,
    /// Okta app objects (`label`, `_links.accessPolicy`): the apps each app
    /// sign-on policy applies in
    #[arg(long, value_name = "PATH")]
    apps: Vec<PathBuf>,
    #[command(flatten)]
    common: Common,
}

/// `mfac import keycloak`
#[derive(clap::Args)]
#[command(
    about = "Import a Keycloak realm's browser flow",
    after_help = "Examples:\n  mfac import keycloak realm-export.json -o realm.mfa\n\nThe realm's browser flow is read as the tree of executions Keycloak runs:\nan OTP or WebAuthn form always reached is MFA for everyone; one reached\nonly when the user has set it up is `enforcement optional`; one under a\nrole condition is MFA for the role's members; a cookie alternative at the\ntop is `remember` for the realm's session lifespan."
)]
pub struct KeycloakArgs {
    /// A realm export (`realm-export.json`)
    #[arg(value_name = "REALM.json")]
    realm: PathBuf,
    #[command(flatten)]
    common: Common,
}

pub fn run(a: Args) -> Outcome {
    match a.provider {
        Provider::Entra(a) => entra(a),
        Provider::Okta(a) => okta(a),
        Provider::Keycloak(a) => keycloak(a),
    }
}

fn keycloak(a: KeycloakArgs) -> Outcome {
    let docs = read(std::slice::from_ref(&a.realm))?;
    let [realm] = docs.as_slice() else {
        return Err(Failure::input(format!(
            "`{}` holds {} objects: give one realm export",
            a.realm.display(),
            docs.len()
        )));
    };
    let imported = mfac::bridge::keycloak::import(realm);
    finish(&imported.policy, &imported.findings, &a.common)
}

fn okta(a: OktaArgs) -> Outcome {
    let imported = mfac::bridge::okta::import(&read(&a.paths)?, &read(&a.apps)?);
    finish(&imported.policy, &imported.findings, &a.common)
}

/// The documents of some exports; unreadable or invalid input is exit 2.
pub(super) fn read(paths: &[PathBuf]) -> Result<Vec<Document>, Failure> {
    read_paths(paths).map_err(|e| Failure::input(e.to_string()))
}

fn entra(a: EntraArgs) -> Outcome {
    let policies = read(&a.paths)?;
    let bad = mfac::bridge::entra::shape::check(&policies);
    if !bad.is_empty() {
        let lines: Vec<String> = bad.iter().map(ToString::to_string).collect();
        return Err(Failure::input(format!(
            "not Graph's Conditional Access shape: {}",
            lines.join("; ")
        )));
    }
    let names = mfac::bridge::entra::Names::from(&read(&a.groups)?, &read(&a.apps)?);
    let imported = mfac::bridge::entra::import(&policies, &names);
    finish(&imported.policy, &imported.findings, &a.common)
}

/// Write the policy and the findings; the exit code.
fn finish(policy: &mfac::bridge::write::Policy, findings: &[Finding], c: &Common) -> Outcome {
    // Fail closed: an import that does not resolve is never written.
    let bug = |what: String| {
        Failure::input(format!(
            "the imported policy {what}: this is a bug in mfac's importer; please report it with the input"
        ))
    };
    let text = policy
        .render()
        .ok_or_else(|| bug("does not parse".to_string()))?;
    mfac::bridge::write::resolves(&text).map_err(|e| bug(format!("does not resolve ({e})")))?;
    let report = match c.format {
        Format::Human => human(findings, policy.rules.len()),
        Format::Json => json(findings)?,
        Format::Sarif => format!("{}\n", super::render::pretty(&sarif(findings))),
        Format::Github => github(findings),
    };
    match &c.output {
        Some(path) => {
            std::fs::write(path, &text)
                .map_err(|e| Failure::input(format!("cannot write `{}`: {e}", path.display())))?;
            out!("{report}");
        }
        None => {
            out!("{text}");
            eprint!("{report}");
        }
    }
    Ok(if c.deny_unmodelled && !findings.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn human(findings: &[Finding], rules: usize) -> String {
    use std::fmt::Write;
    let mut o = String::new();
    for f in findings {
        let _ = writeln!(
            o,
            "warning[{} {}]: {}#{}: {}\n  help: {}",
            f.code.code, f.code.name, f.file, f.pointer, f.message, f.code.help
        );
    }
    let _ = writeln!(
        o,
        "imported {}; {} did not map as it was",
        super::render::plural(rules, "rule"),
        super::render::plural(findings.len(), "construct")
    );
    o
}

fn json(findings: &[Finding]) -> Result<String, Failure> {
    let rows: Vec<serde_json::Value> = findings
        .iter()
        .map(|f| {
            serde_json::json!({
                "code": f.code.code,
                "file": f.file,
                "help": f.code.help,
                "message": f.message,
                "name": f.code.name,
                "pointer": f.pointer,
                "severity": "warning",
            })
        })
        .collect();
    let v = serde_json::json!({
        "diagnostics": rows,
        "errors": 0,
        "warnings": findings.len(),
    });
    Ok(format!("{}\n", super::render::pretty(&v)))
}

/// Each finding as a workflow command at its file (a JSON pointer has no
/// line), the pointer in the message.
fn github(findings: &[Finding]) -> String {
    use super::render::{github_data, github_property};
    findings
        .iter()
        .map(|f| {
            format!(
                "::warning file={},title={}::{}\n",
                github_property(&f.file),
                github_property(&format!("{} {}", f.code.code, f.code.name)),
                github_data(&format!("{} (at {})", f.message, pointer_text(&f.pointer)))
            )
        })
        .collect()
}

/// A pointer as people read it: the root is the whole file.
fn pointer_text(p: &str) -> &str {
    if p.is_empty() {
        "the whole file"
    } else {
        p
    }
}

/// SARIF 2.1.0: every import finding code a rule, every finding a result
/// at its file, with its JSON pointer as a logical location.
fn sarif(findings: &[Finding]) -> serde_json::Value {
    use serde_json::json;
    let codes = mfac::bridge::finding::CODES;
    let rules: Vec<serde_json::Value> = codes
        .iter()
        .map(|c| {
            json!({
                "id": c.code,
                "name": c.name,
                "shortDescription": {"text": c.help},
                "fullDescription": {"text": c.doc},
                "help": {"text": c.help},
                "defaultConfiguration": {"level": "warning"},
            })
        })
        .collect();
    let results: Vec<serde_json::Value> = findings
        .iter()
        .map(|f| {
            let mut r = json!({
                "ruleId": f.code.code,
                "level": "warning",
                "message": {"text": f.message},
                "locations": [{
                    "physicalLocation": {"artifactLocation": {"uri": f.file}},
                    "logicalLocations": [{"fullyQualifiedName": f.pointer, "kind": "member"}],
                }],
                "properties": {"pointer": f.pointer},
            });
            if let Some(i) = codes.iter().position(|c| c.code == f.code.code) {
                if let Some(o) = r.as_object_mut() {
                    o.insert("ruleIndex".to_string(), json!(i));
                }
            }
            r
        })
        .collect();
    super::render::sarif_log(rules, results)
}
