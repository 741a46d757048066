//! Repeated record ids, found in bounded memory.
//!
//! Uniqueness needs every record's id seen before it can say which repeat. Holding one entry per
//! record in a hash table would grow with the source; instead a 64-bit hash of each id is appended
//! to one of 256 bucket files by its first byte (hashes are uniform, so the buckets are even), and
//! each bucket is then sorted on its own: equal neighbours are repeated hashes. A bucket too large
//! to sort within [`MAX_SORTED`] is split again by the hash's next byte, so the memory stays under
//! about 16 MiB of buffers plus 32 MiB for one sorted bucket whatever the number of records; the
//! disk holds 8 bytes a record until the pass ends. Equal hashes are only candidates: the caller
//! confirms them on the ids themselves (two ids can share a hash).

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

const BUCKETS: usize = 256;
/// Hashes held per bucket before they are appended to its file (256 × 8,192 × 8 bytes = 16 MiB).
const BUFFERED: usize = 8192;
/// The largest bucket sorted in memory (4M hashes, 32 MiB); larger ones are split again.
pub const MAX_SORTED: usize = 1 << 22;

/// Id hashes of one source, spread over bucket files in `folder` by one byte of the hash.
/// (`Default` is only the placeholder `std::mem::take` leaves behind; build one with `new`.)
#[derive(Default)]
pub struct IdHashes {
    folder: PathBuf,
    /// Which byte of the hash picks the bucket: 0 is the most significant.
    level: u32,
    buffers: Vec<Vec<u64>>,
    /// Hashes a bucket holds before they go to its file.
    buffered: usize,
    counts: Vec<u64>,
    /// The first write that failed (the streaming engine only carries a message back).
    failure: Option<(PathBuf, io::Error)>,
}

impl IdHashes {
    /// Buckets in `folder` (created when the first bucket is written; removed by
    /// [`IdHashes::repeated`]).
    pub fn new(folder: impl Into<PathBuf>) -> IdHashes {
        IdHashes::at_level(folder.into(), 0, BUFFERED)
    }

    fn at_level(folder: PathBuf, level: u32, buffered: usize) -> IdHashes {
        IdHashes {
            folder,
            level,
            buffered,
            buffers: vec![Vec::new(); BUCKETS],
            counts: vec![0; BUCKETS],
            failure: None,
        }
    }

    fn bucket_of(&self, hash: u64) -> usize {
        ((hash >> (56 - 8 * self.level)) & 0xff) as usize
    }

    fn bucket_path(&self, bucket: usize) -> PathBuf {
        self.folder.join(format!("{bucket:02x}"))
    }

    /// Add hashes; on a write failure the error is kept for [`IdHashes::take_failure`].
    pub fn extend(&mut self, hashes: impl IntoIterator<Item = u64>) -> io::Result<()> {
        for hash in hashes {
            let bucket = self.bucket_of(hash);
            self.counts[bucket] += 1;
            self.buffers[bucket].push(hash);
            if self.buffers[bucket].len() >= self.buffered {
                self.flush(bucket)?;
            }
        }
        Ok(())
    }

    /// The write failure that stopped [`IdHashes::extend`], with the file it was writing.
    pub fn take_failure(&mut self) -> Option<(PathBuf, io::Error)> {
        self.failure.take()
    }

