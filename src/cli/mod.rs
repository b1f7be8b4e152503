//! Command-line front end: argument parsing, file reading, rendering.
//! Exit codes: 0 success (warnings allowed), 1 the policy has errors (or
//! warnings with `--deny-warnings`), 2 bad usage or unreadable input.

/// `print!` that does not panic when standard output is closed (`mfac ... |
/// head`): the rest of the output is dropped, the command ends normally.
macro_rules! out {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout(), $($t)*);
    }};
}

/// `println!` with the same care.
macro_rules! outln {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($t)*);
    }};
}

mod audit;
mod bypass;
mod chart;
mod check;
mod compile;
mod config;
mod diff;
mod eval;
mod explain;
mod export;
mod failure;
mod fmt;
mod import;
mod limits;
mod names;
mod render;
mod report;
mod serve;
mod simulate;
mod status;
mod test;
mod unlock;

use clap::{Parser, Subcommand};
use mfac::{Compile as _, SourceFile};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "mfac",
    version,
    about = "MFA enforcement policy as code: check, compile and evaluate .mfa policies",
    after_help = "Examples:\n  mfac check policies/\n  mfac compile policies/acme.mfa -o acme.json\n  mfac eval acme.json --user anita@acme.test --group Administrators --enrolled totp"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Colour in rendered diagnostics: auto (a terminal, and NO_COLOR unset), always, never
    #[arg(long, global = true, value_enum, default_value_t = render::ColorChoice::Auto)]
    color: render::ColorChoice,
    /// The largest policy file read, in bytes or with KiB, MiB, GiB
    #[arg(long, global = true, value_name = "SIZE", default_value = limits::POLICY_DEFAULT, value_parser = limits::size)]
    max_policy_size: u64,
    /// The largest directory file read, in bytes or with KiB, MiB, GiB
    #[arg(long, global = true, value_name = "SIZE", default_value = limits::DIRECTORY_DEFAULT, value_parser = limits::size)]
    max_directory_size: u64,
}

#[derive(Subcommand)]
enum Command {
    Check(check::Args),
    Compile(compile::Args),
    Eval(eval::Args),
    Simulate(simulate::Args),
    Diff(diff::Args),
    Explain(explain::Args),
    Export(export::Args),
    Fmt(fmt::Args),
    Import(import::Args),
    Test(test::Args),
    Audit(audit::Args),
    Serve(serve::Args),
    Unlock(unlock::Args),
    Bypass(bypass::Args),
    Status(status::Args),
    /// Speak the Language Server Protocol on standard input and output, for editors
    #[command(
        after_help = "Started by an editor, not by hand: VS Code's mfac extension, or neovim's
  vim.lsp.start({ name = \"mfac\", cmd = { \"mfac\", \"lsp\" } })
The findings are `mfac check`'s on the unsaved text, with the nearest `mfac.toml`."
    )]
    Lsp,
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish)
    #[command(
        after_help = "Examples:\n  mfac completions bash > /etc/bash_completion.d/mfac\n  mfac completions zsh > \"${fpath[1]}/_mfac\""
    )]
    Completions {
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff)
    #[command(after_help = "Examples:\n  mfac man > mfac.1 && man ./mfac.1")]
    Man,
}

pub use failure::{Failure, Machine};

pub type Outcome = Result<ExitCode, Failure>;

