//! A syntax error in the words a policy author uses: what was expected
//! (grammar rules named as the author writes them), what was found, and
//! where a brace left open started.

use super::codes;
use super::parse::Rule;
use crate::diagnostic::Diagnostic;
use crate::source::Span;

/// What a rule stands for, in the words a policy author uses. `None` for
/// rules that never appear in an "expected" list.
pub(crate) fn describe(r: Rule) -> Option<&'static str> {
    Some(match r {
        Rule::k_precedence | Rule::precedence_decl => "`precedence`",
        Rule::k_timezone | Rule::timezone_decl => "`timezone`",
        Rule::k_max_exemption | Rule::max_exemption_decl => "`max_exemption`",
        Rule::k_max_remember | Rule::max_remember_decl => "`max_remember`",
        Rule::k_strength | Rule::strength_decl => "`strength`",
        Rule::k_calendar | Rule::calendar_decl => "`calendar`",
        Rule::k_work_hours | Rule::work_hours => "`work_hours`",
        Rule::k_holiday | Rule::holiday => "`holiday`",
        Rule::k_default | Rule::default_subject => "`default`",
        Rule::k_group | Rule::group_subject => "`group`",
        Rule::k_user | Rule::user_subject => "`user`",
        Rule::k_app | Rule::app_subject => "`app`",
        Rule::k_immediate | Rule::immediate => "`immediate`",
        Rule::k_grace | Rule::grace => "`grace`",
        Rule::k_never | Rule::never => "`never`",
        Rule::k_same_ip | Rule::same_ip => "`same_ip`",
        Rule::k_same_context | Rule::same_context => "`same_context`",
        Rule::k_max_logins | Rule::max_logins => "`max_logins`",
        Rule::k_privileged | Rule::privileged_marker => "`privileged`",
        Rule::k_break_glass | Rule::break_glass_marker => "`break_glass`",
        Rule::k_includes | Rule::includes_field => "`includes`",
        Rule::k_exempt | Rule::exempt_decl => "`exempt`",
        Rule::k_bypass | Rule::bypass_decl => "`bypass`",
        Rule::k_max => "`max`",
        Rule::bypass_for => "`for group`",
        Rule::k_until | Rule::until_clause => "`until`",
        Rule::k_reason | Rule::reason_clause => "`reason`",
        Rule::k_ticket | Rule::ticket_clause => "`ticket`",
        Rule::k_rollout | Rule::rollout_decl => "`rollout`",
        Rule::k_applies | Rule::applies => "`applies`",
        Rule::k_on | Rule::phase => "`on`",
        Rule::k_assert | Rule::assert_decl => "`assert`",
        Rule::k_for | Rule::for_clause | Rule::for_field => "`for`",
        Rule::k_rule | Rule::rule_subject => "`rule`",
        Rule::k_except | Rule::except_field => "`except`",
        Rule::k_report_only | Rule::report_only_marker => "`report_only`",
        Rule::in_field => "`in app`",
        Rule::k_comply | Rule::comply_decl | Rule::profile_arg => "`comply`",
        Rule::k_cde | Rule::cde_param => "`cde`",
        Rule::aal_level | Rule::aal_param => "`aal2` or `aal3`",
        Rule::scope => {
            "`everyone`, `privileged`, `break_glass`, `members of group \"G\"` or `user \"U\"`"
        }
        Rule::k_everyone | Rule::everyone => "`everyone`",
        Rule::k_members | Rule::members_scope => "`members of`",
        Rule::k_of => "`of`",
        Rule::k_in | Rule::in_app => "`in app`",
        Rule::k_from | Rule::from_clause => "`from`",
        Rule::claim => "`always` or `never`",
        Rule::k_always | Rule::always => "`always`",
        Rule::k_within | Rule::factors_within => "`within`",
        Rule::k_include | Rule::factors_include => "`include`",
        Rule::k_none | Rule::factors_none => "`none`",
        Rule::enforcement_cond
        | Rule::remember_never
        | Rule::recovery_cond
        | Rule::exempt_cond
        | Rule::assurance_cond => {
            "a condition (`enforcement`, `factors`, `remember never`, `recovery`, `exempt` or `assurance`)"
        }
        Rule::lbrace => "`{`",
        Rule::rbrace => "`}`",
        Rule::equals => "`=`",
        Rule::pipe => "`|`",
        Rule::comma => "`,`",
        Rule::dash => "`-`",
        Rule::ident | Rule::factor_set => "a factor or strength name",
        Rule::string | Rule::string_inner => "a quoted string",
        Rule::number => "a whole number",
        Rule::duration => "a duration such as `30m`, `1h` or `14d`",
        Rule::date => "a date such as `2026-12-15`",
        Rule::datetime => "a date such as `2026-12-15` or `2026-12-15T09:00:00Z`",
        Rule::clock => "a time of day such as `08:00`",
        Rule::day | Rule::day_spec | Rule::day_range => "a weekday such as `mon` or `mon-fri`",
        Rule::level => "`off`, `optional` or `required`",
        Rule::precedence_mode => "`most_restrictive`, `specific` or `ordered`",
        Rule::subject | Rule::rule => "a rule (`default`, `group`, `user`, `app` or `rule`)",
        Rule::window => "`never` or a window such as `1h`",
        Rule::EOI => "end of file",
        _ => return field_rule(r),
    })
}

/// A catalogue field's grammar rules, `k_KEYWORD` and `KEYWORD_field`, in
/// words: its keyword.
fn field_rule(r: Rule) -> Option<&'static str> {
    let name = format!("{r:?}");
    let word = name
        .strip_prefix("k_")
        .or_else(|| name.strip_suffix("_field"))?;
    mfac_core::policy::Field::from_keyword(word).map(|f| f.quoted())
}

