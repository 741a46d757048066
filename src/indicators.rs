//! Indicator declarations (`schemas/indicators.toml`): universe, breakdowns, measure, unit.
//! Checked when the round loads: every dimension, classification and code named must exist, and
//! every expression must compile against the harmonized record schema.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use polars::prelude::*;
use polars::sql::sql_expr;
use serde::Deserialize;

use crate::classifications::{Classifications, Code};
use crate::error::{Error, Result};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IndicatorsFile {
    dimensions: BTreeMap<String, DimensionSpec>,
    indicators: Vec<IndicatorSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DimensionSpec {
    classification: String,
    #[serde(default = "default_level")]
    level: u32,
    value: String,
    unknown: String,
    #[serde(default)]
    if_observed: Vec<String>,
}

fn default_level() -> u32 {
    1
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IndicatorSpec {
    id: String,
    label: String,
    universe: String,
    sex: String,
    #[serde(default)]
    classif: Vec<String>,
    measure: Measure,
    unit: String,
    unit_mult: i32,
    note_indicator: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// Sum of survey weights (persons) over the records in the cell.
    WeightedCount,
}

/// A breakdown: how a harmonized record gets its ILOSTAT code in one classification.
#[derive(Debug, Clone)]
pub struct Dimension {
    pub name: String,
    pub classification: String,
    /// Expression over harmonized columns giving the code suffix (null = unknown).
    pub value: Expr,
    pub value_text: String,
    /// Harmonized columns the value is computed from.
    pub inputs: Vec<String>,
    /// The total code (e.g. `SEX_T`).
    pub total: String,
    /// Code given to records whose value is null (e.g. `SEX_X`).
    pub unknown: String,
    /// Categories in publication order, total excluded.
    pub categories: Vec<Code>,
    /// Categories published only when a record falls in them.
    pub if_observed: BTreeSet<String>,
}

impl Dimension {
    /// The code for a value, or None when the value does not give a code of this classification.
    pub fn code_for(&self, value: Option<&str>) -> Option<&str> {
        let code = match value {
            None => return Some(self.unknown.as_str()),
            Some(v) => format!("{}_{v}", self.classification),
        };
        self.categories
            .iter()
            .find(|c| c.code == code)
            .map(|c| c.code.as_str())
    }
}

#[derive(Debug, Clone)]
pub struct Indicator {
    pub id: String,
    pub label: String,
    pub universe: Expr,
    pub universe_text: String,
    /// Sex first, then classif1, classif2 (ILOSTAT long form).
    pub dimensions: Vec<Dimension>,
    pub measure: Measure,
    pub unit: String,
    pub unit_mult: i32,
    pub note_indicator: Option<String>,
    /// Harmonized columns the indicator needs; a source lacking one does not produce it.
    pub inputs: BTreeSet<String>,
}

/// All indicators of a round.
pub struct Indicators {
    pub path: PathBuf,
    pub list: Vec<Indicator>,
}

impl Indicators {
    pub fn load(path: &Path, cl: &Classifications, record_schema: &Schema) -> Result<Indicators> {
        let parsed: IndicatorsFile = crate::error::read_toml(
            path,
            "indicator declarations",
            "correct the TOML (see the comments at the top of the file)",
        )?;
        let mut dimensions = BTreeMap::new();
        for (name, spec) in &parsed.dimensions {
            dimensions.insert(
                name.clone(),
                dimension(path, name, spec, cl, record_schema)?,
            );
        }
        let mut list = Vec::new();
        let mut seen = BTreeSet::new();
        for spec in parsed.indicators {
            let key = format!("indicators.{}", spec.id);
            if !seen.insert(spec.id.clone()) {
                return Err(Error::new(
                    path,
                    &key,
                    "declared twice",
                    "keep one declaration per indicator id",
                ));
            }
            if spec.classif.len() > 2 {
                return Err(Error::new(
                    path,
                    format!("{key}.classif"),
                    "more than two classifications",
                    "ILOSTAT long form has classif1 and classif2: give at most two",
                ));
            }
            let mut dims = Vec::new();
            for name in std::iter::once(&spec.sex).chain(&spec.classif) {
                let dim = dimensions.get(name).ok_or_else(|| {
                    Error::new(
                        path,
                        &key,
                        format!("dimension '{name}' is not declared"),
                        format!(
                            "declare [dimensions.{name}] or use one of: {}",
                            dimensions.keys().cloned().collect::<Vec<_>>().join(", ")
                        ),
                    )
                })?;
                dims.push(dim.clone());
            }
            let (universe, universe_inputs) = compile(
                path,
                &format!("{key}.universe"),
                &spec.universe,
                record_schema,
                DataType::Boolean,
            )?;
            let inputs = dims
                .iter()
                .flat_map(|d| d.inputs.iter().cloned())
                .chain(universe_inputs)
                .collect();
            list.push(Indicator {
                id: spec.id,
                label: spec.label,
                universe,
                universe_text: spec.universe,
                dimensions: dims,
                measure: spec.measure,
                unit: spec.unit,
                unit_mult: spec.unit_mult,
                note_indicator: spec.note_indicator,
                inputs,
            });
        }
        Ok(Indicators {
            path: path.to_path_buf(),
            list,
        })
    }
}

fn dimension(
    path: &Path,
    name: &str,
    spec: &DimensionSpec,
    cl: &Classifications,
    schema: &Schema,
) -> Result<Dimension> {
    let key = format!("dimensions.{name}");
    let codes = cl.version(&spec.classification).map_err(|mut e| {
        e.location = format!(
            "{key}.classification (checked against {})",
            e.file.display()
        );
        e.file = path.to_path_buf();
        e
    })?;
    let total = codes.iter().find(|c| c.is_total).ok_or_else(|| {
        Error::new(
            path,
            &key,
            format!("classification {} has no total code", spec.classification),
            "use a classification with a total",
        )
    })?;
    let categories: Vec<Code> = codes
        .iter()
        .filter(|c| !c.is_total && c.level == spec.level)
        .cloned()
        .collect();
    if categories.is_empty() {
        return Err(Error::new(
            path,
            format!("{key}.level"),
            format!("no codes at level {}", spec.level),
            "use a level the classification has (1 for major groups)",
        ));
    }
    let unknown = format!("{}_{}", spec.classification, spec.unknown);
    let known = |code: &str| categories.iter().any(|c| c.code == code);
    if !known(&unknown) {
        return Err(Error::new(
            path,
            format!("{key}.unknown"),
            format!(
                "'{unknown}' is not a code of {} at level {}",
                spec.classification, spec.level
            ),
            "give the suffix of the classification's unknown code, e.g. \"X\"",
        ));
    }
    for code in &spec.if_observed {
        if !known(code) {
            return Err(Error::new(
                path,
                format!("{key}.if_observed"),
                format!(
                    "'{code}' is not a code of {} at level {}",
                    spec.classification, spec.level
                ),
                "list codes of the classification",
            ));
        }
    }
    let (value, inputs) = compile(
        path,
        &format!("{key}.value"),
        &spec.value,
        schema,
        DataType::String,
    )?;
    Ok(Dimension {
        name: name.to_string(),
        classification: spec.classification.clone(),
        value,
        value_text: spec.value.clone(),
        inputs,
        total: total.code.clone(),
        unknown,
        categories,
        if_observed: spec.if_observed.iter().cloned().collect(),
    })
}

/// Compile a polars SQL expression and check it against the harmonized record schema, so a typo in a
/// column name is an error at load time, not halfway through a round.
pub(crate) fn compile(
    path: &Path,
    key: &str,
    text: &str,
    schema: &Schema,
    want: DataType,
) -> Result<(Expr, Vec<String>)> {
    let bad = |problem: String| {
        Error::new(
            path,
            key,
            problem,
            "write a polars SQL expression over the harmonized columns (README: Expressions)",
        )
    };
    let expr =
        sql_expr(text).map_err(|e| bad(format!("'{text}' is not a valid expression: {e}")))?;
    let inputs: Vec<String> = expr
        .clone()
        .meta()
        .root_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    for input in &inputs {
        if schema.get(input.as_str()).is_none() {
            return Err(bad(format!(
                "'{text}' uses '{input}', which is not a harmonized column (columns: {})",
                schema
                    .iter_names()
                    .map(|n| n.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    let out = DataFrame::empty_with_schema(schema)
        .lazy()
        .select([expr.clone().alias("out")])
        .collect_schema()
        .map_err(|e| {
            bad(format!(
                "'{text}' does not apply to the harmonized records: {e}"
            ))
        })?;
    match out.get("out") {
        Some(dtype) if *dtype == want => Ok((expr, inputs)),
        Some(dtype) => Err(bad(format!("'{text}' gives {dtype}, expected {want}"))),
        None => Err(bad(format!("'{text}' gives no value"))),
    }
}
