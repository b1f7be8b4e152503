//! What may be typed at a place in a policy, for an editor's completion.
//!
//! Asked of the grammar itself, not of a second table: a candidate is
//! offered when the item being typed, followed by the candidate, reads past
//! the candidate. So every keyword offered is valid at the cursor, and a
//! grammar change changes the completions with it.

use super::parse::{is_keyword, MfaParser, Rule};
use super::recover::opens_item;
use pest::Parser as _;

/// What fits at a place.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Fits {
    /// Keywords and fixed words (levels, modes, weekdays), in grammar order.
    pub words: Vec<&'static str>,
    /// A factor kind or strength name (any bare name reads there).
    pub factor: bool,
    /// A quoted name, after the word that says what it names (`group`).
    pub quoted: Option<&'static str>,
    pub duration: bool,
    pub date: bool,
    pub number: bool,
    pub clock: bool,
}

/// The fixed words that are not keywords of their own.
const VALUE_WORDS: [&str; 14] = [
    "off",
    "optional",
    "required",
    "most_restrictive",
    "specific",
    "ordered",
    "aal2",
    "aal3",
    "mon",
    "tue",
    "wed",
    "thu",
    "fri",
    "sat",
];

/// What fits at byte `offset` of `text`, where a word may be half typed.
pub fn fits_at(text: &str, offset: usize) -> Fits {
    let Some(before) = text.get(..offset) else {
        return Fits::default();
    };
    // The word being typed is replaced by the completion: ask about what
    // comes before it, from the start of the item it is in.
    let word_start = before
        .rfind(|c: char| {
            !(c.is_ascii_alphanumeric() || c == '_' || c == '"' || c == '-' || c == ':')
        })
        .map_or(0, |i| i + 1);
    let item_start = item_start(before);
    let prefix = text.get(item_start..word_start).unwrap_or("");
    let reads = |candidate: &str| reads_past(prefix, candidate);
    let mut fits = Fits::default();
    if reads("zzqx") {
        // A bare name reads here: a factor or strength, not a keyword.
        fits.factor = true;
    } else {
        fits.words = keywords()
            .into_iter()
            .chain(VALUE_WORDS)
            .filter(|w| reads(w))
            .collect();
    }
    if reads("\"x\"") {
        fits.quoted = Some(names_after(prefix));
    }
    fits.duration = reads("30m");
    fits.date = reads("2027-01-01");
    fits.number = reads("3");
    fits.clock = reads("08:00");
    fits
}

/// Does `prefix` followed by `candidate` read past the candidate?
fn reads_past(prefix: &str, candidate: &str) -> bool {
    let text = format!("{prefix}{candidate} ");
    match MfaParser::parse(Rule::file, &text) {
        Ok(_) => true,
        Err(e) => {
            let at = match e.location {
                pest::error::InputLocation::Pos(p) => p,
                pest::error::InputLocation::Span((p, _)) => p,
            };
            at >= prefix.len() + candidate.len()
        }
    }
}

/// Where the item `before` ends in starts: the last line that opens (at
/// its first column) with a word that starts an item.
fn item_start(before: &str) -> usize {
    let mut start = 0;
    let mut line_start = 0;
    for line in before.split_inclusive('\n') {
        if opens_item(line) {
            start = line_start;
        }
        line_start += line.len();
    }
    start
}

/// What a quoted name at the end of `prefix` names, by the word before it.
fn names_after(prefix: &str) -> &'static str {
    let last = prefix.split_whitespace().last().unwrap_or("");
    match last {
        "user" | "exempt" => "user",
        "app" | "cde" => "app",
        "rule" => "rule",
        "assert" => "assert",
        "rollout" => "rollout",
        "timezone" => "timezone",
        "reason" | "ticket" => "text",
        _ => "group",
    }
}

/// Every keyword of the grammar (each rule `k_WORD`), once.
pub fn keywords() -> Vec<&'static str> {
    static WORDS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    WORDS
        .get_or_init(|| {
            Rule::all_rules()
                .iter()
                .filter(|r| is_keyword(**r))
                .filter_map(|r| Some(format!("{r:?}").strip_prefix("k_")?.to_string()))
                .collect()
        })
        .iter()
        .map(String::as_str)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at_end(text: &str) -> Fits {
        fits_at(text, text.len())
    }

    #[test]
    fn top_level_words_at_the_start_of_an_item() {
        let f = at_end("default { enforcement optional }\n");
        for w in [
            "group",
            "rule",
            "assert",
            "strength",
            "precedence",
            "comply",
        ] {
            assert!(f.words.contains(&w), "{w}: {:?}", f.words);
        }
        assert!(!f.words.contains(&"enforcement") && !f.factor);
    }

    #[test]
    fn fields_inside_a_rule_and_levels_after_enforcement() {
        let f = at_end("group \"A\" {\n  ");
        assert!(
            f.words.contains(&"enforcement") && f.words.contains(&"privileged"),
            "{:?}",
            f.words
        );
        assert!(!f.words.contains(&"group"));
        let f = at_end("group \"A\" {\n  enforcement req");
        assert_eq!(f.words, ["off", "optional", "required"]);
    }

    #[test]
    fn factor_names_after_factors_and_names_after_group() {
        assert!(at_end("group \"A\" { factors webauthn | ").factor);
        let f = at_end("group \"A\" { includes ");
        assert_eq!(f.quoted, Some("group"));
        assert_eq!(at_end("exempt user ").quoted, Some("user"));
    }

    #[test]
    fn values_by_their_shape() {
        assert!(at_end("group \"A\" { remember ").duration);
        assert!(at_end("exempt user \"u\" until ").date);
    }

    #[test]
    fn an_error_in_an_earlier_item_does_not_matter() {
        let f = at_end("group \"A\" { enforcement sometimes }\ngroup \"B\" { enforcement ");
        assert_eq!(f.words, ["off", "optional", "required"]);
    }
}
