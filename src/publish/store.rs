//! Where releases live and how one becomes current.
//!
//! A store folder holds one folder per release, named by its id, and a link `current` to one of
//! them. The folders users open (`processed/`, `charts/`, `.ilms/private`) are links into
//! `current`, made once; a release becomes current by replacing the `current` link with one
//! rename, which the operating system does atomically: a reader resolves either the old release or
//! the new one, never a mixture, and never no release.

use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

use crate::error::{Error, Result};

/// The link in a store to the current release.
pub const CURRENT: &str = "current";
/// A release folder's name while it is written: never current, removed by the next run.
pub const PARTIAL: &str = ".partial";
/// Written in a release folder once it has been current: a sealed folder without it never was
/// (its run died between sealing and switching) and is removed by the next run.
const PUBLISHED: &str = ".published";

/// Fault injection for the test suite (`--features fault-injection`): `ILMS_FAULT=<step>` makes
/// that step fail as a full disk or a refused rename would; `ILMS_FAULT=abort:<step>` ends the
/// process there as kill -9 would (no clean-up runs). Without the feature this does nothing.
pub fn injected(step: &str) -> io::Result<()> {
    #[cfg(feature = "fault-injection")]
    if let Ok(fault) = std::env::var("ILMS_FAULT") {
        if fault == format!("abort:{step}") {
            std::process::abort();
        }
        if fault == step {
            return Err(io::Error::other(format!("injected fault at {step}")));
        }
    }
    let _ = step;
    Ok(())
}

/// Create the store folder and remove what killed runs left in it.
pub fn open(store: &Path) -> Result<()> {
    fs::create_dir_all(store).map_err(|e| Error::io(store, "create the releases folder", e))?;
    let entries = fs::read_dir(store).map_err(|e| Error::io(store, "list the releases", e))?;
    let current = current(store);
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        // Sealed by ilms (it has a release.json) but never made current.
        let never_current = entry.path().join(super::MANIFEST).is_file()
            && !entry.path().join(PUBLISHED).exists()
            && current.as_deref() != Some(name.as_str());
        // Written by a run that was killed or failed: it never became a release.
        if name.ends_with(PARTIAL) || name.starts_with(".current.") || never_current {
            let path = entry.path();
            let removed = if path.is_dir() && !path.is_symlink() {
                fs::remove_dir_all(&path)
            } else {
                fs::remove_file(&path)
            };
            removed.map_err(|e| Error::io(&path, "remove an unfinished release", e))?;
        }
    }
    Ok(())
}

/// The release ids in a store, oldest first (ids start with their UTC time).
pub fn releases(store: &Path) -> Vec<String> {
    let mut ids: Vec<String> = fs::read_dir(store)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|name| !name.ends_with(PARTIAL) && !name.starts_with('.'))
        .collect();
    ids.sort();
    ids
}

/// The id of the store's current release, if it has one.
pub fn current(store: &Path) -> Option<String> {
    let target = fs::read_link(store.join(CURRENT)).ok()?;
    Some(target.file_name()?.to_string_lossy().to_string())
}

/// Make release `id` current: a new link, renamed over `current` in one step; then the release
/// is marked as one that has been current.
pub fn switch(store: &Path, id: &str) -> io::Result<()> {
    let temporary = store.join(format!(".current.{}", std::process::id()));
    let _ = fs::remove_file(&temporary);
    symlink_dir(Path::new(id), &temporary)?;
    fs::rename(&temporary, store.join(CURRENT)).inspect_err(|_| {
        let _ = fs::remove_file(&temporary);
    })?;
    // Best effort: the release is current either way (the mark only spares it from clean-up).
    let _ = mark_published(store, id);
    Ok(())
}

fn mark_published(store: &Path, id: &str) -> io::Result<()> {
    fs::write(store.join(id).join(PUBLISHED), "")
}

/// Remove the oldest releases beyond `keep`, never the current one. Returns what could not be
/// removed (the release stays current either way).
pub fn prune(store: &Path, keep: usize) -> Vec<String> {
    let current = current(store);
    let ids = releases(store);
    let excess = ids.len().saturating_sub(keep);
    let mut problems = Vec::new();
    for id in ids.into_iter().take(excess) {
        if Some(&id) == current.as_ref() {
            continue;
        }
        let path = store.join(&id);
        if let Err(e) = injected("prune").and_then(|_| fs::remove_dir_all(&path)) {
            problems.push(format!(
                "{}: could not remove this old release ({e}); remove it by hand",
                path.display()
            ));
        }
    }
    problems
}