    fn flush(&mut self, bucket: usize) -> io::Result<()> {
        let path = self.bucket_path(bucket);
        let written = fs::create_dir_all(&self.folder).and_then(|()| {
            let bytes: Vec<u8> = self.buffers[bucket]
                .iter()
                .flat_map(|h| h.to_le_bytes())
                .collect();
            fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)?
                .write_all(&bytes)
        });
        match written {
            Ok(()) => {
                self.buffers[bucket].clear();
                Ok(())
            }
            Err(e) => {
                let kept = io::Error::new(e.kind(), e.to_string());
                self.failure = Some((path, kept));
                Err(e)
            }
        }
    }

    /// The hashes seen more than once, sorted; removes the bucket files. Buckets of up to
    /// `max_sorted` hashes are sorted in memory, larger ones split again.
    pub fn repeated(mut self, max_sorted: usize) -> Result<Vec<u64>, (PathBuf, io::Error)> {
        let mut repeated = Vec::new();
        for bucket in 0..BUCKETS {
            let path = self.bucket_path(bucket);
            let count = self.counts[bucket];
            if count >= 2 {
                self.bucket_repeats(bucket, max_sorted, &mut repeated)
                    .map_err(|e| (path.clone(), e))?;
            }
            if path.exists() {
                fs::remove_file(&path).map_err(|e| (path, e))?;
            }
        }
        if self.folder.exists() {
            fs::remove_dir_all(&self.folder).map_err(|e| (self.folder.clone(), e))?;
        }
        repeated.sort_unstable();
        Ok(repeated)
    }

    fn bucket_repeats(
        &mut self,
        bucket: usize,
        max_sorted: usize,
        repeated: &mut Vec<u64>,
    ) -> io::Result<()> {
        let path = self.bucket_path(bucket);
        let in_memory = std::mem::take(&mut self.buffers[bucket]);
        if self.level == 7 {
            // Every byte has picked a bucket: all hashes here are equal (one id, or a constant id
            // column); the bucket itself never needs to be read.
            let mut hash = in_memory.first().copied();
            if hash.is_none() {
                read_chunks(&path, |chunk| {
                    hash = chunk.first().copied();
                    Ok(false)
                })?;
            }
            repeated.extend(hash);
            return Ok(());
        }
        if self.counts[bucket] as usize <= max_sorted {
            let mut hashes = in_memory;
            if path.exists() {
                read_chunks(&path, |chunk| {
                    hashes.extend_from_slice(chunk);
                    Ok(true)
                })?;
            }
            hashes.sort_unstable();
            for run in hashes.chunk_by(|a, b| a == b) {
                if run.len() > 1 {
                    repeated.push(run[0]);
                }
            }
            return Ok(());
        }
        let folder = self.folder.join(format!("{bucket:02x}.d"));
        let mut finer = IdHashes::at_level(folder, self.level + 1, self.buffered);
        finer.extend(in_memory)?;
        if path.exists() {
            read_chunks(&path, |chunk| {
                finer.extend(chunk.iter().copied()).map(|()| true)
            })?;
            fs::remove_file(&path)?;
        }
        repeated.extend(finer.repeated(max_sorted).map_err(|(_, e)| e)?);
        Ok(())
    }
}

/// Read a bucket file in chunks of hashes, passing each to `each` while it returns true.
fn read_chunks(path: &Path, mut each: impl FnMut(&[u64]) -> io::Result<bool>) -> io::Result<()> {
    let mut file = io::BufReader::new(fs::File::open(path)?);
    let mut bytes = vec![0u8; 8 * BUFFERED];
    loop {
        let mut filled = 0;
        while filled < bytes.len() {
            match file.read(&mut bytes[filled..])? {
                0 => break,
                n => filled += n,
            }
        }
        let chunk: Vec<u64> = bytes[..filled - filled % 8]
            .chunks_exact(8)
            .map(|b| u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
            .collect();
        if chunk.is_empty() || !each(&chunk)? || filled < bytes.len() {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spread(i: u64) -> u64 {
        // A fixed odd multiplier spreads consecutive numbers over every byte (as a hash would).
        i.wrapping_mul(0x9E37_79B9_7F4A_7C15)
    }

    #[test]
    fn finds_exactly_the_repeated_hashes_in_memory_and_when_split() {
        let folder = tempfile::tempdir().unwrap();
        let mut values: Vec<u64> = (0..100_000).map(spread).collect();
        values.extend([spread(7), spread(7), spread(99_999), spread(12_345)]);
        // Forty thousand copies of one hash: a constant id column.
        values.extend(std::iter::repeat_n(spread(5), 40_000));
        // All in memory; then small buffers and buckets, so that hashes go to bucket files and
        // large buckets are split again, down to the last byte for the constant id.
        for (buffered, max_sorted) in [(BUFFERED, MAX_SORTED), (16, 64)] {
            let path = folder.path().join(format!("ids{max_sorted}"));
            let mut ids = IdHashes::at_level(path.clone(), 0, buffered);
            ids.extend(values.iter().copied()).unwrap();
            assert!(
                path.exists(),
                "the constant id fills a bucket: its file is written"
            );
            let found = ids.repeated(max_sorted).unwrap();
            let mut expected = vec![spread(5), spread(7), spread(99_999), spread(12_345)];
            expected.sort_unstable();
            assert_eq!(found, expected, "max_sorted {max_sorted}");
        }
        // Every bucket file and folder is gone.
        assert_eq!(fs::read_dir(folder.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_failed_write_is_kept_with_its_file() {
        let folder = tempfile::tempdir().unwrap();
        let blocker = folder.path().join("not-a-folder");
        fs::write(&blocker, "a file where the buckets' folder should be").unwrap();
        let mut ids = IdHashes::at_level(blocker.clone(), 0, 1);
        assert!(ids.extend([1, 2, 3]).is_err());
        let (path, _) = ids.take_failure().unwrap();
        assert!(path.starts_with(&blocker));
    }

    #[test]
    fn no_ids_no_files() {
        let folder = tempfile::tempdir().unwrap();
        let ids = IdHashes::new(folder.path().join("none"));
        assert!(ids.repeated(MAX_SORTED).unwrap().is_empty());
        assert!(!folder.path().join("none").exists());
    }
}
