//! Publish: write outputs as one release. Every release is written in a folder of its own and
//! made current in one atomic step (see [`store`]), so a failed or killed run leaves the previous
//! release as it was and readers never see half of one. Parquet files carry the run's provenance in
//! their footer key-value metadata.

pub mod store;

use std::fs;
use std::path::{Path, PathBuf};

use polars::io::parquet::write::KeyValueMetadata;
use polars::prelude::*;

use crate::error::{Error, Result};
/// Where each input came from: file paths and SHA-256 checksums, plus the tool version.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Provenance {
    pub tool: String,
    pub round: String,
    pub inputs: Vec<FileChecksum>,
    pub specs: Vec<FileChecksum>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
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

/// The output folders of a release.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Folder {
    /// Indicators, exports, tables, reports and published records: `processed/`.
    Processed,
    /// Charts: `charts/`.
    Charts,
    /// Confidential records of protected sources, for the office's own use: `.ilms/private`,
    /// kept apart from the public release (a store only its owner may open, 0700).
    Private,
}

impl Folder {
    pub const ALL: [Folder; 3] = [Folder::Processed, Folder::Charts, Folder::Private];

    /// The folder's name inside a release.
    pub fn name(self) -> &'static str {
        match self {
            Folder::Processed => "processed",
            Folder::Charts => "charts",
            Folder::Private => "private",
        }
    }
}

/// Where a round's releases are kept, and the links through which users open the current one.
#[derive(Debug, Clone)]
pub struct Outputs {
    /// `[output] processed`: a link to the current release's processed/.
    pub processed: PathBuf,
    /// `[output] charts`: a link to the current release's charts/.
    pub charts: PathBuf,
    /// A link to the current release's confidential records (next to the id key).
    pub private: PathBuf,
    /// `[output] releases`: one folder per public release (processed/, charts/ and release.json)
    /// and the link `current`.
    pub releases: PathBuf,
    /// The confidential part of each release, under the same id (`.ilms/private-releases/`,
    /// 0700): copying a release folder never copies confidential records.
    pub private_releases: PathBuf,
    /// `[output] keep_releases`: how many releases are kept (the current one always is).
    pub keep: usize,
    /// `[output] revised_since`: the edition whose figures revisions are noted against; kept
    /// whatever `keep` says.
    pub revised_since: Option<String>,
}

impl Outputs {
    /// Every output under one folder: a trial run's (`--out`) or `ilms validate`'s.
    pub fn under(dir: &Path, keep: usize) -> Outputs {
        Outputs {
            processed: dir.join("processed"),
            charts: dir.join("charts"),
            private: dir.join("private"),
            releases: dir.join("releases"),
            private_releases: dir.join("private-releases"),
            keep,
            revised_since: None,
        }
    }

    /// The current release's `folder`, resolved (a reader that resolves it once reads one release
    /// even if a run makes another current meanwhile); the link itself if there is none.
    pub fn current(&self, folder: Folder) -> PathBuf {
        let link = self.link(folder);
        fs::canonicalize(link).unwrap_or_else(|_| link.to_path_buf())
    }

    /// The store `folder`'s part of each release is kept in.
    pub fn store(&self, folder: Folder) -> &Path {
        match folder {
            Folder::Private => &self.private_releases,
            _ => &self.releases,
        }
    }

    /// Both stores, the confidential one first (it is switched first).
    fn stores(&self) -> [&Path; 2] {
        [&self.private_releases, &self.releases]
    }

    /// The link users open for `folder`.
    pub fn link(&self, folder: Folder) -> &Path {
        match folder {
            Folder::Processed => &self.processed,
            Folder::Charts => &self.charts,
            Folder::Private => &self.private,
        }
    }
}

/// What a committed release is, and what could not be tidied after it became current.
#[derive(Debug, Clone)]
pub struct Committed {
    pub id: String,
    /// Old releases that could not be removed (the new release is current regardless).
    pub problems: Vec<String>,
}

