//! The folders a round may read and write: its own folder, and folders its manifest names in
//! `[round] outside_folders`. A spec or manifest path that leads elsewhere (`/etc/passwd`,
//! `../../..`, a link out of the round) is refused when the round loads, so no file outside them
//! is read and no message quotes one.

use std::path::{Component, Path, PathBuf};

/// The round's folder and the outside folders it may use.
#[derive(Debug, Clone)]
pub struct RoundFolder {
    pub root: PathBuf,
    pub outside: Vec<PathBuf>,
}

impl RoundFolder {
    /// `path` (relative to the round folder, or absolute) if it leads inside the round folder or
    /// an allowed outside folder (links followed); otherwise the problem, for a message.
    pub fn resolve(&self, path: &Path) -> Result<PathBuf, String> {
        let joined = self.root.join(path);
        if self.allowed(&real_path(&joined)) {
            return Ok(joined);
        }
        Err(self.outside(path))
    }

    /// A folder the round reads every file of (`schemas/rules/`, the classifications), resolved
    /// as [`RoundFolder::resolve`] does, and every file and folder under it too: a link inside it
    /// to a file outside the round is refused like a path naming that file.
    pub fn resolve_folder(&self, dir: &Path) -> Result<PathBuf, String> {
        let resolved = self.resolve(dir)?;
        self.check_entries(&resolved, dir, 0)?;
        Ok(resolved)
    }

    fn check_entries(&self, dir: &Path, shown: &Path, depth: usize) -> Result<(), String> {
        // Not a folder, or unreadable: the loader that reads it says so.
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Ok(());
        };
        for entry in entries.flatten() {
            let (path, shown) = (entry.path(), shown.join(entry.file_name()));
            let real = real_path(&path);
            if !self.allowed(&real) {
                return Err(self.outside(&shown));
            }
            // Deep enough for any schemas folder; a link loop inside the round ends here.
            if real.is_dir() && depth < 8 {
                self.check_entries(&path, &shown, depth + 1)?;
            }
        }
        Ok(())
    }

    /// Whether a real path is inside the round folder or an allowed outside folder.
    fn allowed(&self, real: &Path) -> bool {
        // An empty root is the working folder (a manifest named without a folder).
        let root = match self.root.as_os_str().is_empty() {
            true => Path::new("."),
            false => self.root.as_path(),
        };
        real.starts_with(real_path(root))
            || self.outside.iter().any(|f| real.starts_with(real_path(f)))
    }

    fn outside(&self, path: &Path) -> String {
        format!(
            "{} leads outside the round folder{}",
            path.display(),
            if self.outside.is_empty() {
                String::new()
            } else {
                " and the folders of [round] outside_folders".into()
            }
        )
    }
}

/// What a round's paths must say to use a file outside it.
pub const OUTSIDE_FIX: &str = "keep the file inside the round folder, or name its folder in the manifest: [round] outside_folders = [\"/path/to/folder\"]";

/// The path with links resolved where it exists, else written out without `.` and `..`.
fn real_path(path: &Path) -> PathBuf {
    if let Ok(real) = std::fs::canonicalize(path) {
        return real;
    }
    // Not there (yet): its nearest existing ancestor resolved, the rest added lexically.
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut normal = PathBuf::new();
    for part in absolute.components() {
        match part {
            Component::ParentDir => {
                normal.pop();
            }
            Component::CurDir => {}
            other => normal.push(other),
        }
    }
    match (normal.parent(), normal.file_name()) {
        (Some(parent), Some(name)) if parent != normal => real_path(parent).join(name),
        _ => normal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_outside_the_round_are_refused_unless_allowed() {
        let round = tempfile_dir();
        let folder = RoundFolder {
            root: round.clone(),
            outside: Vec::new(),
        };
        assert!(folder.resolve(Path::new("raw/a.csv")).is_ok());
        assert!(folder.resolve(Path::new("raw/../schemas/x.toml")).is_ok());
        assert!(folder.resolve(Path::new("../elsewhere/a.csv")).is_err());
        assert!(folder.resolve(Path::new("/etc/passwd")).is_err());
        let allowed = RoundFolder {
            root: round,
            outside: vec![PathBuf::from("/etc")],
        };
        assert!(allowed.resolve(Path::new("/etc/passwd")).is_ok());
        let working = RoundFolder {
            root: PathBuf::new(),
            outside: Vec::new(),
        };
        assert!(working.resolve(Path::new("/etc/passwd")).is_err());
        assert!(working.resolve(Path::new("raw/a.csv")).is_ok());
    }

    #[cfg(unix)]
    #[test]
    fn a_link_inside_a_read_folder_to_a_file_outside_is_refused() {
        let round = tempfile_dir().join("links");
        std::fs::create_dir_all(round.join("schemas/rules")).expect("folder");
        let link = round.join("schemas/rules/x.toml");
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink("/etc/passwd", &link).expect("link");
        let folder = RoundFolder {
            root: round.clone(),
            outside: Vec::new(),
        };
        let refused = folder.resolve_folder(Path::new("schemas/rules"));
        assert!(
            refused
                .as_ref()
                .is_err_and(|e| e.starts_with("schemas/rules/x.toml leads outside")),
            "{refused:?}"
        );
        assert!(folder.resolve(Path::new("schemas/rules")).is_ok());
        let allowed = RoundFolder {
            root: round,
            outside: vec![PathBuf::from("/etc")],
        };
        assert!(allowed.resolve_folder(Path::new("schemas/rules")).is_ok());
    }

    fn tempfile_dir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ilms-paths-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("raw")).expect("folder");
        dir
    }
}
