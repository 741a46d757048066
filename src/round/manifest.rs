//! The round manifest (`ilms.toml`): parsed, its paths resolved, and everything it names loaded
//! and checked before any record is read.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::Round;
use crate::annual;
use crate::charts;
use crate::classifications::Classifications;
use crate::contract;
use crate::disclosure;
use crate::error::{Error, Errors, Result};
use crate::indicators::Indicators;
use crate::ingest;
use crate::installation;
use crate::labels::{LabelSources, Labels};
use crate::paths::{self, RoundFolder};
use crate::plausibility;
use crate::publish::Outputs;
use crate::rules::Rules;
use crate::sdmx;
use crate::spec::{MigrantDefinition, SourceSpec};

/// The JSON Schema of a round manifest (`ilms schema`).
pub(crate) fn json_schema() -> schemars::Schema {
    schemars::schema_for!(ManifestFile)
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct ManifestFile {
    round: RoundSection,
    output: OutputSection,
    /// Each country's own definition of a migrant, by ISO 3166-1 alpha-3 code: one definition,
    /// or a table of the first year each applies from (`{ 2015 = "foreign_born", 2024 = ... }`).
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, DeclaredDefinition>")]
    migrants: BTreeMap<String, toml::Value>,
}

/// What `[migrants]` may give a country, for its JSON Schema: the manifest reads each country's
/// value itself ([`definitions_by_year`]), so that every country's mistake is listed.
#[derive(schemars::JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum DeclaredDefinition {
    /// One definition, from the first year on.
    One(MigrantDefinition),
    /// The year (four digits) each definition applies from.
    ByYear(BTreeMap<String, MigrantDefinition>),
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
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
    /// Folder of `<language>.csv` label files, and the language the outputs are labelled in.
    #[serde(default = "crate::labels::default_folder")]
    labels: PathBuf,
    #[serde(default = "crate::labels::default_language")]
    language: String,
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

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct OutputSection {
    processed: PathBuf,
    charts: PathBuf,
    /// Publish the harmonized records (processed/harmonized/*.parquet). Writing them is about half
    /// the cost of a large round; a round that only needs indicators can turn it off.
    #[serde(default = "default_true")]
    records: bool,
    /// Where releases are kept (processed/ and charts/ link to the current one).
    #[serde(default = "default_releases")]
    releases: PathBuf,
    /// How many releases are kept, the current one included.
    #[serde(default = "default_keep_releases")]
    keep_releases: usize,
    /// The release the round last published as its edition: cells whose value differs from it
    /// are noted as revised.
    #[serde(default)]
    revised_since: Option<String>,
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

/// One spec loaded: parsed on its own, its raw file's header read, the spec bound to it.
fn load_source(
    spec_path: &Path,
    folder: &RoundFolder,
    classifications: &Classifications,
) -> Result<SourceSpec> {
    let parsed = SourceSpec::parse(spec_path, folder, classifications)?;
    let header = ingest::read_header(&parsed.raw_path, parsed.file())?;
    SourceSpec::bind(parsed, &header, folder, classifications)
}

/// Load and check the round's specs (each source id once), with the key for hashed record ids if
/// one needs it. A spec that fails is left out and its problem kept, so that every broken spec is
/// reported in one go.
fn load_sources(
    manifest: &Path,
    spec_paths: &[PathBuf],
    folder: &RoundFolder,
    classifications: &Classifications,
    problems: &mut Errors,
) -> Vec<SourceSpec> {
    let mut sources: Vec<SourceSpec> = Vec::new();
    // Read once: a missing or short key is one problem, not one per spec.
    let mut id_key = None;
    for spec_path in spec_paths {
        let loaded = folder
            .resolve(spec_path)
            .map_err(|problem| Error::new(manifest, "round.sources", problem, paths::OUTSIDE_FIX))
            .and_then(|path| load_source(&path, folder, classifications));
        let Some(mut spec) = problems.keep(loaded) else {
            continue;
        };
        if spec.hashes_record_id() {
            let key =
                id_key.get_or_insert_with(|| problems.keep(installation::id_key(&folder.root)));
            match key {
                Some(key) => spec.id_key = Some(key.clone()),
                None => continue,
            }
        }
        if sources.iter().any(|s| s.source.id == spec.source.id) {
            problems.push(Error::new(
                &spec.spec_path,
                "source.id",
                format!(
                    "source id '{}' is used by another spec of the round",
                    spec.source.id
                ),
                "give each source its own id",
            ));
            continue;
        }
        sources.push(spec);
    }
    sources
}

/// Give each source the migrant definition the round declares for its country and year
/// (`[migrants]`); a key that is no country code, or a definition that cannot be read, is a problem
/// (a typo would silently leave a country without).
fn declare_migrants(
    manifest: &Path,
    declared: &BTreeMap<String, toml::Value>,
    classifications: &Classifications,
    sources: &mut [SourceSpec],
    problems: &mut Errors,
) {
    let mut by_country = BTreeMap::new();
    for (country, value) in declared {
        let key = format!("migrants.{country}");
        if !classifications
            .codes(crate::classifications::Target::Iso3)
            .contains(country)
        {
            problems.push(Error::new(
                manifest,
                &key,
                format!("'{country}' is not an ISO 3166-1 alpha-3 country code"),
                "name the country by its code, e.g. AAA = \"non_citizen\"",
            ));
        }
        match definitions_by_year(value) {
            Ok(years) => {
                by_country.insert(country.clone(), years);
            }
            Err(problem) => problems.push(Error::new(manifest, &key, problem, MIGRANTS_FIX)),
        }
    }
    for spec in sources {
        let year = leading_year(&spec.source.time);
        let years = by_country.get(&spec.source.ref_area);
        spec.migrant_definition = years.zip(year).and_then(|(years, year)| {
            let declared = years.range(..=year).next_back();
            declared.map(|(_, definition)| *definition)
        });
    }
}

const MIGRANTS_FIX: &str =
    "write \"foreign_born\" or \"non_citizen\", or a table of the year each \
     applies from, e.g. AAA = { 2015 = \"foreign_born\", 2024 = \"non_citizen\" }";

/// One definition (from the first year on), or the years each of several applies from.
fn definitions_by_year(
    value: &toml::Value,
) -> std::result::Result<BTreeMap<u32, MigrantDefinition>, String> {
    let definition = |value: &toml::Value| {
        MigrantDefinition::deserialize(value.clone())
            .map_err(|_| format!("{value} is not a migrant definition"))
    };
    match value {
        toml::Value::Table(years) if !years.is_empty() => years
            .iter()
            .map(|(year, value)| match year.parse::<u32>() {
                Ok(from) if year.len() == 4 => Ok((from, definition(value)?)),
                _ => Err(format!("'{year}' is not a year (four digits)")),
            })
            .collect(),
        toml::Value::Table(_) => Err("the table names no year".to_string()),
        _ => Ok(BTreeMap::from([(0, definition(value)?)])),
    }
}

/// The year a period starts in: `2024` of `2024`, `2024Q1`, `2023/2024`.
fn leading_year(time: &str) -> Option<u32> {
    time.get(..4).and_then(|year| year.parse().ok())
}

/// The manifest's folder, with the folders outside it its paths may lead to.
fn round_folder(manifest: &Path, parsed: &ManifestFile) -> RoundFolder {
    // An empty root (manifest in the working folder) keeps printed paths short: "processed/...".
    let root = manifest.parent().map(Path::to_path_buf).unwrap_or_default();
    RoundFolder {
        outside: parsed
            .round
            .outside_folders
            .iter()
            .map(|f| root.join(f))
            .collect(),
        root,
    }
}

/// Where the release goes (`[output]`), its paths checked.
fn outputs(
    manifest: &Path,
    output: &OutputSection,
    folder: &RoundFolder,
    problems: &mut Errors,
) -> Option<Outputs> {
    if output.keep_releases < 2 {
        problems.push(Error::new(
            manifest,
            "output.keep_releases",
            format!("{} releases kept", output.keep_releases),
            "keep at least 2: the previous release stays while readers that opened it finish",
        ));
    }
    let at = |key: &str, path: &Path| {
        folder
            .resolve(path)
            .map_err(|problem| Error::new(manifest, key, problem, paths::OUTSIDE_FIX))
    };
    let processed = problems.keep(at("output.processed", &output.processed));
    let charts = problems.keep(at("output.charts", &output.charts));
    let releases = problems.keep(at("output.releases", &output.releases))?;
    Some(Outputs {
        processed: processed?,
        charts: charts?,
        private: folder.root.join(".ilms").join("private"),
        releases,
        private_releases: folder.root.join(".ilms").join("private-releases"),
        keep: output.keep_releases,
        revised_since: output.revised_since.clone(),
    })
}

/// The edition revisions are noted against must be a kept release with published cells
/// (checked when a run begins: `ilms releases` must still list the releases to choose from).
pub(super) fn check_edition(manifest: &Path, outputs: &Outputs) -> Result<()> {
    let Some(edition) = &outputs.revised_since else {
        return Ok(());
    };
    let releases = &outputs.releases;
    let kept = crate::publish::store::releases(releases);
    let cells = releases.join(edition).join("processed").join("indicators");
    if kept.iter().any(|id| id == edition) && cells.is_dir() {
        return Ok(());
    }
    let fix = match kept.last() {
        Some(last) => format!(
            "name a kept release (`ilms releases` lists them, e.g. \"{last}\"), or remove the key"
        ),
        None => "remove the key until a release has been published".to_string(),
    };
    Err(Error::new(
        manifest,
        "output.revised_since",
        format!("no release '{edition}' with published cells is kept"),
        fix,
    ))
}

/// The declarations beside the specs (indicators, rules, disclosure policies, annual tables,
/// charts, SDMX dataflows), each checked; one that fails leaves out those that need it, its problem kept.
struct Declarations {
    indicators: Option<Indicators>,
    rules: Option<Rules>,
    disclosure: Option<disclosure::Policies>,
    tables: Option<Vec<annual::TableSpec>>,
    charts: Option<Vec<charts::ChartSpec>>,
    sdmx: Option<sdmx::Dataflows>,
}

fn load_declarations(
    manifest: &Path,
    section: &RoundSection,
    folder: &RoundFolder,
    classifications: &Classifications,
    problems: &mut Errors,
) -> Declarations {
    let at = |key: &str, path: &Path| {
        folder
            .resolve(path)
            .map_err(|problem| Error::new(manifest, key, problem, paths::OUTSIDE_FIX))
    };
    let schema = contract::record_schema();
    let indicators = problems.keep(
        at("round.indicators", &section.indicators)
            .and_then(|path| Indicators::load(&path, classifications, &schema)),
    );
    // Folders read whole: each file in them checked too (a link out of the round is refused).
    let rules = problems.keep(
        folder
            .resolve_folder(&section.rules)
            .map_err(|problem| Error::new(manifest, "round.rules", problem, paths::OUTSIDE_FIX))
            .and_then(|p| Rules::load(&p, &schema)),
    );
    let disclosure = problems.keep(
        at("round.disclosure", &section.disclosure).and_then(|p| disclosure::Policies::load(&p)),
    );
    let tables = indicators.as_ref().and_then(|indicators| {
        problems.keep(
            at("round.tables", &section.tables)
                .and_then(|path| annual::load_specs(&path, indicators)),
        )
    });
    let charts = indicators
        .as_ref()
        .zip(tables.as_ref())
        .and_then(|(indicators, tables)| {
            let table_ids: Vec<&str> = tables.iter().map(|t| t.id.as_str()).collect();
            problems.keep(
                at("round.charts", &section.charts)
                    .and_then(|path| charts::load_specs(&path, indicators, &table_ids)),
            )
        });
    let sdmx = indicators.as_ref().and_then(|indicators| {
        problems.keep(
            at("round.sdmx", &section.sdmx)
                .and_then(|path| sdmx::Dataflows::load(&path, &classifications.dir, indicators)),
        )
    });
    Declarations {
        indicators,
        rules,
        disclosure,
        tables,
        charts,
        sdmx,
    }
}

/// What the declarations say about the specs: benchmark figures and ranges name declared
/// indicators, each source has a disclosure policy.
fn check_sources(declared: &Declarations, sources: &[SourceSpec], problems: &mut Errors) {
    if let (Some(rules), Some(indicators)) = (&declared.rules, &declared.indicators) {
        problems.keep(plausibility::check_declared(rules, sources, indicators));
    }
    if let Some(disclosure) = &declared.disclosure {
        for spec in sources {
            problems.keep(disclosure.for_source(spec));
        }
    }
}

/// Load the manifest and check everything it names (specs, classifications, indicators, raw
/// headers) before any record is read. Every problem found is reported, not only the first; a
/// manifest that cannot be read or classifications that cannot be loaded stop the check at once
/// (everything else is checked against them).
pub(super) fn load(manifest: &Path) -> Result<Round> {
    let parsed: ManifestFile = crate::error::read_toml(
        manifest,
        "round manifest",
        "correct the manifest (README: Configuration)",
    )?;
    let folder = round_folder(manifest, &parsed);
    let mut problems = Errors::default();
    let outputs = outputs(manifest, &parsed.output, &folder, &mut problems);
    let classifications = folder
        .resolve_folder(&parsed.round.classifications)
        .map_err(|problem| {
            Error::new(
                manifest,
                "round.classifications",
                problem,
                paths::OUTSIDE_FIX,
            )
        })
        .and_then(|dir| Classifications::load(&dir))
        .and_then(|cl| contract::check_groupings(&cl).map(|()| cl));
    let Some(mut classifications) = problems.keep(classifications) else {
        return Err(stopped(problems, manifest));
    };
    let declared = load_declarations(
        manifest,
        &parsed.round,
        &folder,
        &classifications,
        &mut problems,
    );
    // Before the specs: their conversions between versions must keep these groups.
    if let Some(indicators) = &declared.indicators {
        classifications.shared_groupings = indicators.shared_groupings();
    }
    let mut sources = load_sources(
        manifest,
        &parsed.round.sources,
        &folder,
        &classifications,
        &mut problems,
    );
    declare_migrants(
        manifest,
        &parsed.migrants,
        &classifications,
        &mut sources,
        &mut problems,
    );
    check_sources(&declared, &sources, &mut problems);
    let Declarations {
        indicators: Some(indicators),
        rules: Some(rules),
        disclosure: Some(disclosure),
        tables: Some(tables),
        charts: Some(charts),
        sdmx: Some(sdmx),
    } = declared
    else {
        return Err(stopped(problems, manifest));
    };
    let Some(outputs) = outputs else {
        return Err(stopped(problems, manifest));
    };
    let labels = problems.keep(
        folder
            .resolve(&parsed.round.labels)
            .map_err(|problem| Error::new(manifest, "round.labels", problem, paths::OUTSIDE_FIX))
            .and_then(|folder| {
                Labels::load(&LabelSources {
                    classifications: &classifications,
                    sources: &sources,
                    indicators: &indicators,
                    rules: &rules,
                    folder: &folder,
                    language: &parsed.round.language,
                })
            }),
    );
    problems.finish()?;
    let mut labels = labels.ok_or_else(|| internal(manifest))?;
    labels.name_edition(outputs.revised_since.as_deref());
    Ok(Round {
        manifest: manifest.to_path_buf(),
        name: parsed.round.name,
        outputs,
        publish_records: parsed.output.records,
        root: folder.root,
        classifications,
        countries: sources.iter().map(|s| s.source.ref_area.clone()).collect(),
        sources,
        indicators,
        rules,
        disclosure,
        charts,
        tables,
        sdmx,
        labels,
    })
}

/// A part of the round missing with no problem kept: a bug in loading, not in the round.
/// The problems that stopped loading (a step that failed keeps its problem in `problems`).
fn stopped(problems: Errors, manifest: &Path) -> Error {
    problems
        .finish()
        .err()
        .unwrap_or_else(|| internal(manifest))
}

fn internal(manifest: &Path) -> Error {
    Error::new(
        manifest,
        "",
        "the round could not be loaded, and no reason was recorded",
        "report this bug with the manifest and specs",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> std::result::Result<BTreeMap<u32, MigrantDefinition>, String> {
        let value: toml::Value = toml::from_str(&format!("x = {text}")).expect("toml");
        definitions_by_year(&value["x"])
    }

    #[test]
    fn a_country_declares_one_migrant_definition_or_one_per_span_of_years() {
        let one = parse("\"non_citizen\"").expect("one");
        assert_eq!(one, BTreeMap::from([(0, MigrantDefinition::NonCitizen)]));
        let by_year = parse("{ 2015 = \"foreign_born\", 2024 = \"non_citizen\" }").expect("years");
        let at = |time: &str| {
            let year = leading_year(time).expect("year");
            by_year.range(..=year).next_back().map(|(_, d)| *d)
        };
        assert_eq!(at("2014"), None, "before the first year declared");
        assert_eq!(at("2023Q4"), Some(MigrantDefinition::ForeignBorn));
        assert_eq!(at("2024"), Some(MigrantDefinition::NonCitizen));
        assert!(parse("\"citizen\"")
            .unwrap_err()
            .contains("not a migrant definition"));
        assert!(parse("{ 24 = \"non_citizen\" }")
            .unwrap_err()
            .contains("not a year"));
        assert!(parse("{}").unwrap_err().contains("names no year"));
    }
}
