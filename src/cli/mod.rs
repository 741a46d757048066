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
