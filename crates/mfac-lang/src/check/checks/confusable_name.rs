//! E022 `confusable-name`: a group, user or app name that mixes scripts or
//! hides invisible characters, so it looks like a name it does not match.

use crate::check::{CheckInfo, Context};
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::Span;

pub const INFO: CheckInfo = CheckInfo {
    code: "E022",
    name: "confusable-name",
    severity: Severity::Error,
    summary: "a name mixes Latin letters with look-alike Cyrillic, Greek or full-width letters, or holds an invisible or direction-changing character",
    help: "retype the name in one script, without invisible characters, exactly as the directory spells it",
    doc: "Why: names are matched byte for byte. `group \"Аdmins\"` written with a Cyrillic `А` looks like `Admins` in every review but matches no one, so the rule silently protects nobody; a zero-width space or a bidi control does the same, invisibly. A name written wholly in another script is fine.\n\nExample:\n    group \"Аdmins\" { enforcement required }   # the first letter is U+0410\n\nFix: `group \"Admins\" { enforcement required }`.",
};

/// Why a name is confusable, if it is.
pub(crate) fn confusable(name: &str) -> Option<String> {
    if let Some(c) = mfac_core::name::find_invisible(name) {
        return Some(format!(
            "holds the invisible character U+{:04X}",
            u32::from(c)
        ));
    }
    let latin = name.chars().any(|c| c.is_ascii_alphabetic());
    let lookalike = name.chars().find(|&c| {
        matches!(u32::from(c), 0x0370..=0x03FF | 0x0400..=0x04FF | 0xFF01..=0xFF5E)
            && c.is_alphabetic()
    });
    match lookalike {
        Some(c) if latin => Some(format!(
            "mixes Latin letters with `{c}` (U+{:04X})",
            u32::from(c)
        )),
        _ => None,
    }
}

pub fn run(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let p = cx.policy;
    let mut names: Vec<(&str, Span)> = Vec::new();
    for r in &p.rules {
        match r.scope.written() {
            Some(("default", _)) | None => {}
            Some((_, n)) => names.push((n, r.span)),
        }
        names.extend(r.includes.iter().map(|i| (i.value.as_str(), i.span)));
    }
    names.extend(p.exemptions.iter().map(|e| (e.user.as_str(), e.span)));
    for (name, span) in names {
        let Some(why) = confusable(name) else {
            continue;
        };
        // Point at the name itself inside the span when it can be found.
        let at = p.source.slice(span).find(name).map_or(span, |i| {
            Span::new(span.start + i, span.start + i + name.len())
        });
        out.push(
            Diagnostic::new(
                &INFO,
                at,
                format!("the name {name:?} {why}: it looks like a name it does not match"),
            )
            .label("confusable name"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::confusable;

    #[test]
    fn flags_mixed_scripts_and_invisible_characters_only() {
        assert!(confusable("\u{0410}dmins").is_some()); // Cyrillic A
        assert!(confusable("Adm\u{200B}ins").is_some());
        assert!(confusable("admins\u{202E}").is_some());
        assert!(confusable("\u{FF21}dmins").is_some()); // full-width A
        assert!(confusable("Admins").is_none());
        assert!(confusable("Бухгалтерия").is_none()); // wholly Cyrillic is fine
        assert!(confusable("ravi@cymmetri.example").is_none());
        assert!(confusable("Équipe").is_none()); // Latin with accents
    }
}
