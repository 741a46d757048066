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

/// Whether `name` is a release id ilms made: `<8 digits>T<6 digits>Z-<8 hex>[-<n>]`. Only such
/// folders are ever listed, pruned or cleaned up, whatever else the store folder holds.
pub fn is_release_id(name: &str) -> bool {
    let bytes = name.as_bytes();
    let stamp = bytes.len() >= 25
        && bytes[..8].iter().all(u8::is_ascii_digit)
        && bytes[8] == b'T'
        && bytes[9..15].iter().all(u8::is_ascii_digit)
        && bytes[15] == b'Z'
        && bytes[16] == b'-'
        && bytes[17..25].iter().all(|b| b.is_ascii_hexdigit());
    let suffix = &name[name.len().min(25)..];
    stamp
        && (suffix.is_empty()
            || suffix
                .strip_prefix('-')
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())))
}

/// Create the store folder and remove what killed runs left in it: unfinished release folders,
/// temporary links, and sealed releases newer than the current one that were never marked
/// current (their run died between sealing and switching).
pub fn open(store: &Path) -> Result<()> {
    fs::create_dir_all(store).map_err(|e| Error::io(store, "create the releases folder", e))?;
    let entries = fs::read_dir(store).map_err(|e| Error::io(store, "list the releases", e))?;
    let current = current(store);
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        let path = entry.path();
        let is_link = entry.file_type().is_ok_and(|t| t.is_symlink());
        let removed = if name.starts_with(".current.") && is_link {
            fs::remove_file(&path)
        } else if is_link || !entry.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        } else if name.strip_suffix(PARTIAL).is_some_and(is_release_id)
            || is_release_id(&name) && never_current(&path, &name, current.as_deref())
        {
            fs::remove_dir_all(&path)
        } else {
            continue;
        };
        removed.map_err(|e| Error::io(&path, "remove an unfinished release", e))?;
    }
    Ok(())
}

/// A sealed release (it has its release.json) without the mark of having been current, newer
/// than the current one: a release that lost its mark but was current once sorts before it.
fn never_current(path: &Path, id: &str, current: Option<&str>) -> bool {
    path.join(super::MANIFEST).is_file()
        && !path.join(PUBLISHED).exists()
        && current.is_some_and(|c| id > c)
}

/// The release ids in a store, oldest first (ids start with their UTC time), and the earlier
/// outputs an older ilms left, if kept.
pub fn releases(store: &Path) -> Vec<String> {
    let mut ids: Vec<String> = fs::read_dir(store)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|name| is_release_id(name) || name == super::ADOPTED)
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
/// is marked as one that has been current. A release current but unmarked (killed between the
/// two, or the mark could not be written) is never removed as "never current": only unmarked
/// releases newer than the current one are.
pub fn switch(store: &Path, id: &str) -> io::Result<()> {
    let temporary = store.join(format!(".current.{}", std::process::id()));
    let _ = fs::remove_file(&temporary);
    symlink_dir(Path::new(id), &temporary)?;
    fs::rename(&temporary, store.join(CURRENT)).inspect_err(|_| {
        let _ = fs::remove_file(&temporary);
    })?;
    // The switch made durable: after a power cut the link is the new one or the old one. A
    // failure here changes nothing a reader sees now, so it is not an error.
    let _ = sync_folder(store);
    let _ = mark_published(store, id);
    Ok(())
}

/// Flush every file under `dir` and then each folder's list of entries to disk, so that a power
/// cut after the switch cannot leave a current release with empty or short files (file systems
/// may write a rename before the data it names).
pub fn sync_tree(dir: &Path) -> io::Result<()> {
    injected("sync")?;
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        if kind.is_dir() {
            sync_tree(&entry.path())?;
        } else if kind.is_file() {
            fs::File::open(entry.path())?.sync_all()?;
        }
    }
    sync_folder(dir)
}

/// Flush a folder's entries (new names, renames) to disk.
#[cfg(unix)]
pub fn sync_folder(dir: &Path) -> io::Result<()> {
    fs::File::open(dir)?.sync_all()
}

/// Windows cannot open a folder to flush it; NTFS journals its renames.
#[cfg(not(unix))]
pub fn sync_folder(_dir: &Path) -> io::Result<()> {
    Ok(())
}

fn mark_published(store: &Path, id: &str) -> io::Result<()> {
    fs::write(store.join(id).join(PUBLISHED), "")
}

/// Make `follower`'s current release the one `leader` shows, if it has it: a run that died
/// between switching the confidential part and the public one left them apart.
pub fn follow(follower: &Path, leader: &Path) -> Result<()> {
    let Some(id) = current(leader) else {
        return Ok(());
    };
    if current(follower).as_deref() != Some(id.as_str()) && follower.join(&id).is_dir() {
        switch(follower, &id).map_err(|e| Error::io(follower, "make the release current", e))?;
    }
    // Parts of releases that never became current publicly go.
    for orphan in releases(follower) {
        if is_release_id(&orphan) && orphan > id && !leader.join(&orphan).is_dir() {
            let path = follower.join(&orphan);
            fs::remove_dir_all(&path)
                .map_err(|e| Error::io(&path, "remove an unfinished release", e))?;
        }
    }
    Ok(())
}

