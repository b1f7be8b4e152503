//! Every response the service tests receive is held to the OpenAPI
//! document (`docs/openapi.json`, generated from the code): its status must
//! be documented for its route, and its JSON body must match the schema.
//! A body with a top-level `error` is the one error body, on any route.
#![allow(dead_code)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| serde_json::from_str(&mfac_serve::openapi::json()).unwrap())
}

/// A JSON pointer's token.
fn escape(t: &str) -> String {
    t.replace('~', "~0").replace('/', "~1")
}

/// The path template of the document that `path` matches.
fn template(path: &str) -> Option<String> {
    let path = path.split('?').next().unwrap_or(path);
    let parts: Vec<&str> = path.split('/').collect();
    let paths = document()["paths"].as_object()?;
    // A literal segment wins over a parameter (`factors/totp` over
    // `factors/{factor_id}`).
    let mut best: Option<(usize, String)> = None;
    for t in paths.keys() {
        let tp: Vec<&str> = t.split('/').collect();
        if tp.len() != parts.len() {
            continue;
        }
        let mut literal = 0;
        let fits = tp.iter().zip(&parts).all(|(a, b)| {
            if a.starts_with('{') {
                true
            } else {
                literal += 1;
                a == b
            }
        });
        if fits && best.as_ref().is_none_or(|(n, _)| literal > *n) {
            best = Some((literal, t.clone()));
        }
    }
    best.map(|(_, t)| t)
}

fn validate(pointer: &str, body: &Value, what: &str) {
    static CACHE: OnceLock<Mutex<HashMap<String, jsonschema::Validator>>> = OnceLock::new();
    let mut cache = CACHE
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let v = cache.entry(pointer.to_string()).or_insert_with(|| {
        let mut root = document().clone();
        // A URI fragment: braces percent-encoded.
        let fragment = pointer.replace('{', "%7B").replace('}', "%7D");
        root["$ref"] = Value::String(format!("#{fragment}"));
        jsonschema::draft202012::new(&root)
            .unwrap_or_else(|e| panic!("the schema at {pointer} does not compile: {e}"))
    });
    let errors: Vec<String> = v
        .iter_errors(body)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what}: the answer does not match the OpenAPI document ({pointer}):\n{}\n{body}",
        errors.join("\n")
    );
}

/// Hold one response to the document.
pub fn check(method: &str, path: &str, status: u16, body: &str) {
    let what = format!("{method} {path} -> {status}");
    let json: Option<Value> = serde_json::from_str(body).ok();
    if let Some(v) = &json {
        if v.get("error").is_some() {
            validate("/components/schemas/Error", v, &what);
            return;
        }
    }
    let Some(t) = template(path) else {
        return; // /metrics, /demo: not JSON routes of the contract
    };
    let op = format!("/paths/{}/{}", escape(&t), method.to_ascii_lowercase());
    let Some(operation) = document().pointer(&op) else {
        return; // a method the route does not take: its 405 is an error body
    };
    let response = format!("{op}/responses/{status}");
    assert!(
        document().pointer(&response).is_some(),
        "{what}: status {status} is not documented for {t}"
    );
    let _ = operation;
    let schema = format!("{response}/content/application~1json/schema");
    if document().pointer(&schema).is_some() {
        let v = json.unwrap_or_else(|| panic!("{what}: not JSON: {body}"));
        validate(&schema, &v, &what);
    }
}