/// The id given to outputs of an earlier ilms found in place of a link: listed among the
/// releases, never pruned (the user removes it).
pub const ADOPTED: &str = "0-earlier-outputs";

/// A release being written: files go to the release's own folders until [`Release::commit`].
pub struct Release {
    id: String,
    outputs: Outputs,
    provenance: Provenance,
    /// Files written, relative to their output folder.
    written: Vec<(Folder, PathBuf)>,
    committed: bool,
}

impl Release {
    /// Start a release: the store folders (cleared of what killed runs left), the links users
    /// open, and this release's folders.
    pub fn begin(outputs: &Outputs, provenance: &Provenance) -> Result<Release> {
        crate::installation::private_folder(&outputs.private_releases)?;
        for store in outputs.stores() {
            store::open(store)?;
        }
        store::follow(&outputs.private_releases, &outputs.releases)?;
        for folder in Folder::ALL {
            let confidential = folder == Folder::Private;
            let (link, store) = (outputs.link(folder), outputs.store(folder));
            store::ensure_link(link, folder.name(), store, ADOPTED, confidential)?;
        }
        let release = Release {
            id: release_id(outputs, provenance),
            outputs: outputs.clone(),
            provenance: provenance.clone(),
            written: Vec::new(),
            committed: false,
        };
        for folder in Folder::ALL {
            let staging = release.staging(folder);
            fs::create_dir_all(&staging)
                .map_err(|e| Error::io(&staging, "create the release folder", e))?;
        }
        Ok(release)
    }

    /// The release's id (its UTC time and a hash of its inputs).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The release's folder in `store` while it is written.
    fn partial(&self, store: &Path) -> PathBuf {
        store.join(format!("{}{}", self.id, store::PARTIAL))
    }

    /// Where `folder`'s files are written until the release is sealed.
    fn staging(&self, folder: Folder) -> PathBuf {
        self.partial(self.outputs.store(folder)).join(folder.name())
    }

    /// `folder` as written so far (before the seal): what the release being written compares
    /// with the current one.
    pub fn staged(&self, folder: Folder) -> PathBuf {
        self.staging(folder)
    }

    /// A path to write `relative` to in output folder `folder` (created as needed).
    pub fn path(&mut self, folder: Folder, relative: impl AsRef<Path>) -> Result<PathBuf> {
        let relative = relative.as_ref().to_path_buf();
        let path = self.staging(folder).join(&relative);
        let created = store::injected("write").and_then(|_| match path.parent() {
            Some(parent) => fs::create_dir_all(parent),
            None => Ok(()),
        });
        created.map_err(|e| Error::io(&path, "create an output folder", e))?;
        // A file written again (a source judged a second time) is listed once.
        if !self.written.contains(&(folder, relative.clone())) {
            self.written.push((folder, relative));
        }
        Ok(path)
    }

    /// Leave a staged file out of the release (the records of a source that failed as a whole).
    pub fn forget(&mut self, folder: Folder, relative: &str) {
        let relative = PathBuf::from(relative);
        let _ = fs::remove_file(self.staging(folder).join(&relative));
        self.written.retain(|w| w != &(folder, relative.clone()));
    }

    /// How many files have been written so far (a mark for [`Release::roll_back`]).
    pub fn mark(&self) -> usize {
        self.written.len()
    }

    /// Forget the files written since `mark` (a source that failed half-way under --keep-going).
    pub fn roll_back(&mut self, mark: usize) {
        let dropped: Vec<_> = self.written.drain(mark..).collect();
        for (folder, relative) in dropped {
            let _ = fs::remove_file(self.staging(folder).join(relative));
        }
    }

    /// The files written since `mark`, by folder.
    pub fn written_since(&self, mark: usize) -> Vec<(Folder, PathBuf)> {
        self.written[mark..].to_vec()
    }

