//! Incremental runs: a source whose inputs are all the same as when the current release was made
//! takes its results from that release (cells, reports, record files) instead of reading its raw
//! file again. Inputs are compared by content (SHA-256), and with them the build of ilms, the
//! round's settings, the declarations, rules, policies and code lists every source goes through.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::source_pass::SourceOutcome;
use super::Round;
use crate::error::{Error, Result};
use crate::ingest;
use crate::outcome::Pass;
use crate::publish::{store, FileChecksum, Folder, Outputs, Provenance, Release};
use crate::spec::SourceSpec;

/// A source's saved pass is kept in the confidential part of each release (its cells hold the
/// counts behind withheld ones): `passes/<source id>.json`.
const PASSES: &str = "passes";

/// What one source's results depend on: each input by name, with its digest.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub(super) struct PassInputs(BTreeMap<String, String>);

impl PassInputs {
    /// The inputs whose digest differs from `earlier`'s, or that only one of them has.
    fn changed<'a>(&'a self, earlier: &'a PassInputs) -> Vec<&'a str> {
        let names: BTreeSet<&String> = self.0.keys().chain(earlier.0.keys()).collect();
        names
            .into_iter()
            .filter(|name| self.0.get(*name) != earlier.0.get(*name))
            .map(String::as_str)
            .collect()
    }
}

/// A source's inputs as its files' footers record them and as reuse compares them.
pub(super) struct SourceInputs {
    /// The provenance in the footers of its record files: its own raw file, spec and code maps.
    pub(super) provenance: Provenance,
    pub(super) inputs: PassInputs,
}

/// Every input file's SHA-256 (each file read once per run) and the inputs all sources share.
pub(super) struct Digests {
    files: BTreeMap<PathBuf, String>,
    shared: BTreeMap<String, String>,
}

impl Digests {
    fn of(&self, path: &Path) -> String {
        self.files.get(path).cloned().unwrap_or_default()
    }
}

/// One source's results as a release keeps them for the next run.
#[derive(serde::Serialize, serde::Deserialize)]
struct SavedPass {
    inputs: PassInputs,
    /// The files its pass wrote into the release.
    files: Vec<(Folder, PathBuf)>,
    outcome: SourceOutcome,
}

/// The release current when the run began, whose saved passes may be reused.
struct Earlier {
    id: String,
    outputs: Outputs,
}

impl Earlier {
    fn path(&self, folder: Folder, relative: &Path) -> PathBuf {
        self.outputs
            .store(folder)
            .join(&self.id)
            .join(folder.name())
            .join(relative)
    }
}

/// The charts a release drew, by file stem, with the digest of what each shows (and the build
/// that drew it): `passes/charts.json`.
const CHARTS: &str = "charts.json";

/// What a run may reuse, and which sources it runs whatever their inputs.
pub(super) struct Reuse {
    earlier: Option<Earlier>,
    /// The earlier release's charts: stem to digest.
    charts: BTreeMap<String, String>,
    /// Why nothing is reused, when reuse is off.
    off: Option<&'static str>,
    forced: BTreeSet<String>,
}

impl Reuse {
    /// Reuse from the current release of `outputs` unless `enabled` is false; `forced` sources
    /// always run.
    pub(super) fn new(outputs: &Outputs, enabled: bool, forced: &[String]) -> Reuse {
        let public = store::current(&outputs.releases);
        let private = store::current(&outputs.private_releases);
        let earlier = match (public, private) {
            (Some(a), Some(b)) if a == b => Some(Earlier {
                id: a,
                outputs: outputs.clone(),
            }),
            _ => None,
        };
        let earlier = earlier.filter(|_| enabled);
        let charts = earlier
            .as_ref()
            .and_then(|e| fs::read(e.path(Folder::Private, &Path::new(PASSES).join(CHARTS))).ok())
            .and_then(|text| serde_json::from_slice(&text).ok())
            .unwrap_or_default();
        Reuse {
            earlier,
            charts,
            off: (!enabled).then_some("--no-reuse"),
            forced: forced.iter().cloned().collect(),
        }
    }

