//! Directory files: the users a policy is checked and simulated against.
//! YAML, JSON or CSV; every bad row is reported with its file and line.

use mfac_core::diagnostic::{Diagnostic, Diagnostics};
pub use mfac_core::directory::{DirUser, Directory};
use mfac_core::policy::{Factor, FactorSet};
use mfac_core::source::SourceFile;
use mfac_lang::check::codes::BAD_DIRECTORY;
use rustc_hash::FxHashMap;
use serde::Deserialize;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Yaml,
    Json,
    Csv,
}

impl Format {
    /// From the file extension; YAML when there is none that says otherwise.
    /// The format of a directory read without a name to go by (standard
    /// input): JSON when it opens with `{` or `[`, CSV when its first line
    /// is a header of comma-separated names, YAML otherwise.
    pub fn sniff(text: &str) -> Format {
        let first = text
            .trim_start_matches('\u{feff}')
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with('#'))
            .unwrap_or("");
        if first.starts_with('{') || first.starts_with('[') {
            Format::Json
        } else if first.contains(',') && !first.contains(':') && !first.starts_with('-') {
            Format::Csv
        } else {
            Format::Yaml
        }
    }

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

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Format, String> {
        match s.to_ascii_lowercase().as_str() {
            "yaml" | "yml" => Ok(Format::Yaml),
            "json" => Ok(Format::Json),
            "csv" => Ok(Format::Csv),
            other => Err(format!(
                "unknown directory format `{other}`: use yaml, json or csv"
            )),
        }
    }
}

/// Which field (or CSV column) of an export holds each thing mfac reads.
/// Exports rarely say `id`, `groups`, `factors`:
/// `id=email,groups=member_of,factors=mfa_methods` maps them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Columns {
    pub id: String,
    pub groups: String,
    pub factors: String,
}

impl Default for Columns {
    fn default() -> Self {
        Columns {
            id: "id".into(),
            groups: "groups".into(),
            factors: "factors".into(),
        }
    }
}

/// The three things mfac reads of a directory user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Id,
    Groups,
    Factors,
}

impl Columns {
    /// Which field a file's field or column `name` holds under this
    /// mapping (`id` first, then `groups`, then `factors`, should two
    /// share a name); `None` for a name that is none of them.
    pub fn field(&self, name: &str) -> Option<Field> {
        if name == self.id {
            Some(Field::Id)
        } else if name == self.groups {
            Some(Field::Groups)
        } else if name == self.factors {
            Some(Field::Factors)
        } else {
            None
        }
    }
}

/// The items of a list written as one string: split at `;`, trimmed,
/// empty items dropped (CSV cells, and exports that flatten lists).
pub fn items(text: &str) -> Items<'_> {
    Items { rest: Some(text) }
}

/// [`items`]: `text.split(';')`, looking for the byte eight at a time
/// (`str::split` with a `char` finds each candidate with `memchr` and
/// confirms it with `memcmp`, two calls per item of a few bytes, twenty
/// million of them per million users in `mfac simulate`). `;` is ASCII,
/// so every cut is at a char boundary. A plain `next`, not adaptors over
/// a closure: the caller's loop over a user's names compiles as one.
#[derive(Clone, Debug)]
pub struct Items<'a> {
    rest: Option<&'a str>,
}

impl<'a> Iterator for Items<'a> {
    type Item = &'a str;

    #[inline(always)]
    fn next(&mut self) -> Option<&'a str> {
        loop {
            let t = self.rest?;
            let raw = match crate::bytes::first_of(t.as_bytes(), b";") {
                Some(i) => {
                    self.rest = t.get(i + 1..);
                    t.get(..i).unwrap_or_default()
                }
                None => {
                    self.rest = None;
                    t
                }
            };
            if let Some(item) = item(raw) {
                return Some(item);
            }
        }
    }
}

/// A list's item as read: trimmed, `None` when nothing is left (such items
/// are dropped, in a `;` list and in a list of strings alike).
pub(crate) fn item(raw: &str) -> Option<&str> {
    Some(trim(raw)).filter(|x| !x.is_empty())
}

