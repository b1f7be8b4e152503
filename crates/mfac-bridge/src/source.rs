//! The providers' JSON as their tools write it, read into documents: one
//! per policy object, each with its file and its JSON pointer.
//!
//! Exports come from many tools. The Entra admin center and Graph write
//! UTF-8; Microsoft365DSC and PowerShell's `Out-File` write UTF-16LE with
//! a byte-order mark and CRLF; Graph's list responses wrap the objects in
//! `{"value": [...]}` and annotate them with `@odata.*` keys. All of them
//! are read alike, so a mapping never has to care which tool wrote a file.

use serde_json::Value;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The largest input file read, 16 MiB: far above any tenant's policy
/// export (a thousand Conditional Access policies are a few MB),
/// small enough that a wrong path (a disk image, say) is refused at once.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// One policy object of an input file.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    /// The file as given (or as found under a directory given).
    pub file: String,
    /// Where the object is in the file, as a JSON pointer: `` for a file
    /// that is one object, `/3` in an array, `/value/3` in a list response.
    pub pointer: String,
    pub value: Value,
}

/// Why an input cannot be read: exit code 2, never a partial import.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SourceError {
    /// Missing, unreadable, too large, or not a directory's JSON files.
    Unreadable { file: String, message: String },
    /// Not text in a known encoding, or not JSON.
    Invalid { file: String, message: String },
}

impl std::fmt::Display for SourceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SourceError::Unreadable { file, message } => {
                write!(f, "cannot read `{file}`: {message}")
            }
            SourceError::Invalid { file, message } => {
                write!(f, "`{file}` is not valid input: {message}")
            }
        }
    }
}

impl std::error::Error for SourceError {}

/// Every document of every path: a file, or a directory read recursively
/// for `*.json` files in name order (so an import is the same on every
/// machine).
pub fn read_paths(paths: &[PathBuf]) -> Result<Vec<Document>, SourceError> {
    let mut docs = Vec::new();
    for path in paths {
        for file in files_under(path)? {
            let name = file.display().to_string();
            let text =
                decode(&read_file(&file, &name)?).map_err(|message| SourceError::Invalid {
                    file: name.clone(),
                    message,
                })?;
            let value: Value = serde_json::from_str(&text).map_err(|e| SourceError::Invalid {
                file: name.clone(),
                message: format!("not JSON: {e}"),
            })?;
            docs.extend(documents(&name, value));
        }
    }
    Ok(docs)
}

/// `path` itself when it is a file; the `*.json` files under it, sorted,
/// when it is a directory.
pub fn files_under(path: &Path) -> Result<Vec<PathBuf>, SourceError> {
    let unreadable = |p: &Path, e: std::io::Error| SourceError::Unreadable {
        file: p.display().to_string(),
        message: e.to_string(),
    };
    let meta = std::fs::metadata(path).map_err(|e| unreadable(path, e))?;
    if !meta.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut out = Vec::new();
    let mut pending = vec![path.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).map_err(|e| unreadable(&dir, e))? {
            let p = entry.map_err(|e| unreadable(&dir, e))?.path();
            if p.is_dir() {
                pending.push(p);
            } else if p
                .extension()
                .is_some_and(|x| x.eq_ignore_ascii_case("json"))
            {
                out.push(p);
            }
        }
    }
    out.sort();
    if out.is_empty() {
        return Err(SourceError::Unreadable {
            file: path.display().to_string(),
            message: "the directory holds no `*.json` file".to_string(),
        });
    }
    Ok(out)
}

fn read_file(path: &Path, name: &str) -> Result<Vec<u8>, SourceError> {
    let file = std::fs::File::open(path).map_err(|e| SourceError::Unreadable {
        file: name.to_string(),
        message: e.to_string(),
    })?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| SourceError::Unreadable {
            file: name.to_string(),
            message: e.to_string(),
        })?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(SourceError::Unreadable {
            file: name.to_string(),
            message: format!("larger than {} MiB", MAX_FILE_BYTES / (1024 * 1024)),
        });
    }
    Ok(bytes)
}

/// The text of a file: UTF-8 (with or without a byte-order mark), or
/// UTF-16 little- or big-endian with one. CRLF needs nothing: it is
/// whitespace to JSON.
pub fn decode(bytes: &[u8]) -> Result<String, String> {
    let utf16 = |rest: &[u8], word: fn([u8; 2]) -> u16| -> Result<String, String> {
        if rest.len() % 2 != 0 {
            return Err("UTF-16 text with an odd number of bytes".to_string());
        }
        let units = rest
            .chunks_exact(2)
            .map(|c| word(<[u8; 2]>::try_from(c).unwrap_or_default()));
        char::decode_utf16(units)
            .collect::<Result<String, _>>()
            .map_err(|e| format!("invalid UTF-16 ({e})"))
    };
    match bytes {
        [0xEF, 0xBB, 0xBF, rest @ ..] => utf8(rest),
        [0xFF, 0xFE, rest @ ..] => utf16(rest, u16::from_le_bytes),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, u16::from_be_bytes),
        _ => utf8(bytes),
    }
}

fn utf8(bytes: &[u8]) -> Result<String, String> {
    String::from_utf8(bytes.to_vec()).map_err(|e| {
        format!(
            "not UTF-8 text (invalid byte at offset {}), nor UTF-16 with a byte-order mark",
            e.utf8_error().valid_up_to()
        )
    })
}