/// Make `link` a link to `target` (a folder in a store's current release). A real folder found
/// there (the outputs of an ilms from before releases were kept) becomes a release of its own,
/// `adopted_id`, so nothing the user had is lost (`confidential`: made 0700 there).
pub fn ensure_link(
    link: &Path,
    target: &Path,
    store: &Path,
    adopted_id: &str,
    confidential: bool,
) -> Result<()> {
    let wanted = relative(link, target);
    match fs::symlink_metadata(link) {
        Ok(meta) if meta.file_type().is_symlink() => {
            if fs::read_link(link).is_ok_and(|t| t == wanted) {
                return Ok(());
            }
            // A link to somewhere else (the round was moved, or its layout changed): replaced.
            let temporary = link.with_extension("ilms-link");
            let _ = fs::remove_file(&temporary);
            symlink_dir(&wanted, &temporary)
                .and_then(|_| fs::rename(&temporary, link))
                .map_err(|e| Error::io(link, "point the folder at the current release", e))
        }
        Ok(meta) if meta.is_dir() => {
            adopt(link, target, store, adopted_id, confidential)?;
            symlink_dir(&wanted, link)
                .map_err(|e| Error::io(link, "link the folder to the current release", e))
        }
        Ok(_) => Err(Error::new(
            link,
            "",
            "a file is where ilms shows the current release (a link to a folder)",
            "move the file away and run again",
        )),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if let Some(parent) = link.parent() {
                fs::create_dir_all(parent)
                    .map_err(|e| Error::io(parent, "create an output folder", e))?;
            }
            symlink_dir(&wanted, link)
                .map_err(|e| Error::io(link, "link the folder to the current release", e))
        }
        Err(e) => Err(Error::io(link, "read the output folder", e)),
    }
}

/// Move an output folder of an earlier ilms into the store as release `id`, current if the store
/// has none yet.
fn adopt(folder: &Path, target: &Path, store: &Path, id: &str, confidential: bool) -> Result<()> {
    let name = target.file_name().unwrap_or_default();
    let destination = store.join(id).join(name);
    fs::create_dir_all(store.join(id))
        .map_err(|e| Error::io(store, "keep the earlier outputs as a release", e))?;
    fs::rename(folder, &destination).map_err(|e| {
        Error::new(
            folder,
            "",
            format!("could not keep these earlier outputs as a release ({e})"),
            format!(
                "move the folder into {} yourself, or away, and run again",
                store.display()
            ),
        )
    })?;
    if confidential {
        crate::installation::private_folder(&destination)?;
    }
    mark_published(store, id).map_err(|e| Error::io(store, "keep the earlier outputs", e))?;
    if current(store).is_none() {
        switch(store, id).map_err(|e| Error::io(store, "make the earlier outputs current", e))?;
    }
    Ok(())
}

/// `target` as seen from `link`'s folder (relative, so the round can be moved as a whole).
fn relative(link: &Path, target: &Path) -> PathBuf {
    let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let parent = link.parent().filter(|p| !p.as_os_str().is_empty());
    let from = absolute(parent.unwrap_or(Path::new(".")));
    let to = absolute(target);
    let from: Vec<Component> = from.components().collect();
    let to_parts: Vec<Component> = to.components().collect();
    let common = from
        .iter()
        .zip(&to_parts)
        .take_while(|(a, b)| a == b)
        .count();
    if common == 0 {
        return to;
    }
    let mut path = PathBuf::new();
    for _ in common..from.len() {
        path.push("..");
    }
    for part in &to_parts[common..] {
        path.push(part);
    }
    path
}

#[cfg(unix)]
fn symlink_dir(target: &Path, link: &Path) -> io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(windows)]
fn symlink_dir(target: &Path, link: &Path) -> io::Result<()> {
    // Needs Developer Mode or an administrator on Windows (README, "Releases").
    std::os::windows::fs::symlink_dir(target, link)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_relative_to_the_link_folder() {
        assert_eq!(
            relative(
                Path::new("/r/processed"),
                Path::new("/r/releases/current/processed")
            ),
            PathBuf::from("releases/current/processed")
        );
        assert_eq!(
            relative(
                Path::new("/r/.ilms/private"),
                Path::new("/r/releases/current/private")
            ),
            PathBuf::from("../releases/current/private")
        );
        assert_eq!(
            relative(
                Path::new("processed"),
                Path::new("releases/current/processed")
            ),
            PathBuf::from("releases/current/processed")
        );
        assert_eq!(
            relative(
                Path::new("/r/out/processed"),
                Path::new("/r/releases/current/processed")
            ),
            PathBuf::from("../releases/current/processed")
        );
    }
}
