//! The round manifest (`ilms.toml`): parsed, its paths resolved, and everything it names loaded
//! and checked before any record is read.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::Round;
use crate::annual;
use crate::charts;
use crate::classifications::Classifications;
use crate::contract;
use crate::disclosure;
use crate::error::{Error, Result};
use crate::indicators::Indicators;
use crate::ingest;
use crate::installation;
use crate::paths::{self, RoundFolder};
use crate::plausibility;
use crate::publish::Outputs;
use crate::rules::Rules;
use crate::sdmx;
use crate::spec::SourceSpec;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestFile {
    round: RoundSection,
    output: OutputSection,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RoundSection {
    name: String,
    sources: Vec<PathBuf>,
    indicators: PathBuf,
    #[serde(default = "default_charts")]
    charts: PathBuf,
    /// Annual tables for focal points.
    #[serde(default = "default_tables")]
    tables: PathBuf,
    classifications: PathBuf,
    /// Folder of validation rule files (`*.toml`).
    #[serde(default = "default_rules")]
    rules: PathBuf,
    /// Disclosure policies per kind of source.
    #[serde(default = "default_disclosure")]
    disclosure: PathBuf,
    /// The ILOSTAT 2026 dataflow of each indicator (SDMX exports).
    #[serde(default = "default_sdmx")]
    sdmx: PathBuf,
    /// Folders outside the round's own that its paths may lead to (e.g. a shared raw-data drive).
    #[serde(default)]
    outside_folders: Vec<PathBuf>,
}

fn default_disclosure() -> PathBuf {
    "schemas/disclosure.toml".into()
}

fn default_sdmx() -> PathBuf {
    "schemas/sdmx.toml".into()
}

fn default_charts() -> PathBuf {
    "schemas/charts.toml".into()
}

fn default_tables() -> PathBuf {
    "schemas/tables.toml".into()
}

fn default_rules() -> PathBuf {
    "schemas/rules".into()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OutputSection {
    processed: PathBuf,
    charts: PathBuf,
    /// Publish the harmonized records (processed/harmonized/*.parquet). Writing them is most of the
    /// cost of a large round; a round that only needs indicators can turn it off.
    #[serde(default = "default_true")]
    records: bool,
    /// Where releases are kept (processed/ and charts/ link to the current one).
    #[serde(default = "default_releases")]
    releases: PathBuf,
    /// How many releases are kept, the current one included.
    #[serde(default = "default_keep_releases")]
    keep_releases: usize,
}

fn default_releases() -> PathBuf {
    "releases".into()
}

fn default_keep_releases() -> usize {
    5
}

fn default_true() -> bool {
    true
}

/// Load and check the round's specs (each source id once); a key for hashed record ids if one
/// needs it.
fn load_sources(
    spec_paths: &[PathBuf],
    folder: &RoundFolder,
    classifications: &Classifications,
) -> Result<Vec<SourceSpec>> {
    let mut sources: Vec<SourceSpec> = Vec::new();
    for spec_path in spec_paths {
        let parsed = SourceSpec::parse(spec_path, folder, classifications)?;
        let header = ingest::read_header(&parsed.raw_path, parsed.file())?;
        let mut spec = SourceSpec::bind(parsed, &header, folder, classifications)?;
        if spec.hashes_record_id() {
            spec.id_key = Some(installation::id_key(&folder.root)?);
        }
        if sources.iter().any(|s| s.source.id == spec.source.id) {
            return Err(Error::new(
                &spec.spec_path,
                "source.id",
                format!(
                    "source id '{}' is used by another spec of the round",
                    spec.source.id
                ),
                "give each source its own id",
            ));
        }
        sources.push(spec);
    }
    Ok(sources)
}

/// Load the manifest and check everything it names (specs, classifications, indicators, raw
/// headers) before any record is read.
pub(super) fn load(manifest: &Path) -> Result<Round> {
    let parsed: ManifestFile = crate::error::read_toml(
        manifest,
        "round manifest",
        "correct the manifest (README: Configuration)",
    )?;
    // An empty root (manifest in the working folder) keeps printed paths short: "processed/...".
    let root = manifest.parent().map(Path::to_path_buf).unwrap_or_default();
    let folder = RoundFolder {
        root: root.clone(),
        outside: parsed
            .round
            .outside_folders
            .iter()
            .map(|f| root.join(f))
            .collect(),
    };
    let at = |key: &str, path: &Path| {
        folder
            .resolve(path)
            .map_err(|problem| Error::new(manifest, key, problem, paths::OUTSIDE_FIX))
    };
    if parsed.output.keep_releases < 2 {
        return Err(Error::new(
            manifest,
            "output.keep_releases",
            format!("{} releases kept", parsed.output.keep_releases),
            "keep at least 2: the previous release stays while readers that opened it finish",
        ));
    }
    let classifications =
        Classifications::load(&at("round.classifications", &parsed.round.classifications)?)?;
    let spec_paths = parsed
        .round
        .sources
        .iter()
        .map(|p| at("round.sources", p))
        .collect::<Result<Vec<_>>>()?;
    let sources = load_sources(&spec_paths, &folder, &classifications)?;
    let indicators = Indicators::load(
        &at("round.indicators", &parsed.round.indicators)?,
        &classifications,
        &contract::record_schema(),
    )?;
    let rules = Rules::load(
        &at("round.rules", &parsed.round.rules)?,
        &contract::record_schema(),
    )?;
    plausibility::check_declared(&rules, &sources, &indicators)?;
    let disclosure =
        disclosure::Policies::load(&at("round.disclosure", &parsed.round.disclosure)?)?;
    for spec in &sources {
        disclosure.for_source(spec)?;
    }
    let tables = annual::load_specs(&at("round.tables", &parsed.round.tables)?, &indicators)?;
    let table_ids: Vec<&str> = tables.iter().map(|t| t.id.as_str()).collect();
    let charts_path = at("round.charts", &parsed.round.charts)?;
    let charts = charts::load_specs(&charts_path, &indicators, &table_ids)?;
    let sdmx = sdmx::Dataflows::load(
        &at("round.sdmx", &parsed.round.sdmx)?,
        &classifications.dir,
        &indicators,
    )?;
    Ok(Round {
        manifest: manifest.to_path_buf(),
        name: parsed.round.name,
        outputs: Outputs {
            processed: at("output.processed", &parsed.output.processed)?,
            charts: at("output.charts", &parsed.output.charts)?,
            private: root.join(".ilms").join("private"),
            releases: at("output.releases", &parsed.output.releases)?,
            private_releases: root.join(".ilms").join("private-releases"),
            keep: parsed.output.keep_releases,
        },
        publish_records: parsed.output.records,
        root,
        classifications,
        sources,
        indicators,
        rules,
        disclosure,
        charts,
        tables,
        sdmx,
    })
}