pub fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let cli = match Cli::try_parse_from(&args) {
        Ok(c) => c,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(
                e.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                let _ = e.print();
                return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
            }
            // Bad usage before any command ran: still an answer in the
            // machine format the arguments asked for.
            if let Some(m) = Machine::from_args(&args) {
                let first = e.to_string();
                let line = first.lines().next().unwrap_or("bad usage");
                let line = line.strip_prefix("error: ").unwrap_or(line);
                out!("{}", failure::render(&Failure::input(line), m));
            }
            let _ = e.print();
            return ExitCode::from(2);
        }
    };
    render::set_color(cli.color);
    limits::set(cli.max_policy_size, cli.max_directory_size);
    let machine = cli.command.machine();
    let result = match cli.command {
        Command::Check(a) => check::run(a),
        Command::Compile(a) => compile::run(a),
        Command::Eval(a) => eval::run(a),
        Command::Simulate(a) => simulate::run(a),
        Command::Diff(a) => diff::run(a),
        Command::Explain(a) => explain::run(a),
        Command::Export(a) => export::run(a),
        Command::Fmt(a) => fmt::run(a),
        Command::Import(a) => import::run(a),
        Command::Test(a) => test::run(a),
        Command::Audit(a) => audit::run(a),
        Command::Serve(a) => serve::run(a),
        Command::Unlock(a) => unlock::run(a),
        Command::Bypass(a) => bypass::run(a),
        Command::Status(a) => status::run(a),
        Command::Lsp => mfac_lsp::serve_stdio()
            .map(|()| ExitCode::SUCCESS)
            .map_err(|e| Failure::input(format!("mfac lsp: {e}"))),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            // Into a buffer first: clap_complete panics on a failed write.
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "mfac", &mut buf);
            out!("{}", String::from_utf8_lossy(&buf));
            Ok(ExitCode::SUCCESS)
        }
        Command::Man => {
            use clap::CommandFactory;
            let mut buf = Vec::new();
            clap_mangen::Man::new(Cli::command())
                .render(&mut buf)
                .map(|()| {
                    out!("{}", String::from_utf8_lossy(&buf));
                    ExitCode::SUCCESS
                })
                .map_err(|e| Failure::input(format!("cannot render the man page: {e}")))
        }
    };
    match result {
        Ok(code) => code,
        Err(f) => {
            if let Some(m) = machine {
                out!("{}", failure::render(&f, m));
            }
            failure::report(&f);
            ExitCode::from(f.code)
        }
    }
}

/// A value of a `--format` flag as written on the command line.
fn value_name(v: &impl clap::ValueEnum) -> String {
    v.to_possible_value()
        .map_or_else(String::new, |p| p.get_name().to_string())
}

impl Command {
    /// The machine format this command was asked for, if any, so that its
    /// failure is printed in it.
    fn machine(&self) -> Option<Machine> {
        let (name, format) = match self {
            Command::Check(a) => ("check", value_name(&a.format)),
            Command::Eval(a) => ("eval", value_name(&a.format)),
            Command::Simulate(a) => ("simulate", value_name(&a.format)),
            Command::Diff(a) => ("diff", value_name(&a.format)),
            Command::Test(a) => ("test", value_name(&a.format)),
            Command::Audit(a) => ("audit", value_name(&a.format)),
            Command::Bypass(a) => ("bypass", value_name(a.format()?)),
            Command::Status(a) => ("status", value_name(&a.format)),
            Command::Import(a) => ("import", value_name(a.provider.format())),
            _ => return None,
        };
        Machine::named(name, &format)
    }
}

/// A file that cannot be read: exit code 2, an `E023` at the file.
pub fn unreadable(path: &str, message: String) -> Failure {
    Failure::at(
        &mfac::check::codes::UNREADABLE_FILE,
        SourceFile::new(path, ""),
        mfac::source::Span::default(),
        message,
    )
}

/// Read a text file (or standard input for `-`) as a source file. Not UTF-8,
/// missing or unreadable: exit code 2, an `E023` at the file (at the first
/// bad byte, for text that is not UTF-8). A leading byte-order mark is dropped.
pub fn read_source(path: &str) -> Result<SourceFile, Failure> {
    read_text(path, limits::Input::Policy)
}

/// A file (or `-`, standard input) as text, within the size cap of its kind.
pub fn read_text(path: &str, kind: limits::Input) -> Result<SourceFile, Failure> {
    use mfac::check::codes::UNREADABLE_FILE;
    use mfac::source::Span;
    let unreadable = |message: String| unreadable(path, message);
    let name = if path == "-" {
        "standard input".to_string()
    } else {
        format!("`{path}`")
    };
    let refused = |e: mfac::read::ReadError| unreadable(limits::refusal(&name, kind, &e));
    let bytes = if path == "-" {
        mfac::read::read_capped(std::io::stdin().lock(), kind.limit()).map_err(refused)?
    } else {
        let file = std::fs::File::open(path)
            .map_err(|e| unreadable(format!("cannot read `{path}`: {e}")))?;
        mfac::read::read_capped(file, kind.limit()).map_err(refused)?
    };
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let valid = String::from_utf8_lossy(e.as_bytes().get(..at).unwrap_or_default());
            return Err(Failure::at(
                &UNREADABLE_FILE,
                SourceFile::new(path, valid),
                Span::new(at, at),
                format!("`{path}` is not UTF-8 text (invalid byte at offset {at})"),
            ));
        }
    };
    let text = text
        .strip_prefix('\u{feff}')
        .map(str::to_string)
        .unwrap_or(text);
    Ok(SourceFile::new(path, text))
}

