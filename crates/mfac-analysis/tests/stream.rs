//! The streamed simulation against the reference (the whole directory read
//! by `directory::parse_with`, then `simulate`): on generated CSV files,
//! good and bad, it must give the same summary for every report, and stop
//! (for the reference's diagnostics) exactly where the reference refuses.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mfac_analysis::directory::{parse_with, Columns, Format};
use mfac_analysis::simulate::stream::{simulate_file, simulate_file_split, Request, Split};
use mfac_analysis::simulate::{simulate, Keep, Summary};
use mfac_core::eval::Policy;
use mfac_core::source::SourceFile;
use mfac_lang::Compile as _;
use proptest::prelude::*;
use std::io::Cursor;

const POLICY: &str = r#"timezone "Europe/Berlin"
default { enforcement optional factors webauthn | totp | sms }
group "A" { enforcement required }
group "B" { factors webauthn | totp includes "C" }
group "C" { enforcement off }
group "Ä b" { enforcement required factors webauthn }
user "user1" { enforcement required factors totp }
app "Fin" { enforcement required factors webauthn }
rollout "r" {
  applies group "A", group "C"
  on 2026-12-01 enforcement optional
  on 2027-01-01 enforcement required enrolment grace 14d
}
"#;

const BASE: &str = r#"precedence specific
default { enforcement required factors totp | sms }
group "A" { enforcement off }
group "D" { factors webauthn }
"#;

fn policies() -> (Policy, Policy) {
    let p = Policy::compile("p.mfa", POLICY).unwrap_or_else(|d| panic!("{d:?}"));
    let b = Policy::compile("b.mfa", BASE).unwrap_or_else(|d| panic!("{d:?}"));
    (p, b)
}

const KEEPS: [Keep; 4] = [
    Keep::Changed(Some(2)),
    Keep::Changed(Some(0)),
    Keep::Changed(None),
    Keep::Every,
];

/// Streamed and reference agree on `text` (CSV); returns whether it was
/// accepted.
fn agree(
    text: &str,
    columns: &Columns,
    base: bool,
    at: &str,
    app: Option<&str>,
    keep: Keep,
) -> Result<bool, TestCaseError> {
    let got = compare(Format::Csv, text, columns, base, at, app, keep)?;
    // CSV streams everything the reference reads.
    prop_assert!(
        got != Compared::OnlyReference,
        "the reference read what the stream stopped at"
    );
    Ok(got == Compared::Both)
}

#[derive(Debug, PartialEq, Eq)]
enum Compared {
    /// Both read the file and agree.
    Both,
    /// Both refuse it.
    Neither,
    /// The stream stopped where the reference reads on (allowed: the CLI
    /// then takes the reference path).
    OnlyReference,
}

/// Streamed and reference on `text`: a summary the stream gives is the
/// reference's, and a file the reference refuses the stream stops at.
#[allow(clippy::too_many_arguments)]
fn compare(
    format: Format,
    text: &str,
    columns: &Columns,
    base: bool,
    at: &str,
    app: Option<&str>,
    keep: Keep,
) -> Result<Compared, TestCaseError> {
    let (policy, base_policy) = policies();
    let base = base.then_some(&base_policy);
    let at: jiff::Timestamp = at.parse().unwrap();
    let req = Request {
        policy: &policy,
        base,
        at,
        app,
        columns,
        keep,
    };
    let bytes = text.as_bytes();
    let open = || Ok(Cursor::new(bytes));
    let streamed = simulate_file(format, &open, bytes.len() as u64, req, &mut |_| {})
        .expect("reading from memory");
    // Cut into blocks of a few lines for one, two and three workers (and
    // two threads in order, with one): the same summary, or the same stop.
    for (workers, block) in [(1, 64), (2, 64), (3, 41), (2, 1 << 20)] {
        let split = Split { workers, block };
        let again = simulate_file_split(format, &open, bytes.len() as u64, req, &mut |_| {}, split)
            .expect("reading from memory");
        prop_assert_eq!(
            again.as_ref().map(|s| &s.summary),
            streamed.as_ref().map(|s| &s.summary),
            "{:?}",
            split
        );
    }
    let reference = parse_with(&SourceFile::new("d", text), format, columns);
    match (streamed, reference) {
        (None, Err(_)) => Ok(Compared::Neither),
        (None, Ok(_)) => Ok(Compared::OnlyReference),
        (Some(s), Ok(dir)) => {
            let sim = simulate(&policy, base, &dir, at, app);
            prop_assert_eq!(&s.summary, &Summary::of(&sim, &dir, keep));
            Ok(Compared::Both)
        }
        (Some(_), Err(d)) => Err(TestCaseError::fail(format!(
            "streamed, but the reference refused: {:?}",
            d.items.first().map(|i| &i.message)
        ))),
    }
}

