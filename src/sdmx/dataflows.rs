//! `schemas/sdmx.toml`: the ILOSTAT 2026 dataflow of each ILMS indicator, checked against the
//! indicators' breakdowns and ILOSTAT's list of dataflow ids when the round loads.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::indicators::{Indicator, Indicators};

/// ILOSTAT's 2026 migration dataflow ids, one a line (in the classifications folder).
pub const DATAFLOW_LIST_FILE: &str = "ilostat_2026_dataflows.txt";

/// The JSON Schema of the SDMX dataflow assignments (`ilms schema`).
pub(crate) fn json_schema() -> schemars::Schema {
    schemars::schema_for!(File)
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    dataflow: Vec<DataflowSpec>,
    #[serde(default)]
    no_dataflow: Vec<NoDataflow>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct DataflowSpec {
    id: String,
    indicator: String,
}

/// Indicators ILOSTAT has no 2026 dataflow for, and why.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoDataflow {
    pub indicators: Vec<String>,
    pub reason: String,
}

/// One ILOSTAT 2026 dataflow and the ILMS indicator it publishes.
#[derive(Debug, Clone)]
pub struct Dataflow {
    /// `DF_EMP_TEMP_SEX_OCU_CBR_NB`.
    pub id: String,
    pub indicator: String,
    /// The MEASURE code: `EMP_TEMP_NB`.
    pub measure: String,
    /// The breakdown dimensions, sex first: `SEX`, `OCU`, `CBR` (classif1, classif2 follow).
    pub breakdowns: Vec<String>,
}

impl Dataflow {
    /// The data structure's id: `DSD_` and the dataflow's id without `DF_`.
    pub fn structure_id(&self) -> String {
        format!("DSD_{}", &self.id[3..])
    }

    /// The dataflow as SDMX-CSV's STRUCTURE_ID writes it.
    pub fn urn_short(&self) -> String {
        format!("{}:{}({})", super::AGENCY, self.id, super::VERSION)
    }
}

/// The round's dataflow declarations.
#[derive(Debug, Clone, Default)]
pub struct Dataflows {
    pub path: PathBuf,
    pub list: Vec<Dataflow>,
    pub without: Vec<NoDataflow>,
}

impl Dataflows {
    /// Read `path` and check it: an indicator declared at most once (in a dataflow or without
    /// one; one in neither is only in the combined dataflow), every dataflow in ILOSTAT's list (`classifications/ilostat_2026_dataflows.txt`) and shaped
    /// like its indicator (breakdowns in order, NB for counts in persons, RT for percentages).
    pub fn load(path: &Path, classifications: &Path, indicators: &Indicators) -> Result<Dataflows> {
        let file: File = crate::error::read_toml(
            path,
            "SDMX dataflow declarations",
            "correct the file (its header says what each key holds)",
        )?;
        let known = ilostat_ids(&classifications.join(DATAFLOW_LIST_FILE))?;
        let mut by_indicator: BTreeMap<&str, Vec<&Indicator>> = BTreeMap::new();
        for table in &indicators.list {
            by_indicator.entry(&table.id).or_default().push(table);
        }
        let mut seen = BTreeSet::new();
        let mut list = Vec::new();
        for (i, spec) in file.dataflow.iter().enumerate() {
            let at = format!("dataflow[{i}] ({})", spec.id);
            let tables = by_indicator.get(spec.indicator.as_str()).ok_or_else(|| {
                Error::new(
                    path,
                    &at,
                    format!("indicator '{}' is not declared", spec.indicator),
                    format!("use an id of {}", indicators.path.display()),
                )
            })?;
            if !known.contains(&spec.id) {
                return Err(Error::new(
                    path,
                    &at,
                    format!("'{}' is not an ILOSTAT 2026 dataflow id", spec.id),
                    format!("use an id of {DATAFLOW_LIST_FILE} in the classifications folder"),
                ));
            }
            let flow = shape(&spec.id, &spec.indicator, tables)
                .map_err(|problem| Error::new(path, &at, problem, SHAPE_FIX))?;
            declare_once(path, &at, &mut seen, &spec.indicator, "a [[dataflow]]")?;
            if list.iter().any(|f: &Dataflow| f.id == flow.id) {
                return Err(Error::new(
                    path,
                    &at,
                    format!("dataflow {} is declared twice", flow.id),
                    "keep one [[dataflow]] per id",
                ));
            }
            list.push(flow);
        }
        for (i, without) in file.no_dataflow.iter().enumerate() {
            for id in &without.indicators {
                let at = format!("no_dataflow[{i}].indicators ({id})");
                if !by_indicator.contains_key(id.as_str()) {
                    return Err(Error::new(
                        path,
                        at,
                        format!("indicator '{id}' is not declared"),
                        format!("use an id of {}", indicators.path.display()),
                    ));
                }
                declare_once(path, &at, &mut seen, id, "[[no_dataflow]]")?;
            }
        }
        Ok(Dataflows {
            path: path.to_path_buf(),
            list,
            without: file.no_dataflow,
        })
    }

