//! The layers only look down. Between crates the compiler refuses a cycle;
//! inside each crate this test does: no top-level module may reach itself
//! through `crate::` imports.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Top-level module of a file under `src/` (`check/checks/x.rs` -> `check`).
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel
        .components()
        .next()?
        .as_os_str()
        .to_string_lossy()
        .into_owned();
    let name = first.trim_end_matches(".rs").to_string();
    (name != "lib" && name != "main").then_some(name)
}

fn edges(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let modules: BTreeSet<String> = files.iter().filter_map(|f| module_of(src, f)).collect();
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in &files {
        let Some(m) = module_of(src, f) else { continue };
        let text = std::fs::read_to_string(f).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        let deps = out.entry(m.clone()).or_default();
        for (i, _) in code.match_indices("crate::") {
            let rest = &code[i + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if modules.contains(&name) && name != m {
                deps.insert(name);
            }
        }
    }
    out
}

fn find_cycle(g: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|p| p == n) {
            let mut cycle = path[at..].to_vec();
            cycle.push(n.to_string());
            return Some(cycle);
        }
        if done.contains(n) {
            return None;
        }
        path.push(n.to_string());
        for d in g.get(n).into_iter().flatten() {
            if let Some(c) = visit(d, g, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(n.to_string());
        None
    }
    let mut done = BTreeSet::new();
    g.keys()
        .find_map(|n| visit(n, g, &mut Vec::new(), &mut done))
}

#[test]
fn no_module_imports_from_a_module_that_imports_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for krate in [
        "crates/mfac-core",
        "crates/mfac-prove",
        "crates/mfac-lang",
        "crates/mfac-analysis",
        "crates/mfac-testing",
        "crates/mfac-login",
        "crates/mfac-serve",
    ] {
        let g = edges(&root.join(krate).join("src"));
        assert!(
            find_cycle(&g).is_none(),
            "{krate}: import cycle {:?}\n{g:#?}",
            find_cycle(&g)
        );
    }
    // The test can see a cycle: one made up is found.
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    g.entry("a".into()).or_default().insert("b".into());
    g.entry("b".into()).or_default().insert("a".into());
    assert!(find_cycle(&g).is_some());
}

#[test]
fn the_evaluator_crate_depends_on_no_language_or_reader() {
    let manifest = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/crates/mfac-core/Cargo.toml"
    ))
    .unwrap();
    let deps = manifest
        .split("[dependencies]")
        .nth(1)
        .unwrap()
        .split("\n[")
        .next()
        .unwrap();
    for banned in [
        "pest",
        "petgraph",
        "csv",
        "serde-saphyr",
        "clap",
        "miette",
        "mfac-lang",
        "tokio",
        "axum",
        "sqlx",
    ] {
        assert!(
            !deps
                .lines()
                .any(|l| l.split('=').next().is_some_and(|k| k.trim() == banned)),
            "mfac-core must not depend on {banned}"
        );
    }
}

/// The `[dependencies]` names of a workspace crate's manifest.
fn dependencies(krate: &str) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(krate)
        .join("Cargo.toml");
    let manifest = std::fs::read_to_string(path).unwrap();
    let deps = manifest.split("[dependencies]").nth(1).unwrap_or("");
    let deps = deps.split("\n[").next().unwrap_or("");
    deps.lines()
        .filter_map(|l| l.split('=').next())
        .map(|k| k.trim().to_string())
        .filter(|k| !k.is_empty() && !k.starts_with('#'))
        .collect()
}

#[test]
fn the_proof_engine_reads_only_the_evaluator() {
    // It proves properties of compiled tables: no language, no readers, so
    // the checker can use it without a cycle.
    let deps = dependencies("crates/mfac-prove");
    assert!(deps.contains(&"mfac-core".to_string()), "{deps:?}");
    for d in &deps {
        assert!(
            ["mfac-core", "jiff", "rustc-hash"].contains(&d.as_str()),
            "mfac-prove must not depend on {d}"
        );
    }
}

