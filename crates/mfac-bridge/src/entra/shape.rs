//! Is the input what Graph writes? A field of the wrong type, an unknown
//! state or an object of another `@odata.type` is bad input (exit 2, with
//! the file and the pointer), never a policy read as something else and
//! never a construct silently skipped.

use crate::source::{pointer, Document};
use serde_json::Value;

/// One place where the input is not Graph's shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invalid {
    pub file: String,
    pub pointer: String,
    pub message: String,
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}#{}: {}", self.file, self.pointer, self.message)
    }
}

/// What a field holds.
#[derive(Clone, Copy)]
enum Kind {
    Object,
    Strings,
    Text,
    Whole,
    OneOf(&'static [&'static str]),
}

/// The fields read, by path, and what each must hold (or be null, or
/// absent).
const FIELDS: &[(&[&str], Kind)] = &[
    (&["id"], Kind::Text),
    (&["displayName"], Kind::Text),
    (
        &["state"],
        Kind::OneOf(&["enabled", "disabled", "enabledForReportingButNotEnforced"]),
    ),
    (&["conditions"], Kind::Object),
    (&["conditions", "users"], Kind::Object),
    (&["conditions", "users", "includeUsers"], Kind::Strings),
    (&["conditions", "users", "excludeUsers"], Kind::Strings),
    (&["conditions", "users", "includeGroups"], Kind::Strings),
    (&["conditions", "users", "excludeGroups"], Kind::Strings),
    (&["conditions", "users", "includeRoles"], Kind::Strings),
    (&["conditions", "users", "excludeRoles"], Kind::Strings),
    (&["conditions", "applications"], Kind::Object),
    (
        &["conditions", "applications", "includeApplications"],
        Kind::Strings,
    ),
    (
        &["conditions", "applications", "excludeApplications"],
        Kind::Strings,
    ),
    (
        &["conditions", "applications", "includeUserActions"],
        Kind::Strings,
    ),
    (
        &[
            "conditions",
            "applications",
            "includeAuthenticationContextClassReferences",
        ],
        Kind::Strings,
    ),
    (&["conditions", "clientAppTypes"], Kind::Strings),
    (&["conditions", "signInRiskLevels"], Kind::Strings),
    (&["conditions", "userRiskLevels"], Kind::Strings),
    (&["grantControls"], Kind::Object),
    (&["grantControls", "operator"], Kind::OneOf(&["AND", "OR"])),
    (&["grantControls", "builtInControls"], Kind::Strings),
    (&["grantControls", "authenticationStrength"], Kind::Object),
    (
        &[
            "grantControls",
            "authenticationStrength",
            "allowedCombinations",
        ],
        Kind::Strings,
    ),
    (&["sessionControls"], Kind::Object),
    (&["sessionControls", "signInFrequency"], Kind::Object),
    (
        &["sessionControls", "signInFrequency", "value"],
        Kind::Whole,
    ),
    (
        &["sessionControls", "signInFrequency", "type"],
        Kind::OneOf(&["hours", "days"]),
    ),
    (
        &["sessionControls", "signInFrequency", "frequencyInterval"],
        Kind::OneOf(&["timeBased", "everyTime"]),
    ),
];

/// The `@odata.type`s the importer reads.
const TYPES: &[&str] = &[
    "#microsoft.graph.conditionalAccessPolicy",
    "#microsoft.graph.authenticationStrengthPolicy",
];

fn found(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn holds(kind: Kind, v: &Value) -> Result<(), String> {
    let ok = match kind {
        Kind::Object => v.is_object(),
        Kind::Strings => v.as_array().is_some_and(|a| a.iter().all(Value::is_string)),
        Kind::Text => v.is_string(),
        Kind::Whole => v.as_i64().is_some_and(|n| n >= 0),
        Kind::OneOf(words) => v.as_str().is_some_and(|s| words.contains(&s)),
    };
    if ok {
        return Ok(());
    }
    let want = match kind {
        Kind::Object => "an object".to_string(),
        Kind::Strings => "an array of strings".to_string(),
        Kind::Text => "a string".to_string(),
        Kind::Whole => "a whole number".to_string(),
        Kind::OneOf(words) => format!(
            "one of {}",
            words
                .iter()
                .map(|w| format!("`{w}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let what = match v {
        Value::String(s) if matches!(kind, Kind::OneOf(_)) => format!("`{s}`"),
        Value::Array(items) => match items.iter().find(|i| !i.is_string()) {
            Some(odd) => format!("an array holding {}", found(odd)),
            None => "an array".to_string(),
        },
        other => found(other).to_string(),
    };
    Err(format!("expected {want}, found {what}"))
}

/// Every place among `docs` that is not Graph's shape.
pub fn check(docs: &[Document]) -> Vec<Invalid> {
    let mut out = Vec::new();
    for d in docs {
        let mut bad = |at: String, message: String| {
            out.push(Invalid {
                file: d.file.clone(),
                pointer: at,
                message,
            })
        };
        if !d.value.is_object() {
            bad(
                d.pointer.clone(),
                format!("expected a policy object, found {}", found(&d.value)),
            );
            continue;
        }
        if let Some(t) = d.value.get("@odata.type").and_then(Value::as_str) {
            if !TYPES.iter().any(|k| k.eq_ignore_ascii_case(t)) {
                bad(
                    pointer(&d.pointer, "@odata.type"),
                    format!("`{t}` is not a Conditional Access or authentication strength policy"),
                );
                continue;
            }
        }
        for (path, kind) in FIELDS {
            let Some(v) = path.iter().try_fold(&d.value, |v, k| v.get(k)) else {
                continue;
            };
            if v.is_null() {
                continue;
            }
            if let Err(message) = holds(*kind, v) {
                let at = path.iter().fold(d.pointer.clone(), |a, t| pointer(&a, t));
                bad(at, message);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(v: Value) -> Document {
        Document {
            file: "p.json".into(),
            pointer: "/value/0".into(),
            value: v,
        }
    }

    #[test]
    fn wrong_types_unknown_states_and_odata_types_are_named_with_their_pointer() {
        let bad = check(&[doc(json!({
            "state": "on",
            "conditions": {"users": {"includeUsers": "All"}, "applications": {"includeApplications": ["All", 3]}},
            "sessionControls": {"signInFrequency": {"value": -1, "type": "weeks"}}
        }))]);
        let lines: Vec<String> = bad.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                "p.json#/value/0/state: expected one of `enabled`, `disabled`, `enabledForReportingButNotEnforced`, found `on`",
                "p.json#/value/0/conditions/users/includeUsers: expected an array of strings, found a string",
                "p.json#/value/0/conditions/applications/includeApplications: expected an array of strings, found an array holding a number",
                "p.json#/value/0/sessionControls/signInFrequency/value: expected a whole number, found a number",
                "p.json#/value/0/sessionControls/signInFrequency/type: expected one of `hours`, `days`, found `weeks`",
            ]
        );
        let group = check(&[doc(
            json!({"@odata.type": "#microsoft.graph.group", "id": "g"}),
        )]);
        assert_eq!(group[0].pointer, "/value/0/@odata.type");
        assert!(check(&[doc(json!([1]))])[0]
            .message
            .contains("found an array"));
        // Graph's own nulls and annotations are fine.
        let fine = json!({"@odata.type": "#microsoft.graph.conditionalAccessPolicy", "sessionControls": null,
            "conditions": {"platforms": null, "users": {"includeUsers@odata.type": "#Collection(String)", "includeUsers": ["All"]}}});
        assert!(check(&[doc(fine)]).is_empty());
    }
}