/// How to read a directory file: shared by every command that takes one.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct DirectoryArgs {
    /// A directory of users (YAML, JSON or CSV; `-` reads standard input)
    #[arg(long, value_name = "FILE")]
    pub directory: Option<String>,
    /// The directory's format, when its extension does not say (yaml, json, csv)
    #[arg(long, value_name = "FORMAT", requires = "directory")]
    pub directory_format: Option<mfac::directory::Format>,
    /// Map an export's own field names, e.g. `id=email,groups=member_of,factors=mfa_methods`
    #[arg(long, value_name = "MAP", requires = "directory")]
    pub columns: Option<mfac::directory::Columns>,
}

/// The files under `dir`, at any depth, whose names end in `suffix`
/// (`.mfa`, `.test.yaml`), sorted.
pub fn files_under(
    dir: &std::path::Path,
    suffix: &str,
) -> std::io::Result<Vec<std::path::PathBuf>> {
    fn walk(
        dir: &std::path::Path,
        suffix: &str,
        out: &mut Vec<std::path::PathBuf>,
    ) -> std::io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default();
            if path.is_dir() {
                walk(&path, suffix, out)?;
            } else if name.len() > suffix.len() && name.ends_with(suffix) {
                out.push(path);
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, suffix, &mut out)?;
    out.sort();
    Ok(out)
}

/// Run `op` on the login store at `db` (a SQLite file or a `postgres://`
/// URL), on a one-thread runtime, and close the store. The store must
/// exist: a command that reads or administers it never creates or
/// migrates one, so a typo'd path is exit 2, not a new store.
pub fn on_store<T, E: std::fmt::Display>(
    db: &str,
    op: impl AsyncFnOnce(&mfac_login::store::Store) -> Result<T, E>,
) -> Result<T, Failure> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::input(format!("cannot start: {e}")))?;
    runtime.block_on(async {
        let store = mfac_login::store::Store::open_existing(db)
            .await
            .map_err(|e| Failure::input(e.to_string()))?;
        let r = op(&store).await;
        store.close().await;
        r.map_err(|e| Failure::input(e.to_string()))
    })
}

/// Load the directory named by `--directory`, if any.
pub fn read_directory(a: &DirectoryArgs) -> Result<Option<mfac::directory::Directory>, Failure> {
    let Some(path) = a.directory.as_deref() else {
        return Ok(None);
    };
    let source = read_text(path, limits::Input::Directory)?;
    // Standard input has no name to tell its format by: its first line does.
    let format = a.directory_format.unwrap_or_else(|| {
        if path == "-" {
            mfac::directory::Format::sniff(source.text())
        } else {
            mfac::directory::Format::from_path(path)
        }
    });
    let columns = a.columns.clone().unwrap_or_default();
    mfac::directory::parse_with(&source, format, &columns)
        .map(Some)
        .map_err(|d| Failure::located(2, format!("cannot use directory `{path}`"), d))
}

/// Load POLICY: a `.mfa` file (checked and compiled; errors exit 1) or the
/// JSON written by `mfac compile` (a damaged or foreign file exits 2).
pub fn load_policy(path: &str) -> Result<mfac::Policy, Failure> {
    policy_from_source(&read_source(path)?)
}

/// Load POLICY for `mfac eval` and `mfac simulate`: as [`load_policy`], except that a policy
/// whose only errors are refuted properties (failing assertions, or a
/// built-in finding with a counterexample) is evaluated, saying so on
/// stderr, so that the replay line of a counterexample works.
pub fn load_policy_for_eval(path: &str) -> Result<mfac::Policy, Failure> {
    policy_for_eval(&read_source(path)?)
}

