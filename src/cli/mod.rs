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

mod chart;
mod check;
mod compile;
mod config;
mod diff;
mod eval;
mod explain;
mod fmt;
mod render;
mod simulate;
mod test;

use clap::{Parser, Subcommand};
use mfac::SourceFile;
use std::io::Read;
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
}

#[derive(Subcommand)]
enum Command {
    Check(check::Args),
    Compile(compile::Args),
    Eval(eval::Args),
    Simulate(simulate::Args),
    Diff(diff::Args),
    Explain(explain::Args),
    Fmt(fmt::Args),
    Test(test::Args),
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

/// A failure that ends the command with an exit code and a message.
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    /// Bad usage or unreadable input: exit code 2.
    pub fn input(message: impl Into<String>) -> Failure {
        Failure {
            code: 2,
            message: message.into(),
        }
    }
}

pub type Outcome = Result<ExitCode, Failure>;

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    render::set_color(cli.color);
    let result = match cli.command {
        Command::Check(a) => check::run(a),
        Command::Compile(a) => compile::run(a),
        Command::Eval(a) => eval::run(a),
        Command::Simulate(a) => simulate::run(a),
        Command::Diff(a) => diff::run(a),
        Command::Explain(a) => explain::run(a),
        Command::Fmt(a) => fmt::run(a),
        Command::Test(a) => test::run(a),
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
            if !f.message.is_empty() {
                eprintln!("error: {}", f.message);
            }
            ExitCode::from(f.code)
        }
    }
}

/// Read a text file (or standard input for `-`) as a source file. Not UTF-8,
/// missing or unreadable: exit code 2. A leading byte-order mark is dropped.
pub fn read_source(path: &str) -> Result<SourceFile, Failure> {
    let bytes = if path == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| Failure::input(format!("cannot read standard input: {e}")))?;
        buf
    } else {
        std::fs::read(path).map_err(|e| Failure::input(format!("cannot read `{path}`: {e}")))?
    };
    let text = String::from_utf8(bytes).map_err(|e| {
        Failure::input(format!(
            "`{path}` is not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })?;
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

/// Load the directory named by `--directory`, if any.
pub fn read_directory(a: &DirectoryArgs) -> Result<Option<mfac::directory::Directory>, Failure> {
    let Some(path) = a.directory.as_deref() else {
        return Ok(None);
    };
    let source = read_source(path)?;
    let format = a
        .directory_format
        .unwrap_or_else(|| mfac::directory::Format::from_path(path));
    let columns = a.columns.clone().unwrap_or_default();
    mfac::directory::parse_with(&source, format, &columns)
        .map(Some)
        .map_err(|d| {
            render::human(&d, &mut std::io::stderr());
            Failure::input(format!("cannot use directory `{path}`"))
        })
}

/// Load POLICY: a `.mfa` file (checked and compiled; errors exit 1) or the
/// JSON written by `mfac compile` (a damaged or foreign file exits 2).
pub fn load_policy(path: &str) -> Result<mfac::Policy, Failure> {
    policy_from_source(&read_source(path)?)
}

/// A policy from text already read: compiled JSON or `.mfa` source.
pub fn policy_from_source(source: &SourceFile) -> Result<mfac::Policy, Failure> {
    let name = source.name();
    let looks_compiled =
        name.to_ascii_lowercase().ends_with(".json") || source.text().trim_start().starts_with('{');
    if looks_compiled {
        return mfac::Policy::from_json(source.text())
            .map_err(|e| Failure::input(format!("`{name}`: {e}")));
    }
    check_source(source).map(|p| mfac::Policy::from_checked(&p))
}

/// Check a policy for compiling or evaluating: its errors are rendered on
/// stderr and end the command with exit code 1.
pub fn check_source(source: &SourceFile) -> Result<mfac::policy::CheckedPolicy, Failure> {
    let outcome = mfac::check::check(source, &mfac::check::CheckOptions::default());
    outcome.policy.ok_or_else(|| {
        render::human(&outcome.diagnostics, &mut std::io::stderr());
        Failure {
            code: 1,
            message: format!(
                "`{}` has {}",
                source.name(),
                render::plural(outcome.diagnostics.errors(), "error")
            ),
        }
    })
}