#[test]
fn the_login_layers_look_only_down() {
    // The login library sits on the evaluator alone: no language, no HTTP.
    let login = dependencies("crates/mfac-login");
    assert!(login.contains(&"mfac-core".to_string()), "{login:?}");
    for banned in [
        "mfac-lang",
        "mfac-analysis",
        "mfac-serve",
        "axum",
        "tower-http",
        "clap",
    ] {
        assert!(
            !login.iter().any(|d| d == banned),
            "mfac-login must not depend on {banned}"
        );
    }
    // The service is over the library, and never the command line.
    let serve = dependencies("crates/mfac-serve");
    assert!(serve.contains(&"mfac-login".to_string()), "{serve:?}");
    for banned in ["mfac", "clap", "miette"] {
        assert!(
            !serve.iter().any(|d| d == banned),
            "mfac-serve must not depend on {banned}"
        );
    }
    // The language server too: the library's check, prove and format,
    // nothing of the command line and nothing of the login service.
    let lsp = dependencies("crates/mfac-lsp");
    assert!(lsp.contains(&"mfac-lang".to_string()), "{lsp:?}");
    for banned in [
        "mfac",
        "clap",
        "miette",
        "mfac-login",
        "mfac-serve",
        "tokio",
    ] {
        assert!(
            !lsp.iter().any(|d| d == banned),
            "mfac-lsp must not depend on {banned}"
        );
    }
}

/// The project documents itself: every page a comment, doc or manifest
/// names in capitals, as design pages are named, is one of the repository's own, and every
/// relative path (`../...`) leads to something in it.
#[test]
fn nothing_points_outside_the_repository() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["src", "crates", "tests", "benches", "docs", "examples"] {
        collect(&root.join(dir), &mut files);
    }
    files.push(root.join("README.md"));
    files.push(root.join("Cargo.toml"));
    files.retain(|f| {
        !f.components()
            .any(|c| c.as_os_str() == "target" || c.as_os_str() == "node_modules")
    });
    let pages: BTreeSet<String> = files
        .iter()
        .filter(|f| f.extension().is_some_and(|x| x == "md"))
        .filter_map(|f| f.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    let mut found = Vec::new();
    for f in &files {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        let words = text.split(|c: char| !(c.is_ascii_alphanumeric() || "_./-".contains(c)));
        for w in words {
            let w = w.trim_end_matches('.');
            let page = w.rsplit('/').next().unwrap_or(w);
            let outside = if w.starts_with("../") {
                // Relative to the file or to a folder above it (a crate's
                // manifest), inside the repository; a build's output
                // (`../target/book`) need not exist yet.
                let built = w.trim_start_matches("../").starts_with("target/");
                !built
                    && !f
                        .ancestors()
                        .skip(1)
                        .take_while(|d| d.starts_with(root))
                        .any(|d| d.join(w).exists())
            } else {
                // A page named in capitals, as design pages are, that the
                // repository does not hold.
                page.strip_suffix(".md").is_some_and(|stem| {
                    !stem.is_empty() && stem.chars().all(|c| c.is_ascii_uppercase() || c == '_')
                }) && !pages.contains(page)
            };
            if outside {
                found.push(format!("{}: {w}", f.display()));
            }
        }
    }
    assert!(found.is_empty(), "{found:#?}");
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| {
            ["rs", "md", "toml", "html", "mjs"].contains(&x.to_str().unwrap_or(""))
        }) {
            out.push(p);
        }
    }
}

/// A test that needs PostgreSQL or a browser is `ignored` without its
/// variable (build.rs), never an early `return` that reads as `ok`: every
/// test file that reaches the server carries the `ignore`, the browser's
/// test too, and no test prints that it skipped.
#[test]
fn tests_that_need_a_service_say_ignored_without_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("tests"), &mut files);
    for krate in std::fs::read_dir(root.join("crates")).unwrap() {
        let tests = krate.unwrap().path().join("tests");
        if tests.is_dir() {
            rust_files(&tests, &mut files);
        }
    }
    let mut found = Vec::new();
    let mut guarded = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        if text.contains(&["skipped", ": set MFAC_TEST"].concat()) {
            found.push(format!("{}: says it skipped", f.display()));
        }
        let reaches =
            text.contains("postgres_url()") && !text.contains("fn postgres_url() -> String");
        let ignored = text.contains("not(mfac_postgres), ignore");
        if reaches && !ignored {
            found.push(format!(
                "{}: reaches PostgreSQL without the ignore",
                f.display()
            ));
        }
        guarded += usize::from(reaches && ignored);
    }
    let browser = std::fs::read_to_string(root.join("tests/browser.rs")).unwrap();
    assert!(
        browser.contains("not(mfac_browser),\n    ignore"),
        "the browser test is guarded"
    );
    assert!(found.is_empty(), "{found:#?}");
    assert!(
        guarded >= 3,
        "replicas, stores and the audit test reach the server: {guarded}"
    );
}