/// [`load_policy_for_eval`] of text already read (`--base-rev`'s).
pub fn policy_for_eval(source: &SourceFile) -> Result<mfac::Policy, Failure> {
    if looks_compiled(source) {
        return policy_from_source(source);
    }
    // The errors alone decide whether the policy is evaluated; the
    // warnings are shown only beside errors, so they run only then.
    let errors_only = mfac::check::CheckOptions {
        config: mfac::check::config::CheckConfig::errors_only(),
        ..Default::default()
    };
    let quick = mfac::check::check(source, &errors_only);
    let outcome = if quick.diagnostics.has_errors() {
        mfac::check::check(source, &mfac::check::CheckOptions::default())
    } else {
        quick
    };
    if let Some(p) = &outcome.refuted {
        eprintln!(
            "mfac: `{}` has {} with a counterexample, such as a failing assertion (see `mfac check`); evaluating it anyway",
            source.name(),
            render::plural(outcome.diagnostics.errors(), "error")
        );
        return Ok(mfac::Policy::from_checked(p));
    }
    checked_or_failure(outcome).map(|p| mfac::Policy::from_checked(&p))
}

/// Compiled JSON rather than `.mfa` source?
fn looks_compiled(source: &SourceFile) -> bool {
    source.name().to_ascii_lowercase().ends_with(".json")
        || source.text().trim_start().starts_with('{')
}

/// A policy from text already read: compiled JSON or `.mfa` source.
pub fn policy_from_source(source: &SourceFile) -> Result<mfac::Policy, Failure> {
    let name = source.name();
    if looks_compiled(source) {
        return mfac::Policy::from_json(source.text()).map_err(|e| {
            let span = e.line_col().map_or_else(Default::default, |(l, c)| {
                let start = source.line_start(l.saturating_sub(1)) + c.saturating_sub(1);
                mfac::source::Span::new(start, start)
            });
            Failure::at(
                &mfac::check::codes::BAD_COMPILED,
                source.clone(),
                span,
                format!("`{name}`: {e}"),
            )
        });
    }
    check_source(source).map(|p| mfac::Policy::from_checked(&p))
}

/// Check a policy for compiling or evaluating: its errors are rendered on
/// stderr and end the command with exit code 1.
pub fn check_source(source: &SourceFile) -> Result<mfac::policy::CheckedPolicy, Failure> {
    checked_or_failure(mfac::check::check(
        source,
        &mfac::check::CheckOptions::default(),
    ))
}

/// The checked policy, or its errors as the failure that exits 1.
fn checked_or_failure(
    outcome: mfac::check::CheckOutcome,
) -> Result<mfac::policy::CheckedPolicy, Failure> {
    let errors = outcome.diagnostics.errors();
    outcome.policy.ok_or_else(|| {
        Failure::located(
            1,
            format!(
                "`{}` has {}",
                outcome.diagnostics.source.name(),
                render::plural(errors, "error")
            ),
            outcome.diagnostics,
        )
    })
}

/// The policy file as it was at `rev`, read with `git show` from the
/// repository the file lives in.
pub fn git_show(policy: &str, rev: &str) -> Result<SourceFile, Failure> {
    let path = std::path::Path::new(policy);
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let file = path
        .file_name()
        .and_then(|f| f.to_str())
        .ok_or_else(|| Failure::input(format!("`{policy}` is not a file name")))?;
    let git = |args: &[&str]| -> Result<Vec<u8>, Failure> {
        let out = std::process::Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .output()
            .map_err(|e| Failure::input(format!("--base-rev needs git: {e}")))?;
        if out.status.success() {
            Ok(out.stdout)
        } else {
            Err(Failure::input(format!(
                "--base-rev {rev}: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )))
        }
    };
    // `REV:./FILE` is the file relative to `dir`, wherever the repository root is.
    let spec = format!("{rev}:./{file}");
    let bytes = git(&["show", &spec])?;
    let text = String::from_utf8(bytes)
        .map_err(|_| Failure::input(format!("`{spec}` is not UTF-8 text")))?;
    Ok(SourceFile::new(format!("{policy}@{rev}"), text))
}
