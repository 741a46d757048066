//! One error type for the whole pipeline. Every message says where (file, key or row), what is
//! wrong and what to do, because the reader is a statistician running a batch, not a Rust developer.

use std::fmt;
use std::path::{Path, PathBuf};

use polars::prelude::PolarsError;

/// A problem the user can act on: where, what, and what to do. A check that goes on past a
/// problem (loading a round: every spec is checked) keeps the others in `more`, so that all of
/// them are reported at once.
#[derive(Debug, serde::Serialize)]
pub struct Error {
    /// The file the problem is in (a spec, a raw file, an output).
    #[serde(serialize_with = "path_as_text")]
    pub file: PathBuf,
    /// Where in the file: a spec key (`variables.sex.column`), a row (`row 12`), or empty.
    pub location: String,
    /// What is wrong.
    pub problem: String,
    /// What the user can do about it.
    pub fix: String,
    /// Further problems found by the same check, after this one (each with none of its own).
    #[serde(skip)]
    pub more: Vec<Error>,
}

/// A path as the messages show it (a name that is not UTF-8 is shown with replacement marks).
fn path_as_text<S: serde::Serializer>(path: &Path, to: S) -> std::result::Result<S::Ok, S::Error> {
    to.collect_str(&path.display())
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
            more: Vec::new(),
        }
    }

    /// Every problem this error reports: itself, then the others its check found.
    pub fn problems(&self) -> impl Iterator<Item = &Error> {
        std::iter::once(self).chain(self.more.iter())
    }

    /// How many problems this error reports.
    pub fn count(&self) -> usize {
        1 + self.more.len()
    }

    /// The problems as separate errors, each with none of its own.
    pub fn into_problems(mut self) -> Vec<Error> {
        let more = std::mem::take(&mut self.more);
        std::iter::once(self).chain(more).collect()
    }

    /// One error reporting every problem in `problems` (none: `Ok`).
    pub fn all(problems: Vec<Error>) -> Result<()> {
        let mut problems = problems.into_iter().flat_map(Error::into_problems);
        match problems.next() {
            None => Ok(()),
            Some(mut first) => {
                first.more = problems.collect();
                Err(first)
            }
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

impl Error {
    /// This problem alone, without the others of its check.
    fn write_one(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
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

/// One problem as `file: location: problem` and its fix; several as a count, then each on lines
/// of its own starting with `error: ` (the way `main` starts the first line).
impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.more.is_empty() {
            return self.write_one(f);
        }
        write!(
            f,
            "{} problems found, each below; correct them all, then run again",
            self.count()
        )?;
        for problem in self.problems() {
            write!(f, "\nerror: ")?;
            problem.write_one(f)?;
        }
        Ok(())
    }
}

/// Problems gathered by a check that goes on past the first (every spec of a round is loaded,
/// each one's problem kept), reported together by [`Errors::finish`].
#[derive(Debug, Default)]
pub struct Errors(Vec<Error>);

impl Errors {
    /// The value of `result`, or `None` with its problems kept.
    pub fn keep<T>(&mut self, result: Result<T>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(e) => {
                self.0.extend(e.into_problems());
                None
            }
        }
    }

    /// Keep a problem.
    pub fn push(&mut self, error: Error) {
        self.0.extend(error.into_problems());
    }

    /// Whether no problem was kept.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok` if no problem was kept, else one error reporting them all.
    pub fn finish(self) -> Result<()> {
        Error::all(self.0)
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
        let message = e.message().replace('\n', " ");
        let fix = renamed_key(what, &message).unwrap_or_else(|| fix.to_string());
        Error::new(path, line, format!("malformed {what}: {message}"), fix)
    })
}

/// Keys renamed when the spec vocabulary was made one word per idea (`keep` for the codes the
/// cells kept have, `kind` for which variant, `population` for stock or flow): per kind of file,
/// the old key and what to write instead.
const RENAMED_KEYS: &[(&str, &str, &str)] = &[
    (
        "indicator declarations",
        "records",
        "population = \"stock\" (or \"flow\")",
    ),
    (
        "indicator declarations",
        "only",
        "keep = [\"<code>\"] (a list of one code)",
    ),
    (
        "chart declarations",
        "categories",
        "classification = \"<classification version>\"",
    ),
    (
        "annual table declarations",
        "classif1",
        "keep = [\"<classif1 code>\", \"<classif2 code>\"]",
    ),
    (
        "annual table declarations",
        "classif2",
        "keep = [\"<classif1 code>\", \"<classif2 code>\"]",
    ),
    (
        "spec",
        "classif1",
        "keep = [\"<code>\", ...] in the [[benchmark]]",
    ),
    (
        "spec",
        "classif2",
        "keep = [\"<code>\", ...] in the [[benchmark]]",
    ),
    (
        "rules",
        "type",
        "kind = \"<required, range, pattern or conditional>\"",
    ),
    (
        "rules",
        "sources",
        "source_kind = \"<microdata or aggregate>\"",
    ),
];

/// The fix for a key an older ilms took, when `message` refuses it as unknown in a section that
/// takes the key replacing it (serde lists the keys expected: a rules file's `type` is `kind` in
/// a [[record]] rule only, other sections have no `kind`).
fn renamed_key(what: &str, message: &str) -> Option<String> {
    let new_key = |new: &str| new.split(' ').next().unwrap_or_default().to_string();
    RENAMED_KEYS
        .iter()
        .find(|(file, old, new)| {
            *file == what
                && message.contains(&format!("unknown field `{old}`"))
                && message.contains(&format!("`{}`", new_key(new)))
        })
        .map(|(_, old, new)| {
            format!("`{old}` is now written {new} (ilms renamed it; README \"Spec vocabulary\")")
        })
}