fn cell() -> impl Strategy<Value = String> {
    let group = prop::sample::select(vec![
        "A", "B", "C", "D", "E", " A ", "", "Ä b", "\u{a0}A", "a",
    ]);
    prop::collection::vec(group, 0..4).prop_map(|g| g.join(";"))
}

fn factors() -> impl Strategy<Value = String> {
    let f = prop::sample::select(vec![
        "totp",
        "sms",
        "webauthn",
        " totp ",
        "",
        "backup_code",
        "fido",
    ]);
    // Mostly good factors: an unknown kind makes the whole file refused.
    (prop::collection::vec(f, 0..3), 0..80u8).prop_map(|(f, roll)| {
        if roll == 0 {
            f.join(";")
        } else {
            f.into_iter()
                .filter(|x| *x != "fido")
                .collect::<Vec<_>>()
                .join(";")
        }
    })
}

/// A CSV cell, quoted now and then (a comma inside, or just because).
fn quoted(s: &str, quote: bool) -> String {
    if quote || s.contains(',') || s.contains('"') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[derive(Debug, Clone)]
struct File {
    text: String,
    columns: Columns,
}

fn file() -> impl Strategy<Value = File> {
    let header = prop::sample::select(vec![
        ("id,groups,factors", Columns::default(), 3),
        ("groups, id ,factors", Columns::default(), 3),
        ("id,groups", Columns::default(), 2),
        ("id,groups,factors,role", Columns::default(), 4),
        ("groups,factors", Columns::default(), 2),
        (
            "email,member_of,mfa",
            "id=email,groups=member_of,factors=mfa".parse().unwrap(),
            3,
        ),
        ("id,id,groups", Columns::default(), 3),
    ]);
    let row = (
        0..40usize,
        0..80u8,
        cell(),
        factors(),
        any::<bool>(),
        0..200u8,
    );
    (
        header,
        prop::collection::vec(row, 0..20),
        any::<bool>(),
        // Line ends: `\n`, `\r\n`, or an old Mac export's lone `\r`.
        prop::sample::select(vec!["\n", "\r\n", "\r"]),
        any::<bool>(),
        // Half the files quote nothing, as many exports do (the parallel
        // reader cuts those into blocks of lines).
        any::<bool>(),
    )
        .prop_map(
            |((header, columns, width), rows, bom, nl, last_newline, quoting)| {
                let mut text = String::new();
                if bom {
                    text.push('\u{feff}');
                }
                text.push_str(header);
                for (n, kind, groups, factors, quote, shape) in rows {
                    // Ids mostly distinct; now and then one repeats, is empty or
                    // is padded with Unicode spaces.
                    let id = match kind {
                        0 => "user1".to_string(),
                        1 => String::new(),
                        2..=6 => format!("\u{a0}user{n}\u{2003}-{}", text.len()),
                        _ => format!("user{n}-{}", text.len()),
                    };
                    let quote = quote && quoting;
                    let mut cells = vec![
                        quoted(&id, quote),
                        quoted(&groups, quote),
                        quoted(&factors, false),
                    ];
                    cells.resize(width, "x".to_string());
                    if shape == 0 {
                        cells.pop(); // a short row
                    }
                    if shape == 1 {
                        text.push_str(nl); // a blank line, which is no row
                    }
                    if header.starts_with("groups,") && width == 3 {
                        cells.swap(0, 1);
                    }
                    text.push_str(nl);
                    text.push_str(&cells.join(","));
                }
                if last_newline {
                    text.push_str(nl);
                }
                File { text, columns }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn streamed_agrees_with_the_reference(
        f in file(),
        base in any::<bool>(),
        at in prop::sample::select(vec![
            "2026-11-01T00:00:00Z", "2026-12-05T00:00:00Z", "2027-01-10T00:00:00Z", "2027-02-01T00:00:00Z",
        ]),
        app in prop::sample::select(vec![None, Some("Fin"), Some("Other")]),
        keep in prop::sample::select(KEEPS.to_vec()),
    ) {
        agree(&f.text, &f.columns, base, at, app, keep)?;
    }
}

/// How many files the generator tests draw.
const SAMPLES: usize = 300;

/// [`SAMPLES`] values of a strategy, the same on every run.
fn samples<S: Strategy>(strategy: S) -> Vec<S::Value> {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    (0..SAMPLES)
        .map(|_| strategy.new_tree(&mut runner).unwrap().current())
        .collect()
}

#[test]
fn the_generator_makes_good_files_as_well_as_bad_ones() {
    let good = samples(file())
        .iter()
        .filter(|f| parse_with(&SourceFile::new("d.csv", &f.text), Format::Csv, &f.columns).is_ok())
        .count();
    let bad = SAMPLES - good;
    eprintln!("good {good}, bad {bad}");
    assert!(good > 60 && bad > 60, "good {good}, bad {bad}");
}

#[test]
fn a_repeated_id_far_apart_is_found_by_the_second_pass() {
    let mut text = String::from("id,groups,factors\n");
    for i in 0..20_000 {
        text.push_str(&format!("user{i},A;B,totp\n"));
    }
    for keep in KEEPS {
        assert!(agree(
            &text,
            &Columns::default(),
            false,
            "2027-01-10T00:00:00Z",
            None,
            keep
        )
        .unwrap());
    }
    text.push_str("user7,C,\n");
    assert!(!agree(
        &text,
        &Columns::default(),
        true,
        "2027-01-10T00:00:00Z",
        None,
        Keep::Every
    )
    .unwrap());
}

#[test]
fn lines_ended_by_a_lone_carriage_return_are_all_read() {
    // The header once ran to the first `\n`: here the whole file, so the
    // parallel reader saw no user at all.
    let mut text = String::from("id,groups,factors\r");
    for i in 0..2_000 {
        text.push_str(&format!("user{i},A;B,totp\r"));
    }
    let req_at = "2027-01-10T00:00:00Z";
    assert!(agree(&text, &Columns::default(), false, req_at, None, Keep::Every).unwrap());
    let (policy, _) = policies();
    let columns = Columns::default();
    let req = Request {
        policy: &policy,
        base: None,
        at: req_at.parse().unwrap(),
        app: None,
        columns: &columns,
        keep: Keep::Every,
    };
    let open = || Ok(Cursor::new(text.as_bytes()));
    let split = Split {
        workers: 2,
        block: 1 << 10,
    };
    let got = simulate_file_split(
        Format::Csv,
        &open,
        text.len() as u64,
        req,
        &mut |_| {},
        split,
    )
    .unwrap()
    .unwrap();
    assert_eq!(got.summary.users, 2_000);
}

/// A JSON directory, good or (now and then) bad in one of the ways the
/// reference reader refuses.
fn json_file() -> impl Strategy<Value = String> {
    let value = prop::sample::select(vec![
        r#""A;B""#,
        r#"["A", " B ", ""]"#,
        r#"[]"#,
        r#"null"#,
        r#""""#,
        r#"["Ä b", "E"]"#,
        r#""C""#,
    ]);
    // Now and then a value the reference refuses.
    let value = (
        value,
        0..40u8,
        prop::sample::select(vec![r#"5"#, r#"[1]"#, r#"{"a": 1}"#]),
    )
        .prop_map(|(good, roll, bad)| if roll == 0 { bad } else { good });
    let factors = prop::sample::select(vec![
        r#""totp;sms""#,
        r#"["webauthn"]"#,
        r#"["totp", " sms "]"#,
        r#"[]"#,
        r#"null"#,
        r#"" totp ;""#,
    ]);
    let factors = (
        factors,
        0..40u8,
        prop::sample::select(vec![r#"[""]"#, r#""fido""#]),
    )
        .prop_map(|(good, roll, bad)| if roll == 0 { bad } else { good });
    let user = (0..40usize, 0..80u8, value, factors, 0..80u8);
    (prop::collection::vec(user, 0..15), 0..30u8, any::<bool>()).prop_map(|(users, top, pretty)| {
        let sep = if pretty { ",\n  " } else { "," };
        let body: Vec<String> = users
            .into_iter()
            .enumerate()
            .map(|(i, (n, kind, groups, factors, extra))| {
                let id = match kind {
                    0 => r#""user1""#.to_string(),
                    1 => r#""""#.to_string(),
                    2 => r#"["x"]"#.to_string(),
                    3 => format!(r#"" user{n}-{i} ""#),
                    _ => format!(r#""user{n}-{i}""#),
                };
                let mut fields = vec![format!(r#""id": {id}"#)];
                if extra != 1 {
                    fields.push(format!(r#""groups": {groups}"#));
                }
                if extra != 2 {
                    fields.push(format!(r#""factors": {factors}"#));
                }
                if extra == 3 {
                    fields.push(r#""role": "x""#.to_string());
                }
                if extra == 4 {
                    fields.reverse();
                }
                if extra == 5 {
                    return "7".to_string();
                }
                format!("{{{}}}", fields.join(", "))
            })
            .collect();
        let list = format!("[{}]", body.join(sep));
        match top {
            0 => format!(r#"{{"users": {list}, "extra": 1}}"#),
            1 => format!(r#"{{"users": {list}"#), // cut short
            2 => list,
            3 => "\u{feff}".to_string() + &format!("{{\"users\": {list}}}\n"),
            4 => format!(r#"{{"users": {list}}} x"#),
            _ => format!(r#"{{"users": {list}}}"#),
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn streamed_json_agrees_with_the_reference(
        text in json_file(),
        base in any::<bool>(),
        at in prop::sample::select(vec!["2026-11-01T00:00:00Z", "2027-01-10T00:00:00Z"]),
        app in prop::sample::select(vec![None, Some("Fin")]),
        keep in prop::sample::select(KEEPS.to_vec()),
    ) {
        let got = compare(Format::Json, &text, &Columns::default(), base, at, app, keep)?;
        prop_assert!(got != Compared::OnlyReference, "the stream stopped at a file the reference reads:\n{}", text);
    }
}

#[test]
fn the_json_generator_makes_good_files_as_well_as_bad_ones() {
    let good = samples(json_file())
        .iter()
        .filter(|text| {
            parse_with(
                &SourceFile::new("d.json", text.as_str()),
                Format::Json,
                &Columns::default(),
            )
            .is_ok()
        })
        .count();
    let bad = SAMPLES - good;
    eprintln!("json: good {good}, bad {bad}");
    assert!(good > 60 && bad > 60, "good {good}, bad {bad}");
}

/// A YAML directory in block style, with YAML's own turns: plain, quoted
/// and numeric scalars, `~`, flow lists, anchors and aliases, comments.
fn yaml_file() -> impl Strategy<Value = String> {
    let groups = prop::sample::select(vec![
        "[A, B]",
        "A;B",
        "\"Ä b\"",
        "~",
        "[]",
        "\n      - C\n      - ' A '",
        "&g [E]",
        "*g",
    ]);
    // Now and then a value the reference refuses.
    let groups = (
        groups,
        0..30u8,
        prop::sample::select(vec!["5", "{a: 1}", "[1]", "[A, 2]"]),
    )
        .prop_map(|(good, roll, bad)| if roll == 0 { bad } else { good });
    let factors = prop::sample::select(vec!["totp", "[webauthn, sms]", "'totp ; sms'", "~", "[]"]);
    let factors = (
        factors,
        0..30u8,
        prop::sample::select(vec!["[\"\"]", "fido", "yes", "[7]"]),
    )
        .prop_map(|(good, roll, bad)| if roll == 0 { bad } else { good });
    let id = prop::sample::select(vec!["user{n}", "\"user{n}\"", "'user{n}'", "' user{n}'"]);
    let id = (
        id,
        0..30u8,
        prop::sample::select(vec!["12", "~", "user1", "[a]"]),
    )
        .prop_map(|(good, roll, bad)| if roll == 0 { bad } else { good });
    let user = (0..40usize, id, groups, factors, 0..60u8);
    (prop::collection::vec(user, 0..12), 0..40u8).prop_map(|(users, top)| {
        let mut text = String::from("# generated\nusers:\n");
        let mut anchored = false;
        for (i, (n, id, groups, factors, extra)) in users.into_iter().enumerate() {
            let id = id.replace("{n}", &format!("{n}x{i}"));
            // An alias needs its anchor first.
            let groups = if groups == "*g" && !anchored {
                "[A]"
            } else {
                groups
            };
            anchored |= groups.starts_with('&');
            text.push_str(&format!("  - id: {id}\n"));
            if extra != 1 {
                text.push_str(&format!("    groups: {groups}\n"));
            }
            if extra != 2 {
                text.push_str(&format!("    factors: {factors}\n"));
            }
            if extra == 3 {
                text.push_str("    role: admin\n");
            }
        }
        match top {
            0 => text + "extra: 1\n",
            1 => text + "---\nusers: []\n",
            2 => text.replace("users:\n", "users: 5\n"),
            _ => text,
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn streamed_yaml_agrees_with_the_reference(
        text in prop_oneof![yaml_file(), json_file()],
        base in any::<bool>(),
        at in prop::sample::select(vec!["2026-11-01T00:00:00Z", "2027-01-10T00:00:00Z"]),
        keep in prop::sample::select(KEEPS.to_vec()),
    ) {
        // Stopping where the reference reads on is allowed (the CLI then
        // reads the file whole); reading on where it refuses is not.
        compare(Format::Yaml, &text, &Columns::default(), base, at, None, keep)?;
    }
}

#[test]
fn the_yaml_generator_makes_files_both_readers_read() {
    let counts = &mut [0usize; 3];
    for text in samples(yaml_file()) {
        let got = compare(
            Format::Yaml,
            &text,
            &Columns::default(),
            false,
            "2027-01-10T00:00:00Z",
            None,
            Keep::Every,
        )
        .unwrap();
        counts[got as usize] += 1;
    }
    eprintln!(
        "yaml: both {}, neither {}, only the reference {}",
        counts[0], counts[1], counts[2]
    );
    assert!(counts[0] > 40 && counts[1] > 40, "{counts:?}");
}
