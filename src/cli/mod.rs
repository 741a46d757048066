//! The subcommands of `ilms`, one file each: its arguments, its help, and the library calls it
//! makes. Nothing here computes a figure; the library does.

pub mod check;
pub mod diff;
pub mod generate;
pub mod inspect;
pub mod protect;
pub mod query;
pub mod releases;
pub mod run;
pub mod schema;
pub mod table;
pub mod validate;

use std::path::PathBuf;

/// The round manifest argument every round command takes.
#[derive(clap::Args)]
pub struct RoundArg {
    /// The round manifest.
    #[arg(long, default_value = "ilms.toml")]
    pub round: PathBuf,
}

/// `--quiet`, the same on every command that has it: nothing on standard output or standard
/// error unless something fails (warnings go to the run log and `--json`). Output asked for as
/// data (`--json`, `--csv`) is still printed.
#[derive(clap::Args)]
pub struct QuietArg {
    /// Print nothing but errors: no progress, no summary (the run log and --json keep warnings).
    #[arg(short, long)]
    pub quiet: bool,
}

/// A command's result as JSON on standard output (`--json`): `ok`, every problem found as
/// `errors` (`file`, `location`, `problem`, `fix`), and what the command reports, `body`'s fields.
pub fn emit_json<T: serde::Serialize>(
    body: Option<&T>,
    error: Option<&ilms::Error>,
) -> ilms::Result<()> {
    #[derive(serde::Serialize)]
    struct Envelope<'a, T> {
        ok: bool,
        errors: Vec<&'a ilms::Error>,
        #[serde(flatten)]
        body: Option<&'a T>,
    }
    let envelope = Envelope {
        ok: error.is_none(),
        errors: error.map(|e| e.problems().collect()).unwrap_or_default(),
        body,
    };
    let text = serde_json::to_string_pretty(&envelope).map_err(|e| {
        ilms::Error::new(
            "standard output",
            "--json",
            e.to_string(),
            "report this bug",
        )
    })?;
    emit(format_args!("{text}\n"))
}

/// Parse a spec value (`"xlsx"`, `"utf-8"`) the way the spec file would.
pub fn parse_spec_value<T: serde::de::DeserializeOwned>(value: &str) -> Result<T, String> {
    T::deserialize(serde::de::value::StrDeserializer::<serde::de::value::Error>::new(value))
        .map_err(|e| e.to_string())
}

/// Print to standard output. A reader that stops early (`ilms query ... | head`) closes the pipe;
/// that ends the output quietly, where `print!` would panic. Other write errors are reported.
pub fn emit(text: impl std::fmt::Display) -> ilms::Result<()> {
    use std::io::Write;
    match write!(std::io::stdout().lock(), "{text}") {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(ilms::Error::io("standard output", "write the output", e))
        }
        _ => Ok(()),
    }
}