/// Remove the oldest releases beyond `keep`, never the current one, the edition revisions are
/// noted against (`spared`), nor the earlier outputs an older ilms left (the user removes those).
/// Returns what could not be removed (the new release is current either way).
pub fn prune(store: &Path, keep: usize, spared: Option<&str>) -> Vec<String> {
    let current = current(store);
    let ids: Vec<String> = releases(store)
        .into_iter()
        .filter(|id| is_release_id(id))
        .collect();
    let excess = ids.len().saturating_sub(keep);
    let mut problems = Vec::new();
    for id in ids.into_iter().take(excess) {
        if Some(&id) == current.as_ref() || Some(id.as_str()) == spared {
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

/// Make `link` a link to folder `name` of the store's current release. A real folder found there
/// (the outputs of an ilms from before releases were kept) becomes a release of its own,
/// `adopted_id`, so nothing the user had is lost (`confidential`: made 0700 there). A link that
/// leads elsewhere is the user's: refused, not re-pointed.
pub fn ensure_link(
    link: &Path,
    name: &str,
    store: &Path,
    adopted_id: &str,
    confidential: bool,
) -> Result<()> {
    let parent = link.parent().filter(|p| !p.as_os_str().is_empty());
    let parent = parent.unwrap_or(Path::new("."));
    fs::create_dir_all(parent).map_err(|e| Error::io(parent, "create an output folder", e))?;
    // Real paths on both sides: the link's text is right however the folders were named.
    let real = |p: &Path| fs::canonicalize(p).map_err(|e| Error::io(p, "find the folder", e));
    let target = real(store)?.join(CURRENT).join(name);
    let wanted = relative(&real(parent)?, &target);
    let linked = |result: io::Result<()>| {
        result.map_err(|e| Error::io(link, "link the folder to the current release", e))
    };
    match fs::symlink_metadata(link) {
        Ok(meta) if meta.file_type().is_symlink() => {
            let existing = fs::read_link(link).unwrap_or_default();
            if existing == wanted {
                return Ok(());
            }
            if !existing.ends_with(Path::new(CURRENT).join(name)) {
                return Err(Error::new(
                    link,
                    "",
                    format!(
                        "a link to {}, not to a current release of ilms",
                        existing.display()
                    ),
                    "remove the link (ilms then shows its current release there), or give [output] another folder",
                ));
            }
            // ilms's link from where the round used to be (it was moved): replaced in one step.
            let temporary = link.with_extension("ilms-link");
            let _ = fs::remove_file(&temporary);
            linked(symlink_dir(&wanted, &temporary).and_then(|_| fs::rename(&temporary, link)))
        }
        Ok(meta) if meta.is_dir() => {
            adopt(link, name, store, adopted_id, confidential)?;
            linked(symlink_dir(&wanted, link))
        }
        Ok(_) => Err(Error::new(
            link,
            "",
            "a file is where ilms shows the current release (a link to a folder)",
            "move the file away and run again",
        )),
        Err(e) if e.kind() == io::ErrorKind::NotFound => linked(symlink_dir(&wanted, link)),
        Err(e) => Err(Error::io(link, "read the output folder", e)),
    }
}

/// Move an output folder of an earlier ilms into the store as release `id`, current if the store
/// has none yet.
fn adopt(folder: &Path, name: &str, store: &Path, id: &str, confidential: bool) -> Result<()> {
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

/// `to` as seen from folder `from` (both real, absolute paths): relative, so the round can be
/// moved as a whole; absolute if they share no folder.
fn relative(from: &Path, to: &Path) -> PathBuf {
    let from: Vec<Component> = from.components().collect();
    let to_parts: Vec<Component> = to.components().collect();
    let common = from
        .iter()
        .zip(&to_parts)
        .take_while(|(a, b)| a == b)
        .count();
    if common <= 1 {
        return to.to_path_buf();
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
        let link_to = |from: &str, to: &str| relative(Path::new(from), Path::new(to));
        assert_eq!(
            link_to("/r", "/r/releases/current/processed"),
            PathBuf::from("releases/current/processed")
        );
        assert_eq!(
            link_to("/r/.ilms", "/r/.ilms/private-releases/current/private"),
            PathBuf::from("private-releases/current/private")
        );
        assert_eq!(
            link_to("/r/out", "/r/releases/current/processed"),
            PathBuf::from("../releases/current/processed")
        );
        assert_eq!(
            link_to("/a/out", "/b/releases/current/processed"),
            PathBuf::from("/b/releases/current/processed")
        );
    }

    #[test]
    fn only_release_ids_are_releases() {
        assert!(is_release_id("20261202T033714Z-a998ca39"));
        assert!(is_release_id("20261202T033714Z-a998ca39-2"));
        for name in [
            "assets",
            "raw",
            "20261202T033714Z",
            "20261202T033714Z-a998ca3x",
            "x-2",
        ] {
            assert!(!is_release_id(name), "{name}");
        }
    }
}
