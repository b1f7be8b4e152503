//! Every time a user types is read one way: a date is midnight in the
//! policy's timezone, a date and time without an offset is that wall-clock
//! time in the policy's timezone, an RFC 3339 instant is that instant, and
//! anything else is exit 2 with the accepted forms. Through the real binary,
//! on every flag and in test files and policies.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic on broken fixtures

mod common;
use common::{json, mfac};

fn write(name: &str, text: &str) -> String {
    common::write_temp("times", name, text)
}

/// Berlin is UTC+2 in May: 18:00 there is 16:00Z.
const POLICY: &str = r#"
timezone "Europe/Berlin"
default { enforcement required factors totp remember 1h }
exempt user "bob@x.test" until 2026-05-20T18:00:00 reason "lost phone"
rollout "later" {
  applies default
  on 2026-06-01T08:30 enforcement required enrolment grace 14d
}
"#;

fn policy() -> String {
    write("berlin.mfa", POLICY)
}

fn eval(extra: &[&str]) -> common::Run {
    let p = policy();
    let mut args = vec![
        "eval",
        &p,
        "--user",
        "bob@x.test",
        "--enrolled",
        "totp",
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    mfac(&args)
}

#[test]
fn at_reads_every_form_the_same_way() {
    for (at, exempt) in [
        ("2026-05-20T17:59:59", true),
        ("2026-05-20T18:00:00", false),
        ("2026-05-20T18:00", false),
        ("2026-05-20T15:59:59Z", true),
        ("2026-05-20T16:00:00Z", false),
        ("2026-05-20T18:00:00+02:00", false),
        ("2026-05-20T17:59:59.999+02:00", true),
        ("2026-05-20", true),
        ("2026-05-21", false),
    ] {
        let run = eval(&["--at", at]);
        assert_eq!(run.code, 0, "{at}: {}", run.stderr);
        let v = json(&run);
        assert_eq!(v["exempt"].is_object(), exempt, "{at}: {v}");
    }
    let v = json(&eval(&["--at", "2026-05-20T18:00:00"]));
    assert_eq!(v["at"], "2026-05-20T18:00:00+02:00");
    let v = json(&eval(&["--at", "2026-05-20T17:59:59.5"]));
    assert_eq!(v["at"], "2026-05-20T17:59:59.5+02:00", "a fraction is kept");
}

#[test]
fn the_policy_reads_a_time_without_offset_in_its_timezone() {
    let v = json(&eval(&["--at", "2026-05-20T12:00:00"]));
    assert_eq!(v["exempt"]["until"], "2026-05-20T18:00:00+02:00");
    // The phase starts at 08:30 Berlin time, with 14 days of grace from then.
    let p = policy();
    let run = mfac(&[
        "eval",
        &p,
        "--user",
        "ann@x.test",
        "--at",
        "2026-06-01T08:30:00",
        "--format",
        "json",
    ]);
    assert_eq!(json(&run)["deadline"], "2026-06-15T08:30:00+02:00");
}

#[test]
fn last_mfa_reads_every_form() {
    // remember 1h, ending exclusively: MFA at 17:00 Berlin is remembered until 17:59:59.
    for (last, remembered) in [
        ("2026-05-21T17:00:00", true),
        ("2026-05-21T15:00:00Z", true),
        ("2026-05-21T17:00:00+02:00", true),
        ("2026-05-21T16:00:00", false),
        ("2026-05-21", false),
    ] {
        let run = eval(&["--at", "2026-05-21T17:59:59", "--last-mfa", last]);
        assert_eq!(run.code, 0, "{last}: {}", run.stderr);
        assert_eq!(json(&run)["remembered"], remembered, "{last}");
    }
}

#[test]
fn malformed_times_are_refused_on_every_flag() {
    let p = policy();
    let users = write(
        "u.yaml",
        "users:\n  - {id: bob@x.test, groups: [], factors: [totp]}\n",
    );
    let bad = [
        "2026-05-20T18",
        "2026-05-20T18:00:60",
        "2026-05-20T18:00:00Z trailing",
        "2026-05-20T18:00:00+0200",
        "20.05.2026",
    ];
    for b in bad {
        let runs = [
            ("eval --at", mfac(&["eval", &p, "--user", "u", "--at", b])),
            (
                "eval --last-mfa",
                mfac(&["eval", &p, "--user", "u", "--last-mfa", b]),
            ),
            (
                "simulate --at",
                mfac(&["simulate", &p, "--directory", &users, "--at", b]),
            ),
            (
                "simulate --from",
                mfac(&[
                    "simulate",
                    &p,
                    "--directory",
                    &users,
                    "--timeline",
                    "--from",
                    b,
                ]),
            ),
            (
                "simulate --to",
                mfac(&[
                    "simulate",
                    &p,
                    "--directory",
                    &users,
                    "--timeline",
                    "--to",
                    b,
                ]),
            ),
            ("check --today", mfac(&["check", &p, "--today", b])),
        ];
        for (flag, run) in runs {
            assert_eq!(run.code, 2, "{flag} {b}: {}", run.stdout);
            assert!(
                run.stderr.contains("`2026-12-15"),
                "{flag} {b}: the accepted forms are shown: {}",
                run.stderr
            );
        }
    }
    // --today is a day: a time is refused rather than cut to its date.
    let run = mfac(&["check", &p, "--today", "2026-05-20T18:00:00"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("not a date"), "{}", run.stderr);
}

#[test]
fn simulate_and_timeline_read_every_form() {
    let p = policy();
    let users = write(
        "u2.yaml",
        "users:\n  - {id: bob@x.test, groups: [], factors: [totp]}\n",
    );
    for (at, shown) in [
        ("2026-05-20T18:00:00", "2026-05-20T18:00:00+02:00"),
        ("2026-05-20T16:00:00Z", "2026-05-20T18:00:00+02:00"),
        ("2026-05-20", "2026-05-20T00:00:00+02:00"),
    ] {
        let run = mfac(&[
            "simulate",
            &p,
            "--directory",
            &users,
            "--at",
            at,
            "--format",
            "json",
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(json(&run)["at"], shown);
    }
    let run = mfac(&[
        "simulate",
        &p,
        "--directory",
        &users,
        "--timeline",
        "--from",
        "2026-05-20T17:00",
        "--to",
        "2026-06-01T08:30:00+02:00",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v = json(&run);
    let dates: Vec<&str> = v["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["at"].as_str().unwrap())
        .collect();
    assert_eq!(
        dates.first(),
        Some(&"2026-05-20T17:00:00+02:00"),
        "{dates:?}"
    );
    assert!(
        dates.contains(&"2026-05-20T18:00:00+02:00"),
        "the exemption's end: {dates:?}"
    );
    assert_eq!(
        dates.last(),
        Some(&"2026-06-01T08:30:00+02:00"),
        "{dates:?}"
    );
    let run = mfac(&[
        "simulate",
        &p,
        "--directory",
        &users,
        "--timeline",
        "--from",
        "2026-06-01",
        "--to",
        "2026-05-01",
    ]);
    assert_eq!(run.code, 2, "--to before --from is bad usage");
}

#[test]
fn test_files_read_every_form() {
    let p = policy();
    let name = std::path::Path::new(&p)
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let t = write(
        "berlin.test.yaml",
        &format!(
            r#"policy: {name}
cases:
  - name: exempt one second before the end, wall-clock
    login: {{user: bob@x.test, enrolled: [totp], at: "2026-05-20T17:59:59"}}
    expect: {{decision: allow, exempt: true}}
  - name: not exempt at the end, as an instant
    login: {{user: bob@x.test, enrolled: [totp], at: "2026-05-20T16:00:00Z"}}
    expect: {{decision: challenge, exempt: false}}
  - name: remembered, last MFA in wall-clock time
    login: {{user: bob@x.test, enrolled: [totp], at: 2026-05-21T17:59:59, last_mfa: {{at: 2026-05-21T17:00:00}}}}
    expect: {{decision: allow, remembered: true}}
  - name: the deadline in wall-clock time
    login: {{user: ann@x.test, at: 2026-06-02}}
    expect: {{decision: enrol_or_skip, deadline: 2026-06-15T08:30:00}}
"#
        ),
    );
    let run = mfac(&["test", &t]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("4 passed"), "{}", run.stdout);

    for (field, case) in [
        ("login.at", "login: {user: u, at: 2026-05-20T18}\n    expect: {decision: allow}"),
        ("login.last_mfa.at", "login: {user: u, at: 2026-05-20, last_mfa: {at: 2026-05-20T10:00:61}}\n    expect: {decision: allow}"),
        ("expect.deadline", "login: {user: u, at: 2026-05-20}\n    expect: {deadline: 2026-05-20T10}"),
    ] {
        let t = write("bad.test.yaml", &format!("policy: {name}\ncases:\n  - name: bad\n    {case}\n"));
        let run = mfac(&["test", &t]);
        assert_eq!(run.code, 2, "{field}: {}", run.stdout);
        assert!(run.stderr.contains(field) && run.stderr.contains("RFC 3339"), "{field}: {}", run.stderr);
    }
}

#[test]
fn daylight_saving_gaps_and_overlaps_are_refused_not_guessed() {
    let p = policy();
    // Berlin skips 02:00-03:00 on 2026-03-29 and repeats it on 2026-10-25.
    let run = mfac(&["eval", &p, "--user", "u", "--at", "2026-03-29T02:30:00"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("does not exist"), "{}", run.stderr);
    let run = mfac(&["eval", &p, "--user", "u", "--at", "2026-10-25T02:30:00"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("happens twice"), "{}", run.stderr);
    let run = mfac(&[
        "eval",
        &p,
        "--user",
        "u",
        "--at",
        "2026-10-25T02:30:00+01:00",
        "--format",
        "json",
    ]);
    assert_eq!(json(&run)["at"], "2026-10-25T02:30:00+01:00");

    // In a policy the same time is an E016 at the date.
    let q = write("gap.mfa", "timezone \"Europe/Berlin\"\ndefault { enforcement optional }\nexempt user \"a\" until 2026-10-25T02:30:00 reason \"r\"\n");
    let run = mfac(&["check", &q, "--today", "2026-10-20", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let v = json(&run);
    assert_eq!(v["errors"], 1, "only the ambiguous time is reported: {v}");
    let d = &v["diagnostics"][0];
    assert_eq!(d["code"], "E016");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(3), Some(23))
    );
    assert!(
        d["message"].as_str().unwrap().contains("happens twice"),
        "{d}"
    );
}

#[test]
fn policy_files_refuse_malformed_times_with_the_forms() {
    for (text, col) in [
        ("exempt user \"a\" until 2026-12-01T18 reason \"r\"\n", 23),
        (
            "exempt user \"a\" until 2026-12-01T18:00:60Z reason \"r\"\n",
            23,
        ),
        (
            "exempt user \"a\" until 2026-12-01T18:00:00+0100 reason \"r\"\n",
            23,
        ),
    ] {
        let q = write(
            "badtime.mfa",
            &format!("default {{ enforcement optional }}\n{text}"),
        );
        let run = mfac(&["check", &q, "--today", "2026-11-30", "--format", "json"]);
        assert_eq!(run.code, 1, "{text}: {}", run.stdout);
        let d = &json(&run)["diagnostics"][0];
        assert_eq!(d["code"], "E016", "{text}: {d}");
        assert_eq!(d["column"].as_u64(), Some(col), "{text}");
        assert!(
            d["message"].as_str().unwrap().contains("is not a time"),
            "{d}"
        );
        assert!(
            d["help"].as_str().unwrap().contains("RFC 3339"),
            "the forms are the help: {d}"
        );
    }
}

/// One reader: no code outside `src/time.rs` turns text into a time itself
/// (test modules aside), so no flag or file can read a time another way.
#[test]
fn times_are_read_in_one_place() {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    walk(&root.join("src"), &mut files);
    for krate in std::fs::read_dir(root.join("crates")).unwrap() {
        walk(&krate.unwrap().path().join("src"), &mut files);
    }
    assert!(
        files
            .iter()
            .any(|f| f.ends_with("crates/mfac-core/src/time.rs")),
        "the walk sees the crates"
    );
    let readers = [
        "parse::<Timestamp>",
        "parse::<jiff::Timestamp>",
        "parse::<civil::Date",
        "parse::<jiff::civil::Date",
        "strptime(",
        "Timestamp::from_str",
        "Date::from_str",
    ];
    for f in files {
        if f.ends_with("crates/mfac-core/src/time.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        for r in readers {
            assert!(
                !code.contains(r),
                "{} reads a time with `{r}`: use mfac::time",
                f.display()
            );
        }
    }
}

#[test]
fn a_date_past_the_supported_range_says_so() {
    let p = write(
        "far.mfa",
        "default { enforcement required factors totp }\nrollout \"later\" {\n  applies default\n  on 9999-12-31 enforcement optional\n}\n",
    );
    let run = mfac(&["check", &p, "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stdout.contains("past the range"), "{}", run.stdout);
    assert!(!run.stdout.contains("ambiguous"), "{}", run.stdout);
    assert!(!run.stdout.contains("overflowed"), "{}", run.stdout);
}

#[test]
fn a_grace_that_ends_past_the_range_is_an_error_not_immediate_enrolment() {
    let p = write(
        "grace.mfa",
        "default { enforcement optional factors totp }\nrollout \"later\" {\n  applies default\n  on 9999-06-01 enforcement required enrolment grace 36000d\n}\n",
    );
    let run = mfac(&["check", &p, "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout.contains("this grace ends past the range"),
        "{}",
        run.stdout
    );
}
