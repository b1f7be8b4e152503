//! Directory files: the users a policy is checked and simulated against.
//! YAML, JSON or CSV; every bad row is reported with its file and line.

use crate::check::codes::BAD_DIRECTORY;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::policy::{Factor, FactorSet};
use crate::source::{SourceFile, Span};
use rustc_hash::FxHashMap;
use serde::Deserialize;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirUser {
    pub id: String,
    pub groups: Vec<String>,
    pub factors: FactorSet,
    /// 1-based line of the user in the directory file.
    pub line: usize,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Directory {
    pub name: String,
    pub users: Vec<DirUser>,
}

impl Directory {
    pub fn user(&self, id: &str) -> Option<&DirUser> {
        self.users.iter().find(|u| u.id == id)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Yaml,
    Json,
    Csv,
}

impl Format {
    /// From the file extension; YAML when there is none that says otherwise.
    pub fn from_path(path: &str) -> Format {
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".json") {
            Format::Json
        } else if lower.ends_with(".csv") {
            Format::Csv
        } else {
            Format::Yaml
        }
    }
}

/// Parse directory text. All problems are returned together.
pub fn parse(source: &SourceFile, format: Format) -> Result<Directory, Diagnostics> {
    let text = source
        .text()
        .strip_prefix('\u{feff}')
        .unwrap_or(source.text());
    let rows = match format {
        Format::Yaml => yaml(source, text),
        Format::Json => json(source, text),
        Format::Csv => csv_rows(source, text),
    };
    let fail = |d: Vec<Diagnostic>| Diagnostics::new(source.clone(), d);
    let rows = rows.map_err(|d| fail(vec![*d]))?;
    let mut errors = Vec::new();
    let mut seen: FxHashMap<String, usize> = FxHashMap::default();
    let mut users = Vec::new();
    for row in rows {
        let span = line_span(source, row.line);
        if row.id.trim().is_empty() {
            errors.push(
                Diagnostic::new(&BAD_DIRECTORY, span, "user without an `id`").label("empty id"),
            );
            continue;
        }
        if let Some(first) = seen.get(&row.id) {
            errors.push(
                Diagnostic::new(
                    &BAD_DIRECTORY,
                    span,
                    format!("duplicate user id `{}`", row.id),
                )
                .label("second entry")
                .related(line_span(source, *first), "first entry"),
            );
            continue;
        }
        seen.insert(row.id.clone(), row.line);
        let mut factors = FactorSet::EMPTY;
        for f in &row.factors {
            match Factor::from_name(f.trim()) {
                Some(k) => factors = factors.with(k),
                None => errors.push(
                    Diagnostic::new(&BAD_DIRECTORY, span, format!("unknown factor kind `{f}` for `{}`", row.id))
                        .label("unknown factor kind")
                        .help("factor kinds are `webauthn`, `totp`, `sms`, `email`, `push`, `backup_code`"),
                ),
            }
        }
        users.push(DirUser {
            id: row.id,
            groups: row
                .groups
                .into_iter()
                .map(|g| g.trim().to_string())
                .filter(|g| !g.is_empty())
                .collect(),
            factors,
            line: row.line,
        });
    }
    if errors.is_empty() {
        Ok(Directory {
            name: source.name().to_string(),
            users,
        })
    } else {
        Err(fail(errors))
    }
}

struct Row {
    id: String,
    groups: Vec<String>,
    factors: Vec<String>,
    line: usize,
}

fn line_span(source: &SourceFile, line: usize) -> Span {
    let text = source.text();
    let start = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum::<usize>()
        .min(text.len());
    let end = text
        .get(start..)
        .and_then(|t| t.find('\n'))
        .map_or(text.len(), |n| start + n);
    Span::new(start, end)
}

fn malformed(source: &SourceFile, line: usize, what: impl Into<String>) -> Box<Diagnostic> {
    Box::new(
        Diagnostic::new(&BAD_DIRECTORY, line_span(source, line.max(1)), what)
            .label("cannot read this"),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct YamlFile {
    users: Vec<YamlUser>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct YamlUser {
    id: serde_saphyr::Spanned<String>,
    #[serde(default)]
    groups: Vec<String>,
    #[serde(default)]
    factors: Vec<String>,
}

fn yaml(source: &SourceFile, text: &str) -> Result<Vec<Row>, Box<Diagnostic>> {
    let file: YamlFile = serde_saphyr::from_str(text).map_err(|e| {
        let line = e.location().map_or(1, |l| l.line() as usize);
        let first = e
            .to_string()
            .lines()
            .next()
            .unwrap_or("invalid YAML")
            .to_string();
        malformed(source, line, format!("malformed directory: {first}"))
    })?;
    Ok(file
        .users
        .into_iter()
        .map(|u| Row {
            line: (u.id.referenced.line() as usize).max(1),
            id: u.id.value,
            groups: u.groups,
            factors: u.factors,
        })
        .collect())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonFile {
    users: Vec<JsonUser>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonUser {
    id: String,
    #[serde(default)]
    groups: Vec<String>,
    #[serde(default)]
    factors: Vec<String>,
}

fn json(source: &SourceFile, text: &str) -> Result<Vec<Row>, Box<Diagnostic>> {
    let file: JsonFile = serde_json::from_str(text)
        .map_err(|e| malformed(source, e.line(), format!("malformed directory: {e}")))?;
    // serde_json keeps no positions; find each id in the text, in order.
    let mut from = 0;
    Ok(file
        .users
        .into_iter()
        .map(|u| {
            let needle = serde_json::to_string(&u.id).unwrap_or_default();
            let at = text
                .get(from..)
                .and_then(|t| t.find(&needle))
                .map(|i| from + i);
            if let Some(i) = at {
                from = i + needle.len();
            }
            Row {
                line: at.map_or(1, |i| source.line(i)),
                id: u.id,
                groups: u.groups,
                factors: u.factors,
            }
        })
        .collect())
}

fn csv_rows(source: &SourceFile, text: &str) -> Result<Vec<Row>, Box<Diagnostic>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| malformed(source, 1, format!("malformed CSV header: {e}")))?
        .clone();
    let mut col = [None; 3];
    for (i, h) in headers.iter().enumerate() {
        let slot = match h {
            "id" => 0,
            "groups" => 1,
            "factors" => 2,
            other => {
                let d = malformed(source, 1, format!("unknown column `{other}`"));
                return Err(Box::new(d.help(
                    "the header is `id,groups,factors`; lists inside a cell are separated by `;`",
                )));
            }
        };
        if let Some(c) = col.get_mut(slot) {
            *c = Some(i);
        }
    }
    let [Some(id_col), groups_col, factors_col] = col else {
        return Err(malformed(source, 1, "CSV header has no `id` column"));
    };
    let list = |cell: Option<&str>| -> Vec<String> {
        cell.unwrap_or("")
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect()
    };
    let mut rows = Vec::new();
    for rec in reader.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(1, |p| p.line() as usize);
            malformed(source, line, format!("malformed CSV row: {e}"))
        })?;
        let line = rec.position().map_or(1, |p| p.line() as usize);
        rows.push(Row {
            id: rec.get(id_col).unwrap_or("").to_string(),
            groups: list(groups_col.and_then(|c| rec.get(c))),
            factors: list(factors_col.and_then(|c| rec.get(c))),
            line,
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(name: &str, text: &str) -> Result<Directory, Diagnostics> {
        parse(&SourceFile::new(name, text), Format::from_path(name))
    }

    #[test]
    fn yaml_json_and_csv_read_the_same_users() {
        let y = load(
            "d.yaml",
            "users:\n  - id: a@x\n    groups: [A, B]\n    factors: [totp]\n  - id: b@x\n",
        )
        .expect("yaml");
        let j = load("d.json", r#"{"users": [{"id": "a@x", "groups": ["A", "B"], "factors": ["totp"]}, {"id": "b@x"}]}"#)
            .expect("json");
        let c = load("d.csv", "id,groups,factors\na@x,A;B,totp\nb@x,,\n").expect("csv");
        for d in [&y, &j, &c] {
            assert_eq!(d.users.len(), 2);
            assert_eq!(d.users[0].groups, vec!["A", "B"]);
            assert_eq!(d.users[0].factors, FactorSet::single(Factor::Totp));
        }
        assert_eq!(y.users[1].line, 5);
        assert_eq!(c.users[1].line, 3);
    }

    #[test]
    fn bad_rows_are_reported_with_their_line() {
        let err = load(
            "d.yaml",
            "users:\n  - id: a\n  - id: a\n    factors: [fido]\n",
        )
        .unwrap_err();
        assert_eq!(err.items.len(), 1, "duplicate stops that row");
        assert_eq!(err.source.line_col(err.items[0].span.start).0, 3);
        let err = load("d.csv", "id,groups,factors\na,,fido\n").unwrap_err();
        assert!(err.items[0].message.contains("unknown factor kind `fido`"));
        assert_eq!(err.source.line_col(err.items[0].span.start).0, 2);
        let err = load("d.yaml", "users:\n  - id: a\n    role: x\n").unwrap_err();
        assert!(
            err.items[0].message.contains("malformed directory"),
            "{}",
            err.items[0].message
        );
        assert!(load("d.csv", "email,groups\n").is_err());
    }
}