    /// Put an earlier release's file `from` into this one as `relative` in `folder`: a hard link
    /// (releases are never written after they are sealed), or a copy where links cannot be made.
    pub fn link(&mut self, folder: Folder, relative: &Path, from: &Path) -> Result<()> {
        let path = self.path(folder, relative)?;
        let _ = fs::remove_file(&path);
        fs::hard_link(from, &path)
            .or_else(|_| fs::copy(from, &path).map(|_| ()))
            .map_err(|e| Error::io(&path, "take the file from the earlier release", e))
    }

    /// Write a file into the confidential part of the release that is not one of its outputs
    /// (a source's saved pass for the next run): not listed, not in the run's file list.
    pub fn write_unlisted(&mut self, folder: Folder, relative: &Path, bytes: &[u8]) -> Result<()> {
        let path = self.staging(folder).join(relative);
        let written = match path.parent() {
            Some(parent) => fs::create_dir_all(parent),
            None => Ok(()),
        }
        .and_then(|_| fs::write(&path, bytes));
        written.map_err(|e| Error::io(&path, "write the file", e))
    }

    /// A scratch path for working files of a run (the uniqueness buckets): in the confidential
    /// folder, removed before the release is sealed.
    pub fn scratch_path(&self, relative: &str) -> PathBuf {
        self.staging(Folder::Private).join(SCRATCH).join(relative)
    }

    /// Plan a streaming write of `records` as Parquet (zstd) with a provenance in its footer.
    /// The records are written when the runner executes the returned plan (only the footer's
    /// declaration of `Enum` columns as text is found now, from an empty file).
    /// `provenance` is the footer's: a source's records carry the inputs they came from.
    pub fn sink_parquet(
        &mut self,
        folder: Folder,
        relative: &str,
        mut records: LazyFrame,
        provenance: &Provenance,
    ) -> Result<LazyFrame> {
        let path = self.path(folder, relative)?;
        let schema = records
            .collect_schema()
            .map_err(|e| Error::polars(&path, "plan the Parquet write", e))?;
        let mut key_values = provenance.key_values();
        if schema.iter_values().any(DataType::is_enum) {
            let scratch = self.scratch_path(&format!("declared/{relative}"));
            let declared = text_declaration(&schema, &scratch);
            // A scratch file left behind goes with the scratch folder when the release is sealed.
            let _ = fs::remove_file(&scratch);
            let doing = "write an empty Parquet file to declare the columns as text";
            key_values.push(declared.map_err(|e| Error::polars(&scratch, doing, e))?);
        }
        let options = parquet_options(Some(KeyValueMetadata::from_static(key_values)));
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
    pub fn staged_rows(&self, folder: Folder, relative: &str) -> Result<usize> {
        let path = self.staging(folder).join(relative);
        let file = fs::File::open(&path)
            .map_err(|e| Error::io(&path, "open the written Parquet file", e))?;
        ParquetReader::new(file)
            .num_rows()
            .map_err(|e| Error::polars(&path, "read the written Parquet footer", e))
    }

    /// Write a frame as Parquet (zstd) with the provenance in its footer.
    pub fn write_parquet(
        &mut self,
        folder: Folder,
        relative: &str,
        frame: &mut DataFrame,
    ) -> Result<PathBuf> {
        let path = self.path(folder, relative)?;
        let file =
            fs::File::create(&path).map_err(|e| Error::io(&path, "create the Parquet file", e))?;
        let key_values = KeyValueMetadata::from_static(self.provenance.key_values());
        ParquetWriter::new(file)
            .with_compression(ParquetCompression::Zstd(None))
            .with_key_value_metadata(Some(key_values))
            .finish(frame)
            .map_err(|e| Error::polars(&path, "write the Parquet file", e))?;
        Ok(self.final_path(folder, relative))
    }

    /// Write a text file (JSON, CSV, ...).
    pub fn write_text(
        &mut self,
        folder: Folder,
        relative: &str,
        text: impl AsRef<[u8]>,
    ) -> Result<PathBuf> {
        let path = self.path(folder, relative)?;
        fs::write(&path, text).map_err(|e| Error::io(&path, "write the file", e))?;
        Ok(self.final_path(folder, relative))
    }

    /// Where a file will be seen once the release is current.
    pub fn final_path(&self, folder: Folder, relative: impl AsRef<Path>) -> PathBuf {
        self.outputs.link(folder).join(relative)
    }

    /// Where the files written so far will be seen once the release is current.
    pub fn final_paths(&self) -> Vec<PathBuf> {
        self.written
            .iter()
            .map(|(folder, relative)| self.final_path(*folder, relative))
            .collect()
    }

    /// Write `frame` as a Hive-partitioned Parquet dataset under `relative`:
    /// `<relative>/<key>=<value>/.../part-0.parquet`, one file per combination of the `keys`
    /// columns (which the files then leave out, as Hive readers expect).
    pub fn write_partitioned(
        &mut self,
        folder: Folder,
        relative: &str,
        frame: &DataFrame,
        keys: &[&str],
    ) -> Result<PathBuf> {
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
            self.write_parquet(folder, &path.to_string_lossy(), &mut part)?;
        }
        Ok(final_dir)
    }