    /// The source's saved pass from the earlier release (with its file's bytes, kept as they are
    /// for the next run), or why it must run.
    fn saved(
        &self,
        spec: &SourceSpec,
        inputs: &PassInputs,
    ) -> std::result::Result<Found<'_>, String> {
        let id = &spec.source.id;
        if self.forced.contains(id) {
            return Err("named with --source".into());
        }
        if let Some(why) = self.off {
            return Err(why.into());
        }
        let earlier = self.earlier.as_ref().ok_or("no earlier release")?;
        let path = earlier.path(Folder::Private, &saved_path(id));
        let text =
            fs::read(&path).map_err(|_| format!("no result of it in release {}", earlier.id))?;
        let saved: SavedPass = serde_json::from_slice(&text)
            .map_err(|_| format!("its result in release {} could not be read", earlier.id))?;
        let changed = inputs.changed(&saved.inputs);
        if !changed.is_empty() {
            return Err(format!("changed: {}", changed.join(", ")));
        }
        let missing = saved
            .files
            .iter()
            .find(|(folder, relative)| !earlier.path(*folder, relative).is_file());
        if let Some((folder, relative)) = missing {
            let missing = Path::new(folder.name()).join(relative);
            return Err(format!(
                "{} is missing from release {}",
                missing.display(),
                earlier.id
            ));
        }
        Ok(Found {
            saved,
            text,
            earlier,
        })
    }
}

/// A saved pass that may be reused, and where from.
struct Found<'a> {
    saved: SavedPass,
    text: Vec<u8>,
    earlier: &'a Earlier,
}

/// A chart's digest: what it shows, drawn by this build.
pub(super) fn chart_digest(chart: &crate::charts::PlannedChart) -> String {
    let mut hasher = Sha256::new();
    hasher.update(build_identity().as_bytes());
    hasher.update(b"\0");
    hasher.update(chart.description().as_bytes());
    format!("{:x}", hasher.finalize())
}

impl Reuse {
    /// Put the earlier release's drawing of a chart with this `digest` into `release` (SVG and
    /// PNG linked); false if there is none.
    pub(super) fn reused_chart(
        &self,
        release: &mut Release,
        stem: &str,
        digest: &str,
    ) -> Result<bool> {
        let Some(earlier) = &self.earlier else {
            return Ok(false);
        };
        let files = [format!("{stem}.svg"), format!("{stem}.png")].map(PathBuf::from);
        let drawn = self.charts.get(stem).is_some_and(|d| d == digest)
            && files
                .iter()
                .all(|f| earlier.path(Folder::Charts, f).is_file());
        if drawn {
            for file in &files {
                release.link(Folder::Charts, file, &earlier.path(Folder::Charts, file))?;
            }
        }
        Ok(drawn)
    }
}

/// Keep the digests of the charts a release holds, for the next run.
pub(super) fn keep_charts(release: &mut Release, digests: &BTreeMap<String, String>) -> Result<()> {
    let relative = Path::new(PASSES).join(CHARTS);
    let text = serde_json::to_vec(digests)
        .map_err(|e| Error::new(&relative, "", e.to_string(), "report this bug"))?;
    release.write_unlisted(Folder::Private, &relative, &text)
}

fn saved_path(source_id: &str) -> PathBuf {
    Path::new(PASSES).join(format!("{source_id}.json"))
}

impl Round {
    /// The source's results from the earlier release, its files linked into `release`; or why
    /// it must run.
    pub(super) fn reused_pass(
        &self,
        reuse: &Reuse,
        spec: &SourceSpec,
        inputs: &PassInputs,
        release: &mut Release,
    ) -> Result<std::result::Result<SourceOutcome, String>> {
        let Found {
            saved,
            text,
            earlier,
        } = match reuse.saved(spec, inputs) {
            Ok(found) => found,
            Err(why) => return Ok(Err(why)),
        };
        for (folder, relative) in &saved.files {
            release.link(*folder, relative, &earlier.path(*folder, relative))?;
        }
        release.write_unlisted(Folder::Private, &saved_path(&spec.source.id), &text)?;
        let mut outcome = saved.outcome;
        outcome.report.pass = Pass::Reused {
            release: earlier.id.clone(),
        };
        Ok(Ok(outcome))
    }

