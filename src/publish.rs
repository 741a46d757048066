//! Publish: write outputs as one release. Every file is written under a staging folder first and
//! renamed into place only when all of them are complete, so a failed run leaves the previous
//! release as it was. Parquet files carry the run's provenance in their footer key-value metadata.

use std::fs;
use std::path::{Path, PathBuf};

use polars::io::parquet::write::KeyValueMetadata;
use polars::prelude::*;

use crate::error::{Error, Result};

const STAGING: &str = ".ilms-staging";

/// Where each input came from: file paths and SHA-256 checksums, plus the tool version.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Provenance {
    pub tool: String,
    pub round: String,
    pub inputs: Vec<FileChecksum>,
    pub specs: Vec<FileChecksum>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct FileChecksum {
    pub path: String,
    pub sha256: String,
}

impl Provenance {
    /// Footer key-value pairs (keys prefixed `ilms:`; lists as JSON).
    fn key_values(&self) -> Vec<(String, String)> {
        let json = |v: &Vec<FileChecksum>| serde_json::to_string(v).unwrap_or_default();
        vec![
            ("ilms:tool".into(), self.tool.clone()),
            ("ilms:round".into(), self.round.clone()),
            ("ilms:inputs".into(), json(&self.inputs)),
            ("ilms:specs".into(), json(&self.specs)),
        ]
    }
}

/// A release being written: files go to staging folders until [`Release::commit`].
pub struct Release {
    /// (staging folder, final folder) for each output folder.
    folders: Vec<(PathBuf, PathBuf)>,
    /// Output folders this release created (removed again if it is abandoned while still empty).
    created: Vec<PathBuf>,
    /// Files written, relative to their output folder, with the folder's index.
    written: Vec<(usize, PathBuf)>,
    /// Folders replaced as a whole (a partitioned dataset: no stale partition may survive).
    replaced: Vec<(usize, PathBuf)>,
    /// Output folders whose files of these extensions are all this release's: files of an
    /// earlier release with them (a chart of a source no longer in the round) are removed.
    owned: Vec<(usize, Vec<String>)>,
    committed: bool,
}

impl Release {
    /// Start a release over the given output folders (e.g. processed/ and charts/).
    pub fn begin(folders: &[&Path]) -> Result<Release> {
        let mut pairs = Vec::new();
        let mut created = Vec::new();
        for folder in folders {
            if !folder.exists() {
                created.push(folder.to_path_buf());
            }
            let staging = folder.join(STAGING);
            if staging.exists() {
                // Left by a run that was killed: it never became a release.
                fs::remove_dir_all(&staging)
                    .map_err(|e| Error::io(&staging, "remove a stale staging folder", e))?;
            }
            fs::create_dir_all(&staging)
                .map_err(|e| Error::io(&staging, "create the staging folder", e))?;
            pairs.push((staging, folder.to_path_buf()));
        }
        Ok(Release {
            folders: pairs,
            created,
            written: Vec::new(),
            replaced: Vec::new(),
            owned: Vec::new(),
            committed: false,
        })
    }