/// The policy objects of one file's JSON: the file itself when it is an
/// object (unless it is a list response), each element of an array, each
/// element of a list response's `value`.
pub fn documents(file: &str, value: Value) -> Vec<Document> {
    let doc = |pointer: String, value: Value| Document {
        file: file.to_string(),
        pointer,
        value,
    };
    match value {
        Value::Array(items) => items
            .into_iter()
            .enumerate()
            .map(|(i, v)| doc(format!("/{i}"), v))
            .collect(),
        Value::Object(mut map) if map.get("value").is_some_and(Value::is_array) => {
            match map.remove("value") {
                Some(Value::Array(items)) => items
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| doc(format!("/value/{i}"), v))
                    .collect(),
                _ => Vec::new(),
            }
        }
        other => vec![doc(String::new(), other)],
    }
}

/// The strings of a JSON array (nothing when it is absent, null or not an
/// array; entries that are not strings are skipped): how every importer
/// reads a list of ids or names.
pub fn strings(v: Option<&Value>) -> Vec<&str> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// `base` followed by one more reference token, escaped as RFC 6901 says
/// (`~` as `~0`, `/` as `~1`).
pub fn pointer(base: &str, token: &str) -> String {
    format!("{base}/{}", token.replace('~', "~0").replace('/', "~1"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le_with_bom(text: &str) -> Vec<u8> {
        let mut out = vec![0xFF, 0xFE];
        out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        out
    }

    #[test]
    fn every_encoding_the_tools_write_reads_as_the_same_text() {
        let text = "{\r\n  \"displayName\": \"CA001 – MFA\"\r\n}\r\n";
        let mut utf8_bom = vec![0xEF, 0xBB, 0xBF];
        utf8_bom.extend_from_slice(text.as_bytes());
        let mut utf16be = vec![0xFE, 0xFF];
        utf16be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
        for bytes in [
            text.as_bytes().to_vec(),
            utf8_bom,
            utf16le_with_bom(text),
            utf16be,
        ] {
            assert_eq!(decode(&bytes).as_deref(), Ok(text));
        }
    }

    #[test]
    fn broken_encodings_are_refused_with_what_is_wrong() {
        let odd = [0xFF, 0xFE, b'{'];
        assert!(decode(&odd).unwrap_err().contains("odd number of bytes"));
        // A lone high surrogate.
        let lone = [0xFF, 0xFE, 0x00, 0xD8, b'{', 0];
        assert!(decode(&lone).unwrap_err().contains("invalid UTF-16"));
        // UTF-16 without its byte-order mark is not guessed at: read as
        // UTF-8, its NULs make it fail as JSON, not pass as something else.
        let bare: Vec<u8> = "{}".encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(decode(&bare).as_deref(), Ok("{\0}\0"));
        assert!(decode(&[b'{', 0xC3]).unwrap_err().contains("offset 1"));
    }

    #[test]
    fn objects_arrays_and_list_responses_give_one_document_per_policy() {
        let one = serde_json::json!({"id": "a", "@odata.type": "#microsoft.graph.conditionalAccessPolicy"});
        let docs = documents("one.json", one.clone());
        assert_eq!(docs.len(), 1);
        assert_eq!(docs[0].pointer, "");
        assert_eq!(docs[0].value, one);
        let docs = documents("many.json", serde_json::json!([{"id": "a"}, {"id": "b"}]));
        let pointers: Vec<&str> = docs.iter().map(|d| d.pointer.as_str()).collect();
        assert_eq!(pointers, ["/0", "/1"]);
        let list = serde_json::json!({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#policies", "value": [{"id": "a"}, {"id": "b"}]});
        let docs = documents("list.json", list);
        let pointers: Vec<&str> = docs.iter().map(|d| d.pointer.as_str()).collect();
        assert_eq!(pointers, ["/value/0", "/value/1"]);
        assert_eq!(docs[1].value["id"], "b");
        // An object whose `value` is not a list is a policy, not a list.
        assert_eq!(
            documents("v.json", serde_json::json!({"value": 3})).len(),
            1
        );
    }

    #[test]
    fn pointers_escape_tilde_and_slash() {
        assert_eq!(pointer("/value/0", "conditions"), "/value/0/conditions");
        assert_eq!(pointer("", "a/b~c"), "/a~1b~0c");
    }

    #[test]
    fn a_directory_is_read_recursively_in_name_order() {
        let dir = std::env::temp_dir().join(format!("mfac-bridge-src-{}", std::process::id()));
        let sub = dir.join("ConditionalAccess");
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(sub.join("b.json"), utf16le_with_bom("{\"id\": \"b\"}\r\n")).unwrap();
        std::fs::write(dir.join("a.json"), "[{\"id\": \"a1\"}, {\"id\": \"a2\"}]").unwrap();
        std::fs::write(dir.join("notes.txt"), "not read").unwrap();
        let docs = read_paths(std::slice::from_ref(&dir)).unwrap();
        let ids: Vec<&str> = docs.iter().filter_map(|d| d.value["id"].as_str()).collect();
        // By path: `ConditionalAccess/` sorts before `a.json`.
        assert_eq!(ids, ["b", "a1", "a2"]);
        assert!(docs[0].file.ends_with("b.json"));
        // Not JSON, and a directory with nothing to read, are refused.
        std::fs::write(sub.join("c.json"), "{ nope").unwrap();
        let err = read_paths(std::slice::from_ref(&dir)).unwrap_err();
        assert!(
            matches!(&err, SourceError::Invalid { file, .. } if file.ends_with("c.json")),
            "{err}"
        );
        let empty = dir.join("empty");
        std::fs::create_dir_all(&empty).unwrap();
        assert!(matches!(
            read_paths(&[empty]),
            Err(SourceError::Unreadable { .. })
        ));
        assert!(matches!(
            read_paths(&[dir.join("missing.json")]),
            Err(SourceError::Unreadable { .. })
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