    /// Seal the release (its files listed with their checksums in `release.json`) and make it
    /// current; then remove releases beyond the number kept.
    pub fn commit(mut self) -> Result<Committed> {
        let _ = fs::remove_dir_all(self.staging(Folder::Private).join(SCRATCH));
        self.write_manifest()?;
        for store in self.outputs.stores() {
            let partial = self.partial(store);
            store::sync_tree(&partial)
                .map_err(|e| Error::io(&partial, "flush the release to disk", e))?;
        }
        for store in self.outputs.stores() {
            let sealed = store.join(&self.id);
            store::injected("seal")
                .and_then(|_| fs::rename(self.partial(store), &sealed))
                .and_then(|_| store::sync_folder(store))
                .map_err(|e| Error::io(&sealed, "seal the release", e))?;
        }
        self.switch()?;
        self.committed = true;
        let mut problems = Vec::new();
        for store in self.outputs.stores() {
            problems.extend(store::prune(
                store,
                self.outputs.keep,
                self.outputs.revised_since.as_deref(),
            ));
        }
        Ok(Committed {
            id: self.id.clone(),
            problems,
        })
    }

    /// Make the sealed release current: the confidential part, then the public one (the step that
    /// publishes, one rename). If that fails the confidential part goes back; if the process dies
    /// between the two, the next run puts it back ([`store::follow`]).
    fn switch(&self) -> Result<()> {
        let private = &self.outputs.private_releases;
        let previous = store::current(private);
        store::switch(private, &self.id)
            .map_err(|e| Error::io(private, "make the release current", e))?;
        let public = &self.outputs.releases;
        let switched = store::injected("switch").and_then(|_| store::switch(public, &self.id));
        if let Err(e) = switched {
            let _ = match previous {
                Some(id) => store::switch(private, &id),
                None => fs::remove_file(private.join(store::CURRENT)),
            };
            return Err(Error::io(public, "make the release current", e));
        }
        Ok(())
    }