    /// A path to write `relative` to in output folder `folder` (created as needed).
    pub fn path(&mut self, folder: usize, relative: impl AsRef<Path>) -> Result<PathBuf> {
        let relative = relative.as_ref().to_path_buf();
        let path = self.folders[folder].0.join(&relative);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)
                .map_err(|e| Error::io(parent, "create an output folder", e))?;
        }
        // A file written again (a source judged a second time) is still moved into place once.
        if !self.written.contains(&(folder, relative.clone())) {
            self.written.push((folder, relative));
        }
        Ok(path)
    }

    /// Leave a staged file out of the release (the records of a source that failed as a whole).
    pub fn forget(&mut self, folder: usize, relative: &str) {
        let relative = PathBuf::from(relative);
        let _ = fs::remove_file(self.folders[folder].0.join(&relative));
        self.written.retain(|w| w != &(folder, relative.clone()));
    }

    /// How many files have been written so far (a mark for [`Release::roll_back`]).
    pub fn mark(&self) -> usize {
        self.written.len()
    }

    /// Forget the files written since `mark` (a source that failed half-way under --keep-going):
    /// removed from staging, never moved into place.
    pub fn roll_back(&mut self, mark: usize) {
        for (folder, relative) in self.written.drain(mark..) {
            let _ = fs::remove_file(self.folders[folder].0.join(relative));
        }
    }

    /// A scratch path under the first output folder's staging folder: never moved into place,
    /// removed with the staging folder (working files of a run, such as the uniqueness buckets).
    pub fn scratch_path(&self, relative: &str) -> PathBuf {
        self.folders[0].0.join("scratch").join(relative)
    }

    /// Plan a streaming write of `records` as Parquet (zstd) with the provenance in its footer.
    /// Nothing is written until the runner executes the returned plan.
    pub fn sink_parquet(
        &mut self,
        folder: usize,
        relative: &str,
        records: LazyFrame,
        provenance: &Provenance,
    ) -> Result<LazyFrame> {
        let path = self.path(folder, relative)?;
        let options = parquet_options(Some(KeyValueMetadata::from_static(provenance.key_values())));
        records
            .sink(
                SinkDestination::File {
                    target: SinkTarget::Path(PlRefPath::new(path.to_string_lossy().as_ref())),
                },
                FileWriteFormat::Parquet(std::sync::Arc::new(options)),
                UnifiedSinkArgs::default(),
            )
            .map_err(|e| Error::polars(&path, "plan the Parquet write", e))
    }

    /// Rows in a staged Parquet file, read from its footer (to reconcile what the sinks wrote).
    pub fn staged_rows(&self, folder: usize, relative: &str) -> Result<usize> {
        let path = self.folders[folder].0.join(relative);
        let file = fs::File::open(&path)
            .map_err(|e| Error::io(&path, "open the written Parquet file", e))?;
        ParquetReader::new(file)
            .num_rows()
            .map_err(|e| Error::polars(&path, "read the written Parquet footer", e))
    }

    /// Write a frame as Parquet (zstd) with the provenance in its footer.
    pub fn write_parquet(
        &mut self,
        folder: usize,
        relative: &str,
        frame: &mut DataFrame,
        provenance: &Provenance,
    ) -> Result<PathBuf> {
        let path = self.path(folder, relative)?;
        let file =
            fs::File::create(&path).map_err(|e| Error::io(&path, "create the Parquet file", e))?;
        ParquetWriter::new(file)
            .with_compression(ParquetCompression::Zstd(None))
            .with_key_value_metadata(Some(KeyValueMetadata::from_static(provenance.key_values())))
            .finish(frame)
            .map_err(|e| Error::polars(&path, "write the Parquet file", e))?;
        Ok(self.final_path(folder, relative))
    }

    /// Write a text file (JSON, CSV, ...).
    pub fn write_text(
        &mut self,
        folder: usize,
        relative: &str,
        text: impl AsRef<[u8]>,
    ) -> Result<PathBuf> {
        let path = self.path(folder, relative)?;
        fs::write(&path, text).map_err(|e| Error::io(&path, "write the file", e))?;
        Ok(self.final_path(folder, relative))
    }

    /// Where a file will be once the release is committed.
    pub fn final_path(&self, folder: usize, relative: impl AsRef<Path>) -> PathBuf {
        self.folders[folder].1.join(relative)
    }

    /// Where the files written so far will be once the release is committed.
    pub fn final_paths(&self) -> Vec<PathBuf> {
        self.written
            .iter()
            .map(|(folder, relative)| self.final_path(*folder, relative))
            .collect()
    }

    /// Write `frame` as a Hive-partitioned Parquet dataset under `relative`:
    /// `<relative>/<key>=<value>/.../part-0.parquet`, one file per combination of the `keys`
    /// columns (which the files then leave out, as Hive readers expect). The folder replaces the
    /// previous release's as a whole.
    pub fn write_partitioned(
        &mut self,
        folder: usize,
        relative: &str,
        frame: &DataFrame,
        keys: &[&str],
        provenance: &Provenance,
    ) -> Result<PathBuf> {
        self.replaced.push((folder, PathBuf::from(relative)));
        let final_dir = self.final_path(folder, relative);
        let parts = frame
            .partition_by_stable(keys.iter().copied(), true)
            .map_err(|e| Error::polars(&final_dir, "partition the cells", e))?;
        for mut part in parts {
            let mut path = PathBuf::from(relative);
            for key in keys {
                let value = part
                    .column(key)
                    .and_then(|c| c.str().map(|s| s.get(0).unwrap_or("").to_string()))
                    .map_err(|e| Error::polars(&final_dir, "read a partition key", e))?;
                path.push(format!("{key}={value}"));
            }
            path.push("part-0.parquet");
            part = part.drop_many(keys.iter().copied());
            self.write_parquet(folder, &path.to_string_lossy(), &mut part, provenance)?;
        }
        Ok(final_dir)
    }

    /// Replace folder `relative` of output folder `folder` as a whole at commit: files an earlier
    /// release left there (a table of a year no longer in the round) do not survive.
    pub fn replace_folder(&mut self, folder: usize, relative: &str) {
        self.replaced.push((folder, PathBuf::from(relative)));
    }

    /// At commit, remove the files of output folder `folder` (top level) with one of `extensions`
    /// that this release did not write: the folder then holds exactly this release's files of
    /// those kinds, and the others (a README) stay.
    pub fn own_files(&mut self, folder: usize, extensions: &[&str]) {
        self.owned
            .push((folder, extensions.iter().map(|e| e.to_string()).collect()));
    }

    /// Files of the owned kinds in the final folders that this release did not write.
    fn stale_files(&self) -> Vec<PathBuf> {
        let mut stale = Vec::new();
        for (folder, extensions) in &self.owned {
            let target = &self.folders[*folder].1;
            let Ok(entries) = fs::read_dir(target) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                let owned = path
                    .extension()
                    .is_some_and(|e| extensions.iter().any(|x| e == x.as_str()));
                let relative = PathBuf::from(entry.file_name());
                if owned && path.is_file() && !self.written.contains(&(*folder, relative)) {
                    stale.push(path);
                }
            }
        }
        stale
    }

    /// Move every staged file into place. Returns the final paths.
    pub fn commit(mut self) -> Result<Vec<PathBuf>> {
        for (folder, relative) in &self.replaced {
            let old = self.folders[*folder].1.join(relative);
            if old.exists() {
                fs::remove_dir_all(&old)
                    .map_err(|e| Error::io(&old, "replace the previous release's dataset", e))?;
            }
        }
        let mut done = Vec::new();
        for (folder, relative) in &self.written {
            let (staging, target) = &self.folders[*folder];
            let from = staging.join(relative);
            let to = target.join(relative);
            if let Some(parent) = to.parent() {
                fs::create_dir_all(parent)
                    .map_err(|e| Error::io(parent, "create an output folder", e))?;
            }
            fs::rename(&from, &to)
                .map_err(|e| Error::io(&to, "move the finished file into place", e))?;
            done.push(to);
        }
        for path in self.stale_files() {
            fs::remove_file(&path)
                .map_err(|e| Error::io(&path, "remove a file of the previous release", e))?;
        }
        for (staging, _) in &self.folders {
            let _ = fs::remove_dir_all(staging);
        }
        self.committed = true;
        Ok(done)
    }
}

impl Drop for Release {
    fn drop(&mut self) {
        if !self.committed {
            for (staging, _) in &self.folders {
                let _ = fs::remove_dir_all(staging);
            }
            // remove_dir only removes empty folders: nothing the user had is touched.
            for folder in &self.created {
                let _ = fs::remove_dir(folder);
            }
        }
    }
}

/// How ilms's streaming sinks write Parquet (zstd; `key_values` in the footer): shared with the
/// benchmark that times the writer alone (examples/write_parquet.rs).
pub fn parquet_options(key_values: Option<KeyValueMetadata>) -> ParquetWriteOptions {
    ParquetWriteOptions {
        compression: ParquetCompression::Zstd(None),
        key_value_metadata: key_values,
        ..Default::default()
    }
}