/// Turn pest's error into our diagnostic, in plain words.
pub(super) fn syntax_error(text: &str, e: &pest::error::Error<Rule>) -> Diagnostic {
    let pos = match e.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    };
    let pos = pos.min(text.len());
    let found = found_at(text, pos);
    let mut expected: Vec<&str> = match &e.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => {
            positives.iter().filter_map(|r| describe(*r)).collect()
        }
        pest::error::ErrorVariant::CustomError { .. } => Vec::new(),
    };
    expected.sort_unstable();
    expected.dedup();
    // A field keyword list is long; say "a field" instead of listing twelve words.
    let field_words = ["`enforcement`", "`factors`", "`remember`"];
    let is_field_list = field_words.iter().all(|w| expected.contains(w));
    let top_words = ["`precedence`", "`rollout`", "`strength`"];
    // Nothing pest could name, outside every block: a top-level word that
    // is not one (`policy "p" {`, say).
    let unnamed_at_top = expected.is_empty() && unclosed_brace(text, pos).is_none();
    let is_top_list = unnamed_at_top || top_words.iter().all(|w| expected.contains(w));
    let (wanted, help) = if is_field_list {
        (
            "a field (`enforcement`, `factors`, `enrolment`, `remember`, `recovery`, ...) or `}`".to_string(),
            "a rule body holds fields such as `enforcement required` or `factors webauthn | totp`, one after another, and ends with `}`",
        )
    } else if is_top_list {
        (
            "a rule (`default`, `group`, `user`, `app`, `rule`) or a declaration (`precedence`, `timezone`, `strength`, `calendar`, `exempt`, `rollout`, `assert`, `comply`, `max_exemption`, `max_remember`)".to_string(),
            "at the top level a policy holds declarations and rules such as `group \"Admins\" { enforcement required }`",
        )
    } else {
        let wanted = match expected.as_slice() {
            [] => "something else".to_string(),
            [one] => one.to_string(),
            [init @ .., last] => format!("{} or {}", init.join(", "), last),
        };
        (wanted, "check the spelling and the order of the words against the language reference in the README")
    };
    let end = (pos + found.1).min(text.len());
    let here = Span::new(pos, end);
    // A block cut short: the parser only notices at the next rule or at the
    // end of the file. Point at the `{` that is never closed.
    let next_rule = TOP_WORDS.iter().any(|w| found.0 == format!("`{w}`"));
    if expected.contains(&"`}`") && (next_rule || pos >= text.len()) {
        if let Some(open) = unclosed_brace(text, pos) {
            let (what, label) = if next_rule {
                (
                    format!("the next rule starts here, at {}", found.0),
                    "the next declaration starts here",
                )
            } else {
                ("the file ends first".to_string(), "the file ends here")
            };
            return Diagnostic::new(
                &codes::SYNTAX,
                Span::new(open, open + 1),
                format!("this block is never closed: {what}"),
            )
            .label("this `{` has no matching `}`")
            .related(Span::new(pos, pos), label)
            .help("end the block with `}` after its last field");
        }
    }
    // `factors webauthn, totp`: a factor set is written with `|`.
    if found.0 == "`,`" && in_factor_list(text, pos) {
        return Diagnostic::new(
            &codes::SYNTAX,
            here,
            "expected `|` between factors, found `,`",
        )
        .label("write `|` here")
        .help("a factor set is written with `|`, e.g. `factors webauthn | totp`");
    }
    Diagnostic::new(
        &codes::SYNTAX,
        here,
        format!("expected {wanted}, found {}", found.0),
    )
    .label(format!("expected {wanted}"))
    .help(help)
}

/// Words that start a top-level declaration or rule.
pub(super) const TOP_WORDS: [&str; 15] = [
    "default",
    "group",
    "user",
    "app",
    "rule",
    "rollout",
    "exempt",
    "precedence",
    "timezone",
    "strength",
    "calendar",
    "assert",
    "comply",
    "max_exemption",
    "max_remember",
];

/// The last `{` before `pos` without its `}`, outside strings and comments.
fn unclosed_brace(text: &str, pos: usize) -> Option<usize> {
    let mut open = Vec::new();
    let mut chars = text.get(..pos)?.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '#' => {
                for (_, c) in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '"' => {
                while let Some((_, c)) = chars.next() {
                    match c {
                        '\\' => {
                            chars.next();
                        }
                        '"' | '\n' => break,
                        _ => {}
                    }
                }
            }
            '{' => open.push(i),
            '}' => {
                open.pop();
            }
            _ => {}
        }
    }
    open.pop()
}

/// Is `pos` just after `factors a | b` (or `strength s = a | b`) on its line?
fn in_factor_list(text: &str, pos: usize) -> bool {
    let line_start = text
        .get(..pos)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |i| i + 1);
    let before = text.get(line_start..pos).unwrap_or("");
    let mut words = before.split_whitespace().rev();
    let mut saw_factor = false;
    for w in words.by_ref() {
        match w {
            "factors" | "=" => return saw_factor,
            "|" => {}
            w if w.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => saw_factor = true,
            _ => return false,
        }
    }
    false
}

/// A short description of the text at `pos`, and its length in bytes.
fn found_at(text: &str, pos: usize) -> (String, usize) {
    let rest = text.get(pos..).unwrap_or("");
    let Some(first) = rest.chars().next() else {
        return ("end of file".to_string(), 0);
    };
    if first.is_alphanumeric() || first == '_' {
        let word: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-' || *c == ':')
            .take(40)
            .collect();
        let len = word.len();
        (format!("`{word}`"), len)
    } else if first == '\n' || first == '\r' {
        ("end of line".to_string(), 0)
    } else {
        (format!("`{}`", first.escape_debug()), first.len_utf8())
    }
}
