//! What an installation keeps in `.ilms/` beside the manifest, a folder only its owner may enter
//! (0700): the secret key that hashes identifying record ids (HMAC-SHA256; file 0600), and the lock
//! that keeps two runs from publishing in one round at once.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{Error, Result};

/// The shortest key accepted, in bytes: a key an attacker could guess makes every hashed
/// passport number recoverable (a dictionary of ids hashed under it).
pub const MIN_KEY_BYTES: usize = 32;

/// The key: `ILMS_ID_KEY` if set, else `.ilms/id_key`, created (64 random hex digits) on first use.
/// Keep it: with the same key, the same person gets the same `record_id` in every run; without
/// it, ids cannot be traced back.
pub fn id_key(root: &Path) -> Result<Arc<[u8]>> {
    if let Ok(key) = std::env::var("ILMS_ID_KEY") {
        return checked(key.trim(), Path::new("ILMS_ID_KEY"));
    }
    let path = key_path(root);
    if !path.exists() {
        create(&path)?;
    }
    let key = fs::read_to_string(&path).map_err(|e| Error::io(&path, "read the id key", e))?;
    checked(key.trim(), &path)
}

fn key_path(root: &Path) -> PathBuf {
    root.join(".ilms").join("id_key")
}

fn checked(key: &str, from: &Path) -> Result<Arc<[u8]>> {
    if key.len() < MIN_KEY_BYTES {
        return Err(Error::new(
            from,
            "",
            format!(
                "the id key has {} bytes; at least {MIN_KEY_BYTES} are needed (a short key lets anyone recover identifiers from their hashed record ids)",
                key.len()
            ),
            "restore the key from your backup; or, for a new installation, delete the file (a new random key is made; record ids then change) or set ILMS_ID_KEY to 64 random hex digits",
        ));
    }
    Ok(key.as_bytes().to_vec().into())
}

/// Write a new random key atomically (a temporary file renamed into place), owner-only.
fn create(path: &Path) -> Result<()> {
    let folder = path.parent().unwrap_or(Path::new("."));
    private_folder(folder)?;
    let mut random = [0u8; 32];
    getrandom::fill(&mut random).map_err(|e| {
        Error::new(
            path,
            "",
            format!("no secure random source: {e}"),
            "set ILMS_ID_KEY to 64 random hex digits",
        )
    })?;
    let hex: String = random.iter().map(|b| format!("{b:02x}")).collect();
    let temporary = folder.join(format!(".id_key.{}", std::process::id()));
    let written = owner_only_file(&temporary)
        .and_then(|mut f| f.write_all(hex.as_bytes()).and_then(|_| f.sync_all()))
        .and_then(|_| fs::rename(&temporary, path));
    written.map_err(|e| {
        let _ = fs::remove_file(&temporary);
        Error::io(path, "write the id key", e)
    })
}

/// A folder only its owner may enter (0700).
pub(crate) fn private_folder(folder: &Path) -> Result<()> {
    fs::create_dir_all(folder).map_err(|e| Error::io(folder, "create the folder", e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(folder, fs::Permissions::from_mode(0o700))
            .map_err(|e| Error::io(folder, "make the folder private (0700)", e))?;
    }
    Ok(())
}

/// A new file only its owner may read (0600).
fn owner_only_file(path: &Path) -> std::io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// Held while a run publishes in a round: a second run refuses instead of deleting the first's
/// staging folder. The operating system releases it when the process ends, however it ends, so a
/// killed run leaves no stale lock.
pub struct RunLock {
    _file: fs::File,
}

impl RunLock {
    pub fn take(root: &Path) -> Result<RunLock> {
        let folder = root.join(".ilms");
        private_folder(&folder)?;
        let path = folder.join("run.lock");
        let file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::io(&path, "open the run lock", e))?;
        match file.try_lock() {
            Ok(()) => Ok(RunLock { _file: file }),
            Err(fs::TryLockError::WouldBlock) => Err(Error::new(
                &path,
                "",
                "another ilms run is publishing in this round",
                "wait for it to finish and run again (the lock is released when that run ends, even if it is killed)",
            )),
            Err(fs::TryLockError::Error(e)) => Err(Error::io(&path, "take the run lock", e)),
        }
    }
}