    /// The dataflow that publishes `indicator`, if any.
    pub fn for_indicator(&self, indicator: &str) -> Option<&Dataflow> {
        self.list.iter().find(|f| f.indicator == indicator)
    }
}

const SHAPE_FIX: &str = "map the indicator to the dataflow with its breakdowns (DF_<measure>_SEX_<breakdowns>_<NB|RT>), or list it in [[no_dataflow]]";

fn declare_once<'a>(
    path: &Path,
    at: &str,
    seen: &mut BTreeSet<&'a str>,
    indicator: &'a str,
    here: &str,
) -> Result<()> {
    if seen.insert(indicator) {
        Ok(())
    } else {
        Err(Error::new(
            path,
            at,
            format!("indicator {indicator} is declared again in {here}"),
            "declare each indicator once: in one [[dataflow]] or in [[no_dataflow]]",
        ))
    }
}

fn ilostat_ids(path: &Path) -> Result<BTreeSet<String>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::io(path, "read ILOSTAT's dataflow ids", e))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect())
}

/// The dataflow `id` read as DF_<a>_<b>_SEX[_<breakdown>...]_<NB|RT>, checked against every table
/// of its indicator: the same breakdowns in the same order (a breakdown's classification starts
/// with its name: OCU_ISCO08, OCU_SKILL under OCU) and a unit that fits NB or RT.
fn shape(
    id: &str,
    indicator: &str,
    tables: &[&Indicator],
) -> std::result::Result<Dataflow, String> {
    let parts: Vec<&str> = id.split('_').collect();
    let n = parts.len();
    if n < 5 || parts[0] != "DF" || parts[3] != "SEX" {
        return Err(format!(
            "'{id}' is not of the form DF_<measure part>_SEX[_<breakdown>...]_<NB|RT>"
        ));
    }
    let suffix = parts[n - 1];
    let breakdowns: Vec<String> = parts[3..n - 1].iter().map(|p| p.to_string()).collect();
    for table in tables {
        let prefixes: Vec<String> = table
            .dimensions
            .iter()
            .map(|d| {
                d.classification
                    .split('_')
                    .next()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect();
        if prefixes != breakdowns {
            return Err(format!(
                "{indicator} is broken down by {} ({}), {id} by {}",
                prefixes.join(", "),
                table.dimension_names().join(", "),
                breakdowns.join(", ")
            ));
        }
        let fits = matches!((suffix, table.unit.as_str()), ("NB", "PS") | ("RT", "PT"));
        if !fits {
            return Err(format!(
                "{indicator} is in unit {}, {id} holds {}",
                table.unit,
                if suffix == "RT" {
                    "rates (PT)"
                } else {
                    "counts (NB, PS)"
                }
            ));
        }
    }
    Ok(Dataflow {
        id: id.to_string(),
        indicator: indicator.to_string(),
        measure: format!("{}_{}_{suffix}", parts[1], parts[2]),
        breakdowns,
    })
}