/// [`str::trim`], without its Unicode scan from both ends for the usual
/// item that starts and ends with a visible ASCII character (`mfac
/// simulate` trims some twenty million of them per million users).
pub(crate) fn trim(s: &str) -> &str {
    let b = s.as_bytes();
    match (b.first(), b.last()) {
        (Some(f), Some(l)) if f.is_ascii_graphic() && l.is_ascii_graphic() => s,
        _ => s.trim(),
    }
}

impl std::str::FromStr for Columns {
    type Err = String;
    fn from_str(s: &str) -> Result<Columns, String> {
        let mut c = Columns::default();
        for pair in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((ours, theirs)) = pair.split_once('=') else {
                return Err(format!("`{pair}` is not NAME=COLUMN (e.g. id=email)"));
            };
            let theirs = theirs.trim().to_string();
            if theirs.is_empty() {
                return Err(format!("`{pair}` names no column"));
            }
            match ours.trim() {
                "id" => c.id = theirs,
                "groups" => c.groups = theirs,
                "factors" => c.factors = theirs,
                other => {
                    return Err(format!(
                        "`{other}` is not a directory field: map id, groups or factors"
                    ))
                }
            }
        }
        Ok(c)
    }
}

/// Parse directory text with the standard field names.
pub fn parse(source: &SourceFile, format: Format) -> Result<Directory, Diagnostics> {
    parse_with(source, format, &Columns::default())
}