    /// `release.json`: the release's id, inputs and every public file with its size and SHA-256,
    /// so that a reader can check a release is whole and tell what changed between two.
    fn write_manifest(&mut self) -> Result<()> {
        let mut files = Vec::new();
        let mut written = self.written.clone();
        written.sort();
        for (folder, relative) in written.iter().filter(|(f, _)| *f != Folder::Private) {
            let path = self.staging(*folder).join(relative);
            let bytes = fs::metadata(&path)
                .map_err(|e| Error::io(&path, "read the written file", e))?
                .len();
            files.push(ReleaseFile {
                path: Path::new(folder.name())
                    .join(relative)
                    .to_string_lossy()
                    .into(),
                bytes,
                sha256: crate::ingest::sha256_file(&path)?,
            });
        }
        let manifest = ReleaseManifest {
            id: self.id.clone(),
            created: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            provenance: self.provenance.clone(),
            files,
        };
        let path = self.partial(&self.outputs.releases).join(MANIFEST);
        let text = serde_json::to_string_pretty(&manifest)
            .map_err(|e| Error::new(&path, "", e.to_string(), "report this bug"))?;
        store::injected("manifest")
            .and_then(|_| fs::write(&path, text))
            .map_err(|e| Error::io(&path, "write the release manifest", e))
    }
}

/// Working files of a run inside its release folder, removed before the release is sealed.
const SCRATCH: &str = "scratch";

/// The file in each release folder that lists what it holds.
pub const MANIFEST: &str = "release.json";

/// `release.json`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ReleaseManifest {
    pub id: String,
    /// When the release was sealed (UTC, RFC 3339).
    pub created: String,
    pub provenance: Provenance,
    pub files: Vec<ReleaseFile>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ReleaseFile {
    /// Relative to the release folder, e.g. `processed/indicators_ilostat.csv`.
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
}

/// The releases kept in `store`, newest first, as an aligned table (`ilms releases`).
pub fn releases_table(store: &Path) -> String {
    let current = store::current(store);
    let mut lines = vec![format!(
        "{:<28} {:<21} {:>6} {:>12}",
        "release", "created (UTC)", "files", "bytes"
    )];
    for id in store::releases(store).into_iter().rev() {
        let manifest: Option<ReleaseManifest> = fs::read_to_string(store.join(&id).join(MANIFEST))
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok());
        let (created, files, bytes) = match &manifest {
            Some(m) => (
                m.created.clone(),
                m.files.len().to_string(),
                m.files.iter().map(|f| f.bytes).sum::<u64>().to_string(),
            ),
            None => ("(no release.json)".into(), String::new(), String::new()),
        };
        let mark = if current.as_deref() == Some(id.as_str()) {
            "  current"
        } else {
            ""
        };
        lines.push(format!(
            "{id:<28} {created:<21} {files:>6} {bytes:>12}{mark}"
        ));
    }
    if lines.len() == 1 {
        return format!("no releases in {}: run `ilms run` first\n", store.display());
    }
    lines.join("\n") + "\n"
}

/// `<UTC time>-<8 hex digits of the inputs' hash>`, unique in the stores (a suffix if two runs
/// of the same inputs start in the same second).
fn release_id(outputs: &Outputs, provenance: &Provenance) -> String {
    use sha2::{Digest, Sha256};
    let inputs = serde_json::to_string(provenance).unwrap_or_default();
    let hash = format!("{:x}", Sha256::digest(inputs.as_bytes()));
    let stem = format!("{}-{}", later_second(outputs), &hash[..8]);
    let taken = |id: &str| {
        outputs.stores().iter().any(|store| {
            store.join(id).exists() || store.join(format!("{id}{}", store::PARTIAL)).exists()
        })
    };
    let mut id = stem.clone();
    let mut n = 1;
    while taken(&id) {
        n += 1;
        id = format!("{stem}-{n}");
    }
    id
}

/// The UTC time to the second, after the newest release's: ids sort in the order releases were
/// made (`ilms diff` takes "the one before" by id), so a run in the same second as the newest
/// release waits for the next second.
fn later_second(outputs: &Outputs) -> String {
    let stamp = |now: chrono::DateTime<chrono::Utc>| now.format("%Y%m%dT%H%M%SZ").to_string();
    let newest = store::releases(&outputs.releases)
        .into_iter()
        .rfind(|id| store::is_release_id(id));
    let mut now = chrono::Utc::now();
    // At most two waits: a clock set back further is not waited for (README says so).
    for _ in 0..2 {
        if newest.as_ref().is_none_or(|id| id[..16] < *stamp(now)) {
            break;
        }
        let rest = 1000 - now.timestamp_subsec_millis().min(999);
        std::thread::sleep(std::time::Duration::from_millis(u64::from(rest) + 1));
        now = chrono::Utc::now();
    }
    stamp(now)
}