    /// Keep a source's results (and the files it wrote since `mark`) in `release` for the next
    /// run.
    pub(super) fn save_pass(
        &self,
        release: &mut Release,
        spec: &SourceSpec,
        inputs: PassInputs,
        mark: usize,
        outcome: SourceOutcome,
    ) -> Result<SourceOutcome> {
        let saved = SavedPass {
            inputs,
            files: release.written_since(mark),
            outcome,
        };
        keep_pass(release, spec, &saved)?;
        Ok(saved.outcome)
    }

    /// Every input file's digest, and the inputs every source's pass reads.
    pub(super) fn digests(&self) -> Result<Digests> {
        let mut paths: BTreeSet<PathBuf> = BTreeSet::new();
        for spec in &self.sources {
            paths.extend(source_files(spec).into_iter().map(|(_, p)| p));
        }
        let maps = paths.clone();
        paths.extend(self.rules.files.iter().cloned());
        paths.extend([
            self.manifest.clone(),
            self.indicators.path.clone(),
            self.disclosure.path.clone(),
        ]);
        let classifications = files_under(&self.classifications.dir)?;
        paths.extend(classifications.iter().cloned());
        let mut files = BTreeMap::new();
        for path in paths {
            let digest = ingest::sha256_file(&path)?;
            files.insert(path, digest);
        }
        let digest_of = |paths: &mut dyn Iterator<Item = &PathBuf>| {
            combined(paths.map(|p| (self.relative(p), files[p].clone())))
        };
        let shared_code_lists =
            digest_of(&mut classifications.iter().filter(|p| !maps.contains(*p)));
        let mut shared = BTreeMap::new();
        shared.insert("ilms build".into(), build_identity());
        shared.insert("round settings".into(), self.settings_digest()?);
        shared.insert(
            "indicator declarations".into(),
            files[&self.indicators.path].clone(),
        );
        shared.insert("rules".into(), digest_of(&mut self.rules.files.iter()));
        shared.insert(
            "disclosure policies".into(),
            files[&self.disclosure.path].clone(),
        );
        shared.insert("code lists".into(), shared_code_lists);
        shared.insert("records published".into(), self.publish_records.to_string());
        Ok(Digests { files, shared })
    }

    /// A source's inputs: the shared ones, its raw file, spec and code maps.
    pub(super) fn source_inputs(
        &self,
        spec: &SourceSpec,
        digests: &Digests,
    ) -> Result<SourceInputs> {
        let mut inputs = digests.shared.clone();
        // The installation's secret, where the source uses it: hashed record ids, cell keys.
        let perturbs = self.disclosure.for_source(spec)?.perturbation.is_some();
        let key = match (&spec.id_key, perturbs) {
            (Some(key), _) => Some(key.clone()),
            (None, true) => Some(crate::installation::id_key(&self.root)?),
            (None, false) => None,
        };
        if let Some(key) = key {
            inputs.insert("id key".into(), format!("{:x}", Sha256::digest(&key)));
        }
        let mut specs = Vec::new();
        for (kind, path) in source_files(spec) {
            let sha256 = digests.of(&path);
            let name = match kind {
                CODE_MAP => format!("{kind} {}", self.relative(&path)),
                _ => kind.to_string(),
            };
            inputs.insert(name, sha256.clone());
            if path != spec.raw_path {
                specs.push(FileChecksum {
                    path: self.relative(&path),
                    sha256,
                });
            }
        }
        let provenance = Provenance {
            tool: tool(),
            round: self.name.clone(),
            inputs: vec![FileChecksum {
                path: self.relative(&spec.raw_path),
                sha256: digests.of(&spec.raw_path),
            }],
            specs,
        };
        Ok(SourceInputs {
            provenance,
            inputs: PassInputs(inputs),
        })
    }

