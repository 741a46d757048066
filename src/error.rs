//! One error type for the whole pipeline. Every message says where (file, key or row), what is
//! wrong and what to do, because the reader is a statistician running a batch, not a Rust developer.

use std::fmt;
use std::path::{Path, PathBuf};

use polars::prelude::PolarsError;

/// A problem the user can act on: where, what, and what to do.
#[derive(Debug)]
pub struct Error {
    /// The file the problem is in (a spec, a raw file, an output).
    pub file: PathBuf,
    /// Where in the file: a spec key (`variables.sex.column`), a row (`row 12`), or empty.
    pub location: String,
    /// What is wrong.
    pub problem: String,
    /// What the user can do about it.
    pub fix: String,
}

/// A result whose error is an [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// An error in `file` at `location` (a key or row, or empty): `problem`, and the `fix`.
    pub fn new(
        file: impl AsRef<Path>,
        location: impl Into<String>,
        problem: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Error {
            file: file.as_ref().to_path_buf(),
            location: location.into(),
            problem: problem.into(),
            fix: fix.into(),
        }
    }

    /// An I/O failure on `file`, with the operation that failed.
    pub fn io(file: impl AsRef<Path>, doing: &str, err: std::io::Error) -> Self {
        let fix = match err.kind() {
            std::io::ErrorKind::NotFound => {
                "check the path (paths are relative to the round manifest's folder)"
            }
            std::io::ErrorKind::PermissionDenied => "check the file's permissions",
            _ => "check the disk and the file, then run again",
        };
        Error::new(file, "", format!("could not {doing}: {err}"), fix)
    }

    /// A polars failure while working on `file`.
    pub fn polars(file: impl AsRef<Path>, doing: &str, err: PolarsError) -> Self {
        Error::new(
            file,
            "",
            format!("could not {doing}: {err}"),
            "check the file is complete and in the format its spec declares",
        )
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if !self.location.is_empty() {
            write!(f, ": {}", self.location)?;
        }
        write!(f, ": {}", self.problem)?;
        if !self.fix.is_empty() {
            write!(f, "\n  fix: {}", self.fix)?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// Read and parse a TOML file (spec, manifest, declarations). A syntax or schema error names the
/// file, the line and the problem; `what` names the kind of file ("spec", "round manifest", ...).
pub fn read_toml<T: serde::de::DeserializeOwned>(path: &Path, what: &str, fix: &str) -> Result<T> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::io(path, &format!("read the {what}"), e))?;
    toml::from_str(&text).map_err(|e| {
        let line = e
            .span()
            .map(|span| {
                format!(
                    "line {}",
                    text[..span.start.min(text.len())].lines().count().max(1)
                )
            })
            .unwrap_or_default();
        Error::new(
            path,
            line,
            format!("malformed {what}: {}", e.message().replace('\n', " ")),
            fix,
        )
    })
}