impl Drop for Release {
    fn drop(&mut self) {
        if self.committed {
            return;
        }
        // Abandoned: its folders go, sealed or not (it never became current).
        for store in self.outputs.stores() {
            let _ = fs::remove_dir_all(self.partial(store));
            if store::current(store).as_deref() != Some(self.id.as_str()) {
                let _ = fs::remove_dir_all(store.join(&self.id));
            }
        }
    }
}

/// The Arrow schema a Parquet footer declares (`ARROW:schema`) for records whose `Enum` columns
/// (coded columns, written as dictionaries without hashing: `lookup::EnumOf`) are declared as
/// text: the declaration the same sink writes for the same columns as text, taken from an empty
/// file at `scratch`. pandas, R and pyarrow then read text, not categories (DuckDB reads the
/// Parquet types, which are text either way). Polars' writer keeps an `ARROW:schema` given in
/// the footer's key-value pairs and adds its own only where none is given.
fn text_declaration(schema: &Schema, scratch: &Path) -> PolarsResult<(String, String)> {
    let as_text = schema.iter().map(|(name, dtype)| {
        let dtype = if dtype.is_enum() {
            DataType::String
        } else {
            dtype.clone()
        };
        Column::new_empty(name.clone(), &dtype)
    });
    let empty = DataFrame::new(0, as_text.collect())?;
    if let Some(folder) = scratch.parent() {
        fs::create_dir_all(folder)?;
    }
    let target = SinkTarget::Path(PlRefPath::new(scratch.to_string_lossy().as_ref()));
    empty
        .lazy()
        .sink(
            SinkDestination::File { target },
            FileWriteFormat::Parquet(std::sync::Arc::new(parquet_options(None))),
            UnifiedSinkArgs::default(),
        )?
        .collect_with_engine(Engine::Streaming)?;
    let metadata = ParquetReader::new(fs::File::open(scratch)?)
        .get_metadata()?
        .clone();
    let declared = metadata
        .key_value_metadata()
        .iter()
        .flatten()
        .find(|kv| kv.key == ARROW_SCHEMA)
        .and_then(|kv| kv.value.clone());
    let missing = || polars_err!(ComputeError: "the sink wrote no {ARROW_SCHEMA}");
    Ok((ARROW_SCHEMA.to_string(), declared.ok_or_else(missing)?))
}

/// The footer key of the Arrow schema Parquet readers restore the column types from.
const ARROW_SCHEMA: &str = "ARROW:schema";

/// How ilms's streaming sinks write Parquet (zstd; `key_values` in the footer): shared with the
/// benchmark that times the writer alone (examples/write_parquet.rs).
pub fn parquet_options(key_values: Option<KeyValueMetadata>) -> ParquetWriteOptions {
    ParquetWriteOptions {
        compression: ParquetCompression::Zstd(None),
        key_value_metadata: key_values,
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_release_made_in_the_same_second_as_the_newest_sorts_after_it() {
        let dir = std::env::temp_dir().join(format!("ilms-release-id-{}", std::process::id()));
        let outputs = Outputs::under(&dir, 2);
        let now = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
        // The newest release has this second and a hash that sorts after any other.
        let newest = format!("{now}-ffffffff");
        fs::create_dir_all(outputs.releases.join(&newest)).expect("store");
        let id = release_id(&outputs, &Provenance::default());
        let _ = fs::remove_dir_all(&dir);
        assert!(id > newest, "{id} after {newest}");
        assert!(store::is_release_id(&id), "{id}");
    }
}
