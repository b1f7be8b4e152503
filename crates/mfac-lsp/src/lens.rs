//! Code lenses on assertions: "proved", or "fails — N groups: …" with a
//! command that shows the counterexample, from the last check. An
//! assertion is matched to its result by name, so a lens stays put while
//! the text above it changes.

use crate::analysis::Checked;
use crate::capabilities::SHOW_COUNTEREXAMPLE;
use crate::server::{Refusal, Server};
use lsp_types::{CodeLens, CodeLensParams, Command, ExecuteCommandParams};
use mfac_lang::check::checks::assertion_fails::INFO as ASSERTION_FAILS;
use mfac_lang::syntax::Item;

/// How an assertion came out.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Proved,
    /// The fewest groups, and the finding with its counterexample, in words.
    Fails {
        groups: Vec<String>,
        shown: String,
    },
    NotProven,
    /// The file has errors the proofs cannot look past.
    NotChecked,
}

pub fn code_lenses(s: &mut Server, p: CodeLensParams) -> Result<Option<Vec<CodeLens>>, Refusal> {
    let uri = p.text_document.uri;
    let Some(view) = s.view(&uri) else {
        return Ok(None);
    };
    let checked = s.checked(&uri);
    let Some(read) = &view.read else {
        return Ok(Some(Vec::new()));
    };
    let lines = view.lines();
    let changes = checked
        .as_deref()
        .and_then(|c| Some((c.changes.as_ref()?, c.compiled.as_deref()?)));
    let lenses = read
        .file
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Assert(a) => {
                let outcome = checked
                    .as_deref()
                    .map_or(Outcome::NotChecked, |c| outcome(c, &a.name.value));
                Some(CodeLens {
                    range: lines.range(a.name.span),
                    command: Some(command(outcome)),
                    data: None,
                })
            }
            Item::Rule(r) => {
                let (changes, policy) = changes?;
                let n = changes
                    .by_rule
                    .get(&r.subject.value.to_string())
                    .copied()
                    .unwrap_or(0);
                let date = changes
                    .at
                    .to_zoned_datetime(policy.timezone().clone())
                    .date();
                let title = match n {
                    0 => format!("no directory user changes on {date}"),
                    1 => format!("1 directory user changes on {date}"),
                    n => format!("{n} directory users change on {date}"),
                };
                Some(CodeLens {
                    range: lines.range(r.subject.span),
                    command: Some(title_only(&title)),
                    data: None,
                })
            }
            _ => None,
        })
        .collect();
    Ok(Some(lenses))
}

pub fn outcome(c: &Checked, name: &str) -> Outcome {
    let Some(policy) = &c.policy else {
        return Outcome::NotChecked;
    };
    let Some(a) = policy.assertions.iter().find(|a| a.name == name) else {
        return Outcome::NotChecked;
    };
    let mut found = c.diagnostics.items.iter().filter(|d| {
        d.code == ASSERTION_FAILS.code && a.span.start <= d.span.start && d.span.end <= a.span.end
    });
    match found.next() {
        None => Outcome::Proved,
        Some(d) => match &d.counterexample {
            Some(cx) => Outcome::Fails {
                groups: cx.groups.clone(),
                shown: format!("{}\n{}", d.message, cx.text()),
            },
            None => Outcome::NotProven,
        },
    }
}

/// A lens that only says something: no command behind it.
fn title_only(title: &str) -> Command {
    Command {
        title: title.to_string(),
        command: String::new(),
        arguments: None,
    }
}

fn command(o: Outcome) -> Command {
    match o {
        Outcome::Proved => title_only("✓ proved"),
        Outcome::NotProven => title_only("not proven: the search gave up"),
        Outcome::NotChecked => title_only("not proven: the file has errors"),
        Outcome::Fails { groups, shown } => {
            let who = match groups.len() {
                0 => "0 groups".to_string(),
                1 => format!("1 group: {}", groups.join(", ")),
                n => format!("{n} groups: {}", groups.join(", ")),
            };
            Command {
                title: format!("✗ fails — {who}"),
                command: SHOW_COUNTEREXAMPLE.to_string(),
                arguments: Some(vec![serde_json::Value::String(shown)]),
            }
        }
    }
}

/// An assertion's outcome in words, for hover.
pub fn described(name: &str, o: &Outcome) -> String {
    match o {
        Outcome::Proved => {
            format!("**assert `{name}`**: proved, for every login the policy can decide")
        }
        Outcome::NotProven => {
            format!("**assert `{name}`**: not proven: the search gave up (see the finding)")
        }
        Outcome::NotChecked => format!("**assert `{name}`**: not proven: the file has errors"),
        Outcome::Fails { shown, .. } => format!("**assert `{name}`**: fails\n\n```\n{shown}\n```"),
    }
}

/// `mfac.showCounterexample TEXT`: shown to the author as a message.
pub fn execute(
    s: &mut Server,
    p: ExecuteCommandParams,
) -> Result<Option<serde_json::Value>, Refusal> {
    if p.command != SHOW_COUNTEREXAMPLE {
        return Err(Refusal(format!("unknown command `{}`", p.command)));
    }
    let Some(serde_json::Value::String(text)) = p.arguments.first() else {
        return Err(Refusal(format!(
            "`{SHOW_COUNTEREXAMPLE}` takes the counterexample's text"
        )));
    };
    s.show(text.clone());
    Ok(None)
}