/// Parse directory text, reading each field from the column `columns` names.
/// All problems are returned together.
pub fn parse_with(
    source: &SourceFile,
    format: Format,
    columns: &Columns,
) -> Result<Directory, Diagnostics> {
    let text = source
        .text()
        .strip_prefix('\u{feff}')
        .unwrap_or(source.text());
    let fail = |d: Vec<Diagnostic>| Diagnostics::new(source.clone(), d);
    let mut errors = Vec::new();
    let mut seen: FxHashMap<String, usize> = FxHashMap::default();
    // One allocation per distinct group name, shared by its members: a
    // million users in twenty groups each hold pointers, not 20M strings.
    let mut names: FxHashMap<String, Arc<str>> = FxHashMap::default();
    // The same names in the order first met, for the directory's `groups`.
    let mut groups: Vec<Arc<str>> = Vec::new();
    let mut users = Vec::new();
    // Each record becomes a user as soon as it is read, so a large CSV never
    // holds its raw records and its users at once.
    let mut add = |rec: Record| {
        let row = match row(source, columns, rec) {
            Ok(r) => r,
            Err(d) => {
                errors.push(*d);
                return;
            }
        };
        let span = source.line_span(row.line);
        if row.id.trim().is_empty() {
            errors.push(
                Diagnostic::new(&BAD_DIRECTORY, span, "user without an `id`").label("empty id"),
            );
            return;
        }
        if let Some(first) = seen.get(&row.id) {
            errors.push(
                Diagnostic::new(
                    &BAD_DIRECTORY,
                    span,
                    format!("duplicate user id `{}`", row.id),
                )
                .label("second entry")
                .related(source.line_span(*first), "first entry"),
            );
            return;
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
                .iter()
                .map(|g| mfac_core::name::nfc(g.trim()))
                .filter(|g| !g.is_empty())
                .map(|g| {
                    names
                        .entry(g.to_string())
                        .or_insert_with(|| {
                            let name: Arc<str> = Arc::from(&*g);
                            groups.push(name.clone());
                            name
                        })
                        .clone()
                })
                .collect(),
            factors,
            line: row.line,
        });
    };
    let read = match format {
        Format::Yaml => yaml(source, text).map(|v| v.into_iter().for_each(&mut add)),
        Format::Json => json(source, text).map(|v| v.into_iter().for_each(&mut add)),
        Format::Csv => csv_rows(source, text, columns, &mut add),
    };
    read.map_err(|d| fail(vec![*d]))?;
    if errors.is_empty() {
        Ok(Directory {
            name: source.name().to_string(),
            users,
            groups,
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

/// One user as the file has it: its fields under the file's own names.
struct Record {
    line: usize,
    fields: Vec<(String, Cell)>,
}

/// A field's value: one string, a list, or empty. A string read as a list
/// is split at `;` (CSV cells, and exports that flatten lists).
enum Cell {
    List(Vec<String>),
    One(String),
    Empty(()),
}

/// A cell is text, a list of text, or nothing. A number (`id: 10042`) or a
/// boolean is refused with what to write instead, not with the reader's
/// own words.
impl<'de> Deserialize<'de> for Cell {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Cell, D::Error> {
        struct Visit;
        const QUOTE: &str = "a value must be text or a list of text; quote it (`id: \"10042\"`)";
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Cell;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("text or a list of text")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Cell, E> {
                Ok(Cell::One(v.to_string()))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Cell, E> {
                Ok(Cell::One(v))
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<Cell, E> {
                Ok(Cell::Empty(()))
            }
            fn visit_none<E: serde::de::Error>(self) -> Result<Cell, E> {
                Ok(Cell::Empty(()))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<Cell, A::Error> {
                let mut v = Vec::new();
                while let Some(item) = a.next_element::<Text>()? {
                    v.push(item.0);
                }
                Ok(Cell::List(v))
            }
            fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Cell, E> {
                Err(E::custom(QUOTE))
            }
            fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Cell, E> {
                Err(E::custom(QUOTE))
            }
            fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Cell, E> {
                Err(E::custom(QUOTE))
            }
            fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Cell, E> {
                Err(E::custom(QUOTE))
            }
        }
        /// One list item: text only.
        struct Text(String);
        impl<'de> Deserialize<'de> for Text {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Text, D::Error> {
                match d.deserialize_any(Visit)? {
                    Cell::One(s) => Ok(Text(s)),
                    _ => Err(serde::de::Error::custom(
                        "a list item must be text; quote it",
                    )),
                }
            }
        }
        d.deserialize_any(Visit)
    }
}

impl Cell {
    fn list(self) -> Vec<String> {
        match self {
            Cell::List(v) => v,
            Cell::One(s) => items(&s).map(String::from).collect(),
            Cell::Empty(()) => Vec::new(),
        }
    }
}

fn row(source: &SourceFile, c: &Columns, rec: Record) -> Result<Row, Box<Diagnostic>> {
    let span = source.line_span(rec.line);
    let mut out = Row {
        id: String::new(),
        groups: Vec::new(),
        factors: Vec::new(),
        line: rec.line,
    };
    for (key, cell) in rec.fields {
        match c.field(&key) {
            // Names compare in NFC, as the policy's do: `é` written as one
            // code point or two is one user, and a second row is a duplicate.
            Some(Field::Id) => {
                out.id = match cell {
                    Cell::One(s) => mfac_core::name::nfc_owned(s),
                    Cell::List(_) | Cell::Empty(()) => String::new(),
                }
            }
            Some(Field::Groups) => out.groups = cell.list(),
            Some(Field::Factors) => out.factors = cell.list(),
            None => {
                let d = Diagnostic::new(&BAD_DIRECTORY, span, format!("unknown field `{key}`"))
                .label("not a directory field")
                .help(format!(
                    "the fields are `{}`, `{}` and `{}`; map an export's own names with --columns id=...,groups=...,factors=...",
                    c.id, c.groups, c.factors
                ));
                return Err(Box::new(d));
            }
        }
    }
    Ok(out)
}

fn malformed(source: &SourceFile, line: usize, what: impl Into<String>) -> Box<Diagnostic> {
    Box::new(
        Diagnostic::new(&BAD_DIRECTORY, source.line_span(line.max(1)), what)
            .label("cannot read this"),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct YamlFile {
    users: Vec<serde_saphyr::Spanned<std::collections::BTreeMap<String, Cell>>>,
}

/// A YAML error as (1-based line, first line of its message), for the
/// directory's diagnostics and `mfac test`'s errors alike.
pub(crate) fn yaml_error(e: &serde_saphyr::Error) -> (usize, String) {
    let line = e.location().map_or(1, |l| l.line() as usize);
    // In mfac's words where the reader's would name its own API and options.
    let first = match e.without_snippet() {
        serde_saphyr::Error::MultipleDocuments { .. } => {
            "the file holds more than one YAML document (a second `---`); keep one".to_string()
        }
        serde_saphyr::Error::DuplicateMappingKey { key: Some(k), .. } => {
            format!("`{k}` appears twice in one mapping; keep one")
        }
        serde_saphyr::Error::DuplicateMappingKey { key: None, .. } => {
            "a key appears twice in one mapping; keep one".to_string()
        }
        _ => e
            .to_string()
            .lines()
            .next()
            .unwrap_or("invalid YAML")
            .to_string(),
    };
    (line, first)
}

fn yaml(source: &SourceFile, text: &str) -> Result<Vec<Record>, Box<Diagnostic>> {
    let file: YamlFile = serde_saphyr::from_str(text).map_err(|e| {
        let (line, first) = yaml_error(&e);
        let d = malformed(source, line, format!("malformed directory: {first}"));
        if matches!(e.without_snippet(), serde_saphyr::Error::Budget { .. }) {
            // Not a mistake in the file: its size. Say what to do instead.
            return Box::new(d.help(
                "YAML is read within limits that guard against alias bombs (250,000 nodes: \
                 some 9,000 users in twenty groups each); export a directory this large as \
                 CSV or JSON, which have no such limit",
            ));
        }
        d
    })?;
    Ok(file
        .users
        .into_iter()
        .map(|u| Record {
            line: (u.referenced.line() as usize).max(1),
            fields: u.value.into_iter().collect(),
        })
        .collect())
}

fn json(source: &SourceFile, text: &str) -> Result<Vec<Record>, Box<Diagnostic>> {
    if let Some((line, key)) = crate::json_keys::repeated_key(text) {
        return Err(malformed(
            source,
            line,
            format!("`{key}` appears twice in one object; keep one"),
        ));
    }
    let file: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| malformed(source, e.line(), format!("malformed directory: {e}")))?;
    let Some(users) = file.get("users").and_then(|u| u.as_array()) else {
        return Err(malformed(
            source,
            1,
            "malformed directory: expected an object with a `users` list",
        ));
    };
    if let Some(other) = file
        .as_object()
        .and_then(|o| o.keys().find(|k| k.as_str() != "users"))
    {
        return Err(malformed(
            source,
            1,
            format!("unknown field `{other}` beside `users`"),
        ));
    }
    // serde_json keeps no positions: find each user's opening brace in order.
    let mut from = text.find('[').map_or(0, |i| i + 1);
    let mut out = Vec::new();
    for u in users {
        let at = text.get(from..).and_then(|t| t.find('{')).map(|i| from + i);
        let line = at.map_or(1, |i| source.line(i));
        if let Some(i) = at {
            from = i + 1 + serde_json::to_string(u).map_or(0, |s| s.len().saturating_sub(2));
        }
        let Some(obj) = u.as_object() else {
            return Err(malformed(source, line, "a user must be an object"));
        };
        let mut fields = Vec::new();
        for (k, v) in obj {
            let cell = serde_json::from_value::<Cell>(v.clone()).map_err(|_| {
                malformed(
                    source,
                    line,
                    format!("field `{k}` must be a string or a list of strings"),
                )
            })?;
            fields.push((k.clone(), cell));
        }
        out.push(Record { line, fields });
    }
    Ok(out)
}

fn csv_rows(
    source: &SourceFile,
    text: &str,
    columns: &Columns,
    each: &mut dyn FnMut(Record),
) -> Result<(), Box<Diagnostic>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| malformed(source, 1, format!("malformed CSV header: {e}")))?
        .clone();
    if !headers.iter().any(|h| h == columns.id) {
        let d = malformed(
            source,
            1,
            format!("the CSV header has no `{}` column", columns.id),
        );
        return Err(Box::new(d.help(
            "the header is `id,groups,factors` (lists inside a cell separated by `;`); map an export's own names with --columns id=...,groups=...,factors=...",
        )));
    }
    for rec in reader.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(1, |p| p.line() as usize);
            malformed(source, line, format!("malformed CSV row: {e}"))
        })?;
        let line = rec.position().map_or(1, |p| p.line() as usize);
        let fields = headers
            .iter()
            .zip(rec.iter())
            .map(|(h, v)| (h.to_string(), Cell::One(v.to_string())))
            .collect();
        each(Record { line, fields });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_split_at_semicolons_as_str_split_does() {
        for text in [
            "",
            ";",
            "a",
            "a;b",
            ";a;;b;",
            "Ä;é b;;",
            " x ; y",
            ";;;",
            "abcdefghij;k",
        ] {
            let ours: Vec<&str> = items(text).collect();
            let std: Vec<&str> = text
                .split(';')
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .collect();
            assert_eq!(ours, std, "{text:?}");
        }
        let got: Vec<&str> = items(" a ;;\u{a0}b\u{a0}; ;c").collect();
        assert_eq!(got, ["a", "b", "c"]);
    }

    #[test]
    fn standard_input_is_sniffed_by_its_first_line() {
        assert_eq!(
            Format::sniff("id,groups,factors\nann,Staff,totp\n"),
            Format::Csv
        );
        assert_eq!(Format::sniff("\u{feff}id,groups\n"), Format::Csv);
        assert_eq!(Format::sniff("  {\"users\": []}"), Format::Json);
        assert_eq!(Format::sniff("[]"), Format::Json);
        assert_eq!(
            Format::sniff("# people\nusers:\n  - id: ann\n"),
            Format::Yaml
        );
        assert_eq!(Format::sniff("- id: a, b\n"), Format::Yaml);
        assert_eq!(Format::sniff(""), Format::Yaml);
    }

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
            assert_eq!(d.users[0].groups, vec![Arc::from("A"), Arc::from("B")]);
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
        assert_eq!(err.items[0].message, "unknown field `role`");
        assert_eq!(err.source.line_col(err.items[0].span.start).0, 2);
        let err = load("d.csv", "email,groups\n").unwrap_err();
        assert!(err.items[0].message.contains("no `id` column"));
        let err = load(
            "d.json",
            "{\"users\": [\n {\"id\": \"a\"},\n {\"id\": \"b\", \"x\": \"1\"}]}",
        )
        .unwrap_err();
        assert_eq!(err.source.line_col(err.items[0].span.start).0, 3);
        assert!(load("d.json", "{\"users\": [], \"extra\": 1}").is_err());
    }

    #[test]
    fn a_yaml_directory_too_large_for_the_yaml_limits_says_what_to_do() {
        let mut text = String::from("users:\n");
        // Some 19 nodes a user: 30,000 users are past 250,000 nodes.
        for i in 0..30_000 {
            text.push_str(&format!(
                "  - id: u{i}\n    groups: [A, B, C, D, E, F, G, H, I, J]\n"
            ));
        }
        let Err(err) = load("big.yaml", &text) else {
            panic!("30,000 users should be past the YAML budget");
        };
        assert!(
            err.items[0].message.contains("budget"),
            "{}",
            err.items[0].message
        );
        let help = &err.items[0].help;
        assert!(help.contains("as CSV or JSON"), "{help}");
    }

    #[test]
    fn columns_map_an_exports_own_names() {
        let cols: Columns = "id=email, groups=member_of,factors=mfa_methods"
            .parse()
            .unwrap();
        let with = |name: &str, text: &str| {
            parse_with(&SourceFile::new(name, text), Format::from_path(name), &cols).unwrap()
        };
        let y = with(
            "e.yaml",
            "users:\n  - email: a@x\n    member_of: [A, B]\n    mfa_methods: totp;sms\n",
        );
        let j = with(
            "e.json",
            r#"{"users": [{"email": "a@x", "member_of": "A;B", "mfa_methods": ["totp", "sms"]}]}"#,
        );
        let c = with("e.csv", "email,member_of,mfa_methods\na@x,A;B,totp;sms\n");
        for d in [&y, &j, &c] {
            assert_eq!(d.users[0].id, "a@x");
            assert_eq!(d.users[0].groups, vec![Arc::from("A"), Arc::from("B")]);
            assert_eq!(
                d.users[0].factors,
                [Factor::Totp, Factor::Sms].into_iter().collect()
            );
        }
        assert!("name=email".parse::<Columns>().is_err());
        assert!("id".parse::<Columns>().is_err());
        assert_eq!("csv".parse::<Format>(), Ok(Format::Csv));
    }
}