    /// The round's provenance: every raw file; the manifest, declarations, specs, code maps and
    /// rules.
    pub(super) fn provenance(&self, digests: &Digests) -> Provenance {
        let checksum = |path: &PathBuf| FileChecksum {
            path: self.relative(path),
            sha256: digests.of(path),
        };
        let maps: BTreeSet<PathBuf> = self
            .sources
            .iter()
            .flat_map(source_files)
            .filter(|(kind, _)| *kind == CODE_MAP)
            .map(|(_, path)| path)
            .collect();
        let specs = [&self.manifest, &self.indicators.path]
            .into_iter()
            .chain(self.sources.iter().map(|s| &s.spec_path))
            .chain(&maps)
            .chain(&self.rules.files)
            .map(checksum)
            .collect();
        Provenance {
            tool: tool(),
            round: self.name.clone(),
            inputs: self.sources.iter().map(|s| checksum(&s.raw_path)).collect(),
            specs,
        }
    }

    fn relative(&self, path: &Path) -> String {
        path.strip_prefix(&self.root)
            .unwrap_or(path)
            .display()
            .to_string()
    }

    /// The manifest apart from its list of sources (adding a source re-runs only that source) and
    /// the edition revisions are noted against.
    fn settings_digest(&self) -> Result<String> {
        let text = fs::read_to_string(&self.manifest)
            .map_err(|e| Error::io(&self.manifest, "read the manifest", e))?;
        let mut value: toml::Value = toml::from_str(&text)
            .map_err(|e| Error::new(&self.manifest, "", e.to_string(), "correct the manifest"))?;
        if let Some(round) = value.get_mut("round").and_then(|r| r.as_table_mut()) {
            round.remove("sources");
        }
        // Revisions are noted across sources, after the passes: naming another edition re-runs none.
        if let Some(output) = value.get_mut("output").and_then(|o| o.as_table_mut()) {
            output.remove("revised_since");
        }
        Ok(format!(
            "{:x}",
            Sha256::digest(value.to_string().as_bytes())
        ))
    }
}

/// Write `saved` as the source's saved pass in `release`.
fn keep_pass(release: &mut Release, spec: &SourceSpec, saved: &SavedPass) -> Result<()> {
    let relative = saved_path(&spec.source.id);
    let text = serde_json::to_vec(saved)
        .map_err(|e| Error::new(&relative, "", e.to_string(), "report this bug"))?;
    release.write_unlisted(Folder::Private, &relative, &text)
}

const CODE_MAP: &str = "code map";

/// A source's own input files, each with what it is (raw file, source spec, code map).
fn source_files(spec: &SourceSpec) -> Vec<(&'static str, PathBuf)> {
    let mut files = vec![
        ("raw file", spec.raw_path.clone()),
        ("source spec", spec.spec_path.clone()),
    ];
    for variable in &spec.variables {
        let maps = variable
            .map_file
            .iter()
            .chain(variable.crosswalk.as_ref().and_then(|c| c.path.as_ref()));
        files.extend(maps.map(|path| (CODE_MAP, path.clone())));
    }
    files.sort();
    files.dedup();
    files
}

/// One digest of several named digests.
fn combined(parts: impl Iterator<Item = (String, String)>) -> String {
    let mut hasher = Sha256::new();
    for (name, digest) in parts {
        hasher.update(name.as_bytes());
        hasher.update(b"\0");
        hasher.update(digest.as_bytes());
        hasher.update(b"\n");
    }
    format!("{:x}", hasher.finalize())
}

/// Every file under `dir`, sorted.
fn files_under(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let entries =
            fs::read_dir(&folder).map_err(|e| Error::io(&folder, "list the code lists", e))?;
        for entry in entries {
            let path = entry
                .map_err(|e| Error::io(&folder, "list the code lists", e))?
                .path();
            if path.is_dir() {
                folders.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

fn tool() -> String {
    format!("ilms {}", env!("CARGO_PKG_VERSION"))
}

/// The running build of ilms: its version and its executable's size and modification time
/// (hashing the executable would cost seconds for a debug build). A rebuilt ilms re-runs every
/// source.
fn build_identity() -> String {
    let stamp = std::env::current_exe()
        .and_then(fs::metadata)
        .map(|m| {
            let modified = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            format!("{} bytes, modified {modified}", m.len())
        })
        .unwrap_or_else(|_| "unknown".into());
    format!("{} ({stamp})", tool())
}
