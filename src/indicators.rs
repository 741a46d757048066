//! Indicator declarations (`schemas/indicators.toml`): universe, breakdowns, measure, unit.
//! Checked when the round loads: every dimension, classification and code named must exist, and
//! every expression must compile against the harmonized record schema.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use polars::prelude::*;
use polars::sql::sql_expr;
use serde::Deserialize;

use crate::classifications::{Classifications, Code, Grouping, SharedGrouping};
use crate::error::{Error, Result};
use crate::lookup::{Absent, CodeTable};

/// The JSON Schema of the indicator declarations (`ilms schema`).
pub(crate) fn json_schema() -> schemars::Schema {
    schemars::schema_for!(IndicatorsFile)
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct IndicatorsFile {
    dimensions: BTreeMap<String, DimensionSpec>,
    indicators: Vec<IndicatorSpec>,
    /// ILMS indicators deliberately not declared, each with the reason (README lists them).
    #[serde(default)]
    not_declared: Vec<NotDeclared>,
}

/// ILO's reliability thresholds on the unweighted records behind a cell, as the sample surveys'
/// disclosure policy sets them (quoted in footnotes and summaries).
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Reliability {
    /// Cells from fewer records are flagged unreliable ("U"); sample surveys only.
    pub unreliable_below: i64,
    /// Cells from fewer records (or, for aggregate tables, persons) are not published ("S").
    pub withheld_below: i64,
}

impl Default for Reliability {
    fn default() -> Self {
        Reliability {
            unreliable_below: 15,
            withheld_below: 5,
        }
    }
}

#[derive(Debug, Clone, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NotDeclared {
    pub id: String,
    pub reason: String,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct DimensionSpec {
    classification: String,
    #[serde(default = "default_level")]
    level: u32,
    /// Expression giving the code suffix (a base dimension) ...
    value: Option<String>,
    /// ... or the dimension whose codes this one groups, by `groups`.
    from: Option<String>,
    #[serde(default)]
    groups: Groups,
    /// Base categories this grouping cannot place (ages under 15 have no youth/adult band); a
    /// table that meets one is refused, so the groups always add up to the base total.
    #[serde(default)]
    outside: Vec<String>,
    unknown: Option<String>,
    #[serde(default)]
    if_observed: Vec<String>,
    /// "grid" (every category, empty ones 0) or "observed" (only categories some record has: long
    /// country lists).
    #[serde(default)]
    categories: CategoryList,
    /// A source that does not record the dimension publishes its total only (not available below).
    #[serde(default)]
    optional: bool,
    /// Harmonized columns that, when a source provides them, replace this dimension by another
    /// of the same classification read in the source's own version (skill levels from ISCO-88
    /// major groups for an ISCO-88 source, not from its converted ISCO-08 codes).
    #[serde(default)]
    replaced_by: Vec<String>,
    /// The value is read from whichever of its columns a source gives (domestic work from the
    /// industry or the occupation): a source needs one of them, not all.
    #[serde(default)]
    any_input: bool,
}

/// How a grouping dimension's groups are given.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(
    untagged,
    expecting = "`groups` must name a grouped record column (groups = \"age_aggregate\") or list the groups (groups = { YGE25 = [\"Y25-34\", \"Y35-44\"] })"
)]
enum Groups {
    /// A grouped record column (e.g. "age_aggregate"): the groups are read from its translation
    /// table in `groupings/`, which also makes the record column, so they are defined once.
    Table(String),
    /// Code suffix -> the base dimension's code suffixes it sums (groupings of classification
    /// codes that have no record column: skill levels, sectors).
    Listed(BTreeMap<String, Vec<String>>),
}

impl Default for Groups {
    fn default() -> Self {
        Groups::Listed(BTreeMap::new())
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CategoryList {
    #[default]
    Grid,
    Observed,
}

fn default_level() -> u32 {
    1
}

/// One breakdown slot of an indicator: a dimension, or several versions of it (ILOSTAT publishes
/// each version as its own table under the same indicator).
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
enum Slot {
    One(String),
    Versions(Vec<String>),
}

impl Slot {
    fn names(&self) -> Vec<String> {
        match self {
            Slot::One(name) => vec![name.clone()],
            Slot::Versions(names) => names.clone(),
        }
    }
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct IndicatorSpec {
    id: String,
    label: String,
    population: Option<Population>,
    universe: Option<String>,
    /// The sex dimension; none for the few ILOSTAT indicators published without one.
    sex: Option<String>,
    #[serde(default)]
    classif: Vec<Slot>,
    measure: MeasureKind,
    numerator: Option<String>,
    denominator: Option<String>,
    of: Option<String>,
    over: Option<String>,
    /// A share's one category of `over` kept (`over` then dropped), as a list of one code.
    #[serde(default)]
    keep: Vec<String>,
    unit: String,
    unit_mult: i32,
    note_indicator: Option<String>,
    /// Harmonized columns the table needs beyond those its universe reads: a source lacking one
    /// does not give it (the outflow for every purpose needs each departure's purpose).
    #[serde(default)]
    requires: Vec<String>,
    /// The numeric contract column a mean or median summarizes.
    variable: Option<String>,
}

/// What a count indicator counts: the resident population at a moment (surveys, censuses, stock
/// registers) or movements (deployments, permits issued, returns).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Population {
    Stock,
    Flow,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
enum MeasureKind {
    WeightedCount,
    Ratio,
    Share,
    Mirror,
    Mean,
    Median,
}

/// How a table's values are obtained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Measure {
    /// Sum of survey weights (persons) over the records in the cell.
    WeightedCount,
    /// 100 x a count indicator's cell / another's cell with the same codes (rates).
    Ratio {
        numerator: String,
        denominator: String,
    },
    /// 100 x a count indicator's cell / the cell with dimension `over` at its total
    /// (distributions; `over` None: this table's last breakdown); with `keep`, just that category
    /// is kept and `over` is dropped (shares).
    Share {
        of: String,
        over: Option<String>,
        keep: Option<String>,
    },
    /// Mirror data: the cells of `of` (a count by sex and country of citizenship, in each
    /// destination's sources) republished under each country of citizenship the round covers,
    /// the destination as the country of residence (see `crate::mirror`).
    Mirror { of: String },
    /// Weighted mean of a numeric contract column (`variable`, e.g. earnings) over the records in
    /// the cell that state it.
    Mean { variable: String },
    /// Weighted median of `variable`: the smallest value at or below which half the summed weight
    /// of the records stating it lies.
    Median { variable: String },
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
    /// Code given to records whose value is null (e.g. `SEX_X`), when the classification has one.
    pub unknown: Option<String>,
    /// Categories in publication order, total excluded.
    pub categories: Vec<Code>,
    /// Categories published only when a record falls in them.
    pub if_observed: BTreeSet<String>,
    pub category_list: CategoryList,
    pub optional: bool,
    /// A source needs one of `inputs`, not all (`any_input` in indicators.toml).
    pub any_input: bool,
    /// Harmonized columns whose presence in a source means it gets this classification from
    /// another dimension, read in its own version (see `replaced_by` in indicators.toml).
    pub replaced_by: Vec<String>,
    /// For a grouping dimension: its base dimension, and how its codes are read from the base's.
    pub grouping: Option<GroupedFrom>,
}

/// How a grouping dimension's codes come from its base dimension's.
#[derive(Debug, Clone)]
pub struct GroupedFrom {
    /// The base dimension's name.
    pub base: String,
    /// Per code of the grouping, the base codes it sums (the disclosure control uses these links
    /// between versions).
    pub groups: BTreeMap<String, Vec<String>>,
    /// The base dimension's value to the grouping's (null outside every group). The grouping's
    /// `value` applies it to the base's value expression; records already grouped by the base's
    /// value can take it there instead, once per group rather than once per record.
    pub lookup: CodeTable,
}

impl Dimension {
    /// The code for a value, or None when the value does not give a code of this classification.
    pub fn code_for(&self, value: Option<&str>) -> Option<&str> {
        let code = match value {
            None => return self.unknown.as_deref(),
            Some(v) => format!("{}_{v}", self.classification),
        };
        self.categories
            .iter()
            .find(|c| c.code == code)
            .map(|c| c.code.as_str())
    }
}

/// One published table: an indicator with one version per breakdown slot. An indicator declared
/// with several versions of a slot is several tables sharing its id.
#[derive(Debug, Clone)]
pub struct Indicator {
    pub id: String,
    pub label: String,
    pub population: Population,
    /// The records counted (count tables; a derived table's come from its inputs).
    pub universe: Expr,
    pub universe_text: String,
    /// Sex first (where `by_sex`), then classif1, classif2 (ILOSTAT long form).
    pub dimensions: Vec<Dimension>,
    /// Whether the first dimension is sex: a few ILOSTAT indicators have none (their `sex` column
    /// is empty), e.g. MST_TEMP_ECO_MIG_NB.
    pub by_sex: bool,
    pub measure: Measure,
    pub unit: String,
    pub unit_mult: i32,
    pub note_indicator: Option<String>,
    /// Harmonized columns the universe needs; a source lacking one does not produce the indicator.
    pub inputs: BTreeSet<String>,
}

impl Indicator {
    pub fn is_count(&self) -> bool {
        self.measure == Measure::WeightedCount
    }

    /// A mean or median of an amount (earnings), computed from the records in each cell.
    pub fn is_magnitude(&self) -> bool {
        self.magnitude_of().is_some()
    }

    /// The numeric contract column a mean or median summarizes.
    pub fn magnitude_of(&self) -> Option<&str> {
        measure_variable(&self.measure)
    }

    /// A ratio or share, computed from a source's own count tables.
    pub fn is_derived(&self) -> bool {
        matches!(self.measure, Measure::Ratio { .. } | Measure::Share { .. })
    }

    /// Whether the universe or a breakdown reads the harmonized column `name`.
    pub fn reads(&self, name: &str) -> bool {
        self.inputs.contains(name)
            || self
                .dimensions
                .iter()
                .any(|d| d.inputs.iter().any(|c| c == name))
    }

    /// The note saying which population the table counts as migrants: a table of the country's
    /// own definition (`migrant_status`, `migrant_country`) carries the definition's note for that
    /// source.
    pub fn note_for(&self, spec: &crate::spec::SourceSpec) -> Option<String> {
        match spec.migrant_definition {
            Some(definition) if self.reads("migrant_status") || self.reads("migrant_country") => {
                Some(definition.ilostat_note().to_string())
            }
            _ => self.note_indicator.clone(),
        }
    }

    /// The dimension in breakdown slot `slot` (0 sex, 1 classif1, 2 classif2), if the table has
    /// one there.
    pub fn slot(&self, slot: usize) -> Option<&Dimension> {
        let first = usize::from(!self.by_sex);
        slot.checked_sub(first).and_then(|d| self.dimensions.get(d))
    }

    /// Dimension names in slot order, which identify the table among its indicator's tables.
    pub fn dimension_names(&self) -> Vec<&str> {
        self.dimensions.iter().map(|d| d.name.as_str()).collect()
    }

    /// Whether this table is broken down by exactly `names`, in any order.
    pub fn has_dimensions(&self, names: &[String]) -> bool {
        let mine = self.dimension_names();
        mine.len() == names.len() && names.iter().all(|n| mine.contains(&n.as_str()))
    }

    /// The dimension a share is taken over (None for other measures).
    pub fn share_over(&self) -> Option<String> {
        match &self.measure {
            Measure::Share { over, .. } => over
                .clone()
                .or_else(|| self.dimensions.last().map(|d| d.name.clone())),
            _ => None,
        }
    }
}

/// All indicators of a round.
pub struct Indicators {
    pub path: PathBuf,
    /// Tables in declaration order; derived tables come after the count tables they use.
    pub list: Vec<Indicator>,
    pub not_declared: Vec<NotDeclared>,
}

impl Indicators {
    /// The groupings declared over the base codes of several classification versions into one
    /// classification (`OCU_SKILL` over `OCU_ISCO88` and `OCU_ISCO08` major groups), from the
    /// dimensions the tables use: what a conversion between the versions must keep.
    pub fn shared_groupings(&self) -> Vec<SharedGrouping> {
        let dimensions: Vec<&Dimension> = self.list.iter().flat_map(|t| &t.dimensions).collect();
        let base_version = |base: &str| {
            let found = dimensions.iter().find(|b| b.name == base);
            found.map(|b| b.classification.as_str())
        };
        // Per grouping classification: the versions grouped, and every base code's group.
        let mut by_classification: BTreeMap<&str, (BTreeSet<&str>, BTreeMap<String, String>)> =
            BTreeMap::new();
        for dimension in &dimensions {
            let Some(grouping) = &dimension.grouping else {
                continue;
            };
            let Some(version) = base_version(&grouping.base) else {
                continue;
            };
            let (versions, groups) = by_classification
                .entry(dimension.classification.as_str())
                .or_default();
            versions.insert(version);
            for (group, members) in &grouping.groups {
                for member in members {
                    groups
                        .entry(member.clone())
                        .or_insert_with(|| group.clone());
                }
            }
        }
        by_classification
            .into_iter()
            .filter(|(_, (versions, _))| versions.len() > 1)
            .map(|(classification, (_, groups))| SharedGrouping {
                classification: classification.to_string(),
                groups,
            })
            .collect()
    }

    /// The total code of every breakdown of every table (`SEX_T`, `AGE_YTHADULT_YGE15`, ...).
    pub fn total_codes(&self) -> BTreeSet<&str> {
        let dimensions = self.list.iter().flat_map(|t| &t.dimensions);
        dimensions.map(|d| d.total.as_str()).collect()
    }

    pub fn load(path: &Path, cl: &Classifications, record_schema: &Schema) -> Result<Indicators> {
        let parsed: IndicatorsFile = crate::error::read_toml(
            path,
            "indicator declarations",
            "correct the TOML (see the comments at the top of the file)",
        )?;
        let dimensions = dimensions(path, &parsed.dimensions, cl, record_schema)?;
        let mut list: Vec<Indicator> = Vec::new();
        let mut seen = BTreeSet::new();
        for spec in parsed.indicators {
            let key = format!("indicators.{}", spec.id);
            check_declaration(path, &key, &spec, &mut seen)?;
            let slots = slots(path, &key, &spec, &dimensions)?;
            let measure = measure(path, &key, &spec, &list)?;
            let population = population(path, &key, &measure, spec.population, &list)?;
            let (universe, universe_text, mut inputs) = universe(
                path,
                &key,
                &measure,
                spec.universe.as_ref(),
                record_schema,
                &list,
            )?;
            inputs.extend(required_columns(path, &key, &spec.requires, record_schema)?);
            if let Some(variable) = measure_variable(&measure) {
                inputs.insert(variable.to_string());
            }
            for dims in cartesian(&slots) {
                let table = Indicator {
                    id: spec.id.clone(),
                    label: spec.label.clone(),
                    population,
                    universe: universe.clone(),
                    universe_text: universe_text.clone(),
                    dimensions: dims,
                    by_sex: spec.sex.is_some(),
                    measure: measure.clone(),
                    unit: spec.unit.clone(),
                    unit_mult: spec.unit_mult,
                    note_indicator: spec.note_indicator.clone(),
                    inputs: inputs.clone(),
                };
                check_sources_exist(path, &key, &table, &list)?;
                list.push(table);
            }
        }
        Ok(Indicators {
            path: path.to_path_buf(),
            list,
            not_declared: parsed.not_declared,
        })
    }

    /// Indicator ids in declaration order, each once.
    pub fn ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = Vec::new();
        for table in &self.list {
            if !ids.contains(&table.id) {
                ids.push(table.id.clone());
            }
        }
        ids
    }

    /// The dimension names of a ratio's or share's input table, for a table of it.
    pub fn input_dimensions(table: &Indicator) -> Vec<String> {
        let own = table.dimension_names().into_iter().map(String::from);
        match (&table.measure, table.share_over()) {
            // The input also has `over`, which the share drops.
            (Measure::Share { keep: Some(_), .. }, Some(over)) => {
                own.chain(std::iter::once(over)).collect()
            }
            _ => own.collect(),
        }
    }
}

/// Check and build every declared dimension: base dimensions first, then the groupings of them.
fn dimensions(
    path: &Path,
    specs: &BTreeMap<String, DimensionSpec>,
    cl: &Classifications,
    record_schema: &Schema,
) -> Result<BTreeMap<String, Dimension>> {
    let mut dimensions: BTreeMap<String, Dimension> = BTreeMap::new();
    // Base dimensions first, then the groupings of them.
    let (grouped, base): (Vec<_>, Vec<_>) = specs.iter().partition(|(_, s)| s.from.is_some());
    for (name, spec) in base.into_iter().chain(grouped) {
        let dimension = dimension(path, name, spec, cl, record_schema, &dimensions)?;
        dimensions.insert(name.clone(), dimension);
    }
    Ok(dimensions)
}

/// An indicator id is declared once, with at most two classifications (ILOSTAT's long form).
fn check_declaration(
    path: &Path,
    key: &str,
    spec: &IndicatorSpec,
    seen: &mut BTreeSet<String>,
) -> Result<()> {
    if !seen.insert(spec.id.clone()) {
        return Err(Error::new(
            path,
            key,
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
    // ILOSTAT's ids say whether the indicator is by sex ("_SEX_"): keep the two in step.
    let id_by_sex = spec.id.contains("_SEX_");
    if id_by_sex != spec.sex.is_some() {
        let (problem, fix) = if id_by_sex {
            (
                "the id says it is by sex but `sex` is not given",
                "add sex = \"SEX\"",
            )
        } else {
            (
                "`sex` is given but the id has no _SEX_",
                "remove `sex` (ILOSTAT publishes it without), or correct the id",
            )
        };
        return Err(Error::new(path, format!("{key}.sex"), problem, fix));
    }
    Ok(())
}

/// The declared dimensions of each breakdown slot of an indicator: sex first, then its
/// classifications, each with its versions.
fn slots(
    path: &Path,
    key: &str,
    spec: &IndicatorSpec,
    dimensions: &BTreeMap<String, Dimension>,
) -> Result<Vec<Vec<Dimension>>> {
    let lookup = |name: &String| {
        dimensions.get(name).cloned().ok_or_else(|| {
            Error::new(
                path,
                key,
                format!("dimension '{name}' is not declared"),
                format!(
                    "declare [dimensions.{name}] or use one of: {}",
                    dimensions.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            )
        })
    };
    spec.sex
        .iter()
        .map(|sex| vec![sex.clone()])
        .chain(spec.classif.iter().map(Slot::names))
        .map(|names| names.iter().map(lookup).collect::<Result<Vec<_>>>())
        .collect::<Result<_>>()
}

/// What an indicator counts: declared for a count, that of its input for a ratio or share.
fn population(
    path: &Path,
    key: &str,
    measure: &Measure,
    declared: Option<Population>,
    earlier: &[Indicator],
) -> Result<Population> {
    Ok(match (measure, declared) {
        (
            Measure::WeightedCount | Measure::Mean { .. } | Measure::Median { .. },
            Some(p),
        ) => p,
        (Measure::WeightedCount | Measure::Mean { .. } | Measure::Median { .. }, None) => {
            return Err(Error::new(
                path,
                key,
                "`population` is missing",
                "say whether the indicator counts the resident population (population = \"stock\") or movements (population = \"flow\")",
            ))
        }
        (Measure::Ratio { numerator: input, .. }, _)
        | (Measure::Share { of: input, .. }, _)
        | (Measure::Mirror { of: input }, _) => earlier
            .iter()
            .find(|t| &t.id == input)
            .map_or(Population::Stock, |t| t.population),
    })
}

/// An indicator's universe (expression, text and the harmonized columns it needs): compiled for a
/// count, that of the count indicator a ratio or share uses (its records come from there).
fn universe(
    path: &Path,
    key: &str,
    measure: &Measure,
    universe: Option<&String>,
    record_schema: &Schema,
    earlier: &[Indicator],
) -> Result<(Expr, String, BTreeSet<String>)> {
    Ok(match (measure, universe) {
        (Measure::WeightedCount | Measure::Mean { .. } | Measure::Median { .. }, Some(text)) => {
            let (expr, inputs) = compile(
                path,
                &format!("{key}.universe"),
                text,
                record_schema,
                DataType::Boolean,
            )?;
            (expr, text.clone(), inputs.into_iter().collect())
        }
        (Measure::WeightedCount | Measure::Mean { .. } | Measure::Median { .. }, None) => {
            return Err(Error::new(
                path,
                key,
                "a weighted count, mean or median needs a universe",
                "give `universe`, the records the indicator counts or summarizes",
            ))
        }
        (_, Some(_)) => {
            return Err(Error::new(
                path,
                format!("{key}.universe"),
                "a ratio, share or mirror takes its records from the count indicators it uses",
                "remove `universe`",
            ))
        }
        (Measure::Ratio { numerator, .. }, None)
        | (Measure::Share { of: numerator, .. }, None)
        | (Measure::Mirror { of: numerator }, None) => {
            let used = earlier.iter().find(|t| &t.id == numerator);
            let (text, inputs) = used
                .map(|t| (t.universe_text.clone(), t.inputs.clone()))
                .unwrap_or_default();
            (lit(true), text, inputs)
        }
    })
}

/// The columns a declaration `requires`, each a column of the record contract.
fn required_columns(
    path: &Path,
    key: &str,
    requires: &[String],
    record_schema: &Schema,
) -> Result<Vec<String>> {
    for name in requires {
        if record_schema.get(name).is_none() {
            return Err(Error::new(
                path,
                format!("{key}.requires"),
                format!("'{name}' is not a column of the record contract"),
                format!(
                    "use names from: {}",
                    record_schema
                        .iter_names()
                        .map(|n| n.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    }
    Ok(requires.to_vec())
}

fn measure(path: &Path, key: &str, spec: &IndicatorSpec, earlier: &[Indicator]) -> Result<Measure> {
    let count_input = |field: &str, id: &Option<String>| -> Result<String> {
        let id = id.clone().ok_or_else(|| {
            Error::new(
                path,
                key,
                format!("`{field}` is missing"),
                format!("give `{field}`, the id of a weighted-count indicator declared above"),
            )
        })?;
        match earlier.iter().find(|t| t.id == id) {
            Some(t) if t.is_count() => Ok(id),
            _ => Err(Error::new(
                path,
                format!("{key}.{field}"),
                format!("'{id}' is not a weighted-count indicator declared above"),
                "rates and shares are computed from count indicators: declare that one first",
            )),
        }
    };
    Ok(match spec.measure {
        MeasureKind::WeightedCount => Measure::WeightedCount,
        MeasureKind::Ratio => Measure::Ratio {
            numerator: count_input("numerator", &spec.numerator)?,
            denominator: count_input("denominator", &spec.denominator)?,
        },
        MeasureKind::Share => Measure::Share {
            of: count_input("of", &spec.of)?,
            over: spec.over.clone(),
            keep: kept_category(path, key, &spec.keep)?,
        },
        MeasureKind::Mirror => Measure::Mirror {
            of: count_input("of", &spec.of)?,
        },
        MeasureKind::Mean => Measure::Mean {
            variable: summarized(path, key, spec)?,
        },
        MeasureKind::Median => Measure::Median {
            variable: summarized(path, key, spec)?,
        },
    })
}

/// A share's kept category of `over`: one code at most (a share of several categories would
/// keep `over`, which is the distribution itself).
fn kept_category(path: &Path, key: &str, keep: &[String]) -> Result<Option<String>> {
    match keep {
        [] => Ok(None),
        [code] => Ok(Some(code.clone())),
        _ => Err(Error::new(
            path,
            format!("{key}.keep"),
            format!("a share keeps one category of `over`, not {}", keep.len()),
            "give one code, e.g. keep = [\"CBR_BIR_FOREIGN\"]; leave `keep` out for the distribution over every category",
        )),
    }
}

/// The column a mean or median summarizes (None for other measures).
fn measure_variable(measure: &Measure) -> Option<&str> {
    match measure {
        Measure::Mean { variable } | Measure::Median { variable } => Some(variable),
        _ => None,
    }
}

/// The numeric column a mean or median summarizes (`variable`): a number of the contract.
fn summarized(path: &Path, key: &str, spec: &IndicatorSpec) -> Result<String> {
    let amount = |name: &str| {
        crate::contract::Variable::from_name(name)
            .is_some_and(|v| crate::contract::variable_type(v) == DataType::Float64)
    };
    match &spec.variable {
        Some(name) if amount(name) => Ok(name.clone()),
        other => Err(Error::new(
            path,
            format!("{key}.variable"),
            format!(
                "'{}' is not an amount of the record contract",
                other.as_deref().unwrap_or("")
            ),
            "give variable = \"earnings\" (a mean or median summarizes an amount)",
        )),
    }
}

/// A ratio's or share's inputs must have a table with matching dimensions.
fn check_sources_exist(
    path: &Path,
    key: &str,
    table: &Indicator,
    earlier: &[Indicator],
) -> Result<()> {
    let wanted = Indicators::input_dimensions(table);
    let ids: Vec<&String> = match &table.measure {
        Measure::WeightedCount | Measure::Mean { .. } | Measure::Median { .. } => return Ok(()),
        Measure::Mirror { of } => return check_mirror(path, key, table, of, earlier),
        Measure::Ratio {
            numerator,
            denominator,
        } => vec![numerator, denominator],
        Measure::Share { of, keep, .. } => {
            let over = &table.share_over().unwrap_or_default();
            let found = earlier
                .iter()
                .any(|t| &t.id == of && t.has_dimensions(&wanted));
            if !found || !wanted.contains(over) {
                return Err(Error::new(
                    path,
                    key,
                    format!(
                        "'{of}' has no table by {} (with `{over}`)",
                        wanted.join(" x ")
                    ),
                    "a share's breakdowns (plus `over` when `keep` is given) must be a table of `of`",
                ));
            }
            if let Some(code) = keep {
                let over_dim = earlier
                    .iter()
                    .flat_map(|t| &t.dimensions)
                    .find(|d| &d.name == over);
                if !over_dim.is_some_and(|d| d.categories.iter().any(|c| &c.code == code)) {
                    return Err(Error::new(
                        path,
                        format!("{key}.keep"),
                        format!("'{code}' is not a category of {over}"),
                        "give a code of the `over` dimension",
                    ));
                }
            }
            return Ok(());
        }
    };
    for id in ids {
        if !earlier
            .iter()
            .any(|t| &t.id == id && t.dimension_names() == table.dimension_names())
        {
            return Err(Error::new(
                path,
                key,
                format!("'{id}' has no table by {}", wanted.join(" x ")),
                "a ratio's numerator and denominator need tables with the same breakdowns",
            ));
        }
    }
    Ok(())
}

/// The classification of a mirror's breakdown (country of residence), and of the breakdown of the
/// count it mirrors (country of citizenship).
pub const MIRROR_RESIDENCE: &str = "CRS_RES";
pub const MIRROR_CITIZENSHIP: &str = "CCT_CTZ";

/// A mirror is by sex and country of residence (CRS_RES), and the count it mirrors by sex and
/// country of citizenship (CCT_CTZ), in the same unit: its cells are that count's, re-addressed.
fn check_mirror(
    path: &Path,
    key: &str,
    table: &Indicator,
    of: &str,
    earlier: &[Indicator],
) -> Result<()> {
    let shaped = |t: &Indicator, classification: &str| {
        t.by_sex && t.dimensions.len() == 2 && t.dimensions[1].classification == classification
    };
    if !shaped(table, MIRROR_RESIDENCE) {
        return Err(Error::new(
            path,
            format!("{key}.classif"),
            "a mirror is by sex and country of residence",
            format!(
                "give sex = \"SEX\" and one classification of {}",
                MIRROR_RESIDENCE
            ),
        ));
    }
    let input = earlier.iter().filter(|t| t.id == of);
    if !input.into_iter().all(|t| {
        shaped(t, MIRROR_CITIZENSHIP) && t.unit_mult == table.unit_mult && t.unit == table.unit
    }) {
        return Err(Error::new(
            path,
            format!("{key}.of"),
            format!(
                "'{of}' is not a count by sex and country of citizenship ({}) in unit {} x 10^{}",
                MIRROR_CITIZENSHIP, table.unit, table.unit_mult
            ),
            "a mirror republishes a count by sex and citizenship: name one, in the same unit",
        ));
    }
    Ok(())
}

fn dimension(
    path: &Path,
    name: &str,
    spec: &DimensionSpec,
    cl: &Classifications,
    schema: &Schema,
    declared: &BTreeMap<String, Dimension>,
) -> Result<Dimension> {
    let key = format!("dimensions.{name}");
    let (total, level_codes) = classification_codes(path, &key, spec, cl)?;
    let known = |code: &str| level_codes.iter().any(|c| c.code == code);
    let unknown = unknown_code(path, &key, spec, &known)?;
    check_if_observed(path, &key, spec, &known)?;
    if let Some(column) = spec.replaced_by.iter().find(|c| schema.get(c).is_none()) {
        return Err(Error::new(
            path,
            format!("{key}.replaced_by"),
            format!("'{column}' is not a harmonized record column"),
            "name a column of the record contract (README, processed/harmonized)",
        ));
    }
    let DimensionValue {
        value,
        value_text,
        inputs,
        grouping,
        categories,
    } = dimension_value(
        path,
        &key,
        spec,
        schema,
        declared,
        level_codes,
        &cl.groupings,
    )?;
    Ok(Dimension {
        name: name.to_string(),
        classification: spec.classification.clone(),
        value,
        value_text,
        inputs,
        total: total.code.clone(),
        unknown,
        categories,
        if_observed: spec.if_observed.iter().cloned().collect(),
        category_list: spec.categories,
        optional: spec.optional,
        any_input: spec.any_input,
        replaced_by: spec.replaced_by.clone(),
        grouping,
    })
}

/// A dimension's classification: its total code and its codes at the dimension's level (there
/// must be a total and at least one code at the level).
fn classification_codes<'a>(
    path: &Path,
    key: &str,
    spec: &DimensionSpec,
    cl: &'a Classifications,
) -> Result<(&'a Code, Vec<Code>)> {
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
            key,
            format!("classification {} has no total code", spec.classification),
            "use a classification with a total",
        )
    })?;
    let level_codes: Vec<Code> = codes
        .iter()
        .filter(|c| !c.is_total && c.level == spec.level)
        .cloned()
        .collect();
    if level_codes.is_empty() {
        return Err(Error::new(
            path,
            format!("{key}.level"),
            format!("no codes at level {}", spec.level),
            "use a level the classification has (1 for major groups)",
        ));
    }
    Ok((total, level_codes))
}

/// The full code of the dimension's `unknown` suffix, which must be a code at its level.
fn unknown_code(
    path: &Path,
    key: &str,
    spec: &DimensionSpec,
    known: &dyn Fn(&str) -> bool,
) -> Result<Option<String>> {
    let code_of = |suffix: &str| format!("{}_{suffix}", spec.classification);
    let unknown = spec.unknown.as_deref().map(code_of);
    if let Some(unknown) = &unknown {
        if !known(unknown) {
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
    }
    Ok(unknown)
}

/// Every `if_observed` code must be a code of the classification at the dimension's level.
fn check_if_observed(
    path: &Path,
    key: &str,
    spec: &DimensionSpec,
    known: &dyn Fn(&str) -> bool,
) -> Result<()> {
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
    Ok(())
}

/// How a dimension's records get their code, and the categories it publishes.
struct DimensionValue {
    value: Expr,
    value_text: String,
    inputs: Vec<String>,
    grouping: Option<GroupedFrom>,
    categories: Vec<Code>,
}

/// A dimension's value: its `value` expression compiled (a base dimension, publishing every code
/// at its level), or the codes of a declared base dimension grouped (publishing the groups).
fn dimension_value(
    path: &Path,
    key: &str,
    spec: &DimensionSpec,
    schema: &Schema,
    declared: &BTreeMap<String, Dimension>,
    level_codes: Vec<Code>,
    groupings: &[Grouping],
) -> Result<DimensionValue> {
    let known = |code: &str| level_codes.iter().any(|c| c.code == code);
    let (value, value_text, inputs, grouping, categories) = match (&spec.value, &spec.from) {
        (Some(text), None) => {
            let (value, inputs) = compile(
                path,
                &format!("{key}.value"),
                text,
                schema,
                DataType::String,
            )?;
            (value, text.clone(), inputs, None, level_codes)
        }
        (None, Some(base_name)) => {
            let base = declared.get(base_name).filter(|b| b.grouping.is_none()).ok_or_else(|| {
                Error::new(
                    path,
                    format!("{key}.from"),
                    format!("'{base_name}' is not a dimension with a `value`"),
                    "group the codes of a declared base dimension",
                )
            })?;
            let listed = match &spec.groups {
                Groups::Listed(listed) => listed.clone(),
                Groups::Table(column) => {
                    groups_of_table(path, key, column, spec, base, groupings, &known)?
                }
            };
            let (value, grouped) = grouping(path, key, spec, &listed, base, &known)?;
            // Published categories: the groups, in the classification's order.
            let categories = level_codes
                .into_iter()
                .filter(|c| grouped.groups.contains_key(&c.code))
                .collect();
            let text = format!("{} grouped", base.value_text);
            (
                value,
                text,
                base.inputs.clone(),
                Some(grouped),
                categories,
            )
        }
        _ => {
            return Err(Error::new(
                path,
                key,
                "a dimension needs either `value` or `from` (with `groups`)",
                "give `value`, an expression for the code, or `from` and `groups` to group another dimension's codes",
            ))
        }
    };
    Ok(DimensionValue {
        value,
        value_text,
        inputs,
        grouping,
        categories,
    })
}

/// A grouping dimension's value expression (the base value mapped through `groups`) and its link
/// to the base (groups as full codes). Every base category must fall in exactly one group, so the
/// groups partition the same total.
fn grouping(
    path: &Path,
    key: &str,
    spec: &DimensionSpec,
    listed: &BTreeMap<String, Vec<String>>,
    base: &Dimension,
    known: &dyn Fn(&str) -> bool,
) -> Result<(Expr, GroupedFrom)> {
    let mut groups = BTreeMap::new();
    let mut owner: BTreeMap<String, String> = BTreeMap::new();
    let mut member_of: Vec<(&str, &str)> = Vec::new();
    for (suffix, members) in listed.iter() {
        let code = format!("{}_{suffix}", spec.classification);
        if !known(&code) {
            return Err(Error::new(
                path,
                format!("{key}.groups.{suffix}"),
                format!("'{code}' is not a code of {}", spec.classification),
                "group into codes of the classification",
            ));
        }
        let mut full = Vec::new();
        for member in members {
            let base_code = format!("{}_{member}", base.classification);
            if !base.categories.iter().any(|c| c.code == base_code) {
                return Err(Error::new(
                    path,
                    format!("{key}.groups.{suffix}"),
                    format!("'{member}' is not a category of {}", base.name),
                    "list suffixes of the base dimension's codes",
                ));
            }
            if let Some(other) = owner.insert(base_code.clone(), code.clone()) {
                return Err(Error::new(
                    path,
                    format!("{key}.groups.{suffix}"),
                    format!("'{member}' is also in {other}"),
                    "put each base code in one group",
                ));
            }
            full.push(base_code);
        }
        member_of.extend(members.iter().map(|m| (m.as_str(), suffix.as_str())));
        groups.insert(code, full);
    }
    // A lookup of the base value (not `is_in` over a literal list, which the streaming engine
    // expands per record, nor a chain of comparisons per group): null outside every group.
    let lookup = CodeTable::from_pairs(member_of);
    let value = lookup.apply(base.value.clone().cast(DataType::String), Absent::Null);
    let outside: Vec<String> = spec
        .outside
        .iter()
        .map(|m| format!("{}_{m}", base.classification))
        .collect();
    let missing: Vec<&str> = base
        .categories
        .iter()
        .map(|c| c.code.as_str())
        .filter(|c| !owner.contains_key(*c) && !outside.iter().any(|o| o == c))
        .collect();
    if !missing.is_empty() {
        return Err(Error::new(
            path,
            format!("{key}.groups"),
            format!("{} in no group: {}", base.name, missing.join(", ")),
            "put every category of the base dimension in a group (or list it in `outside`), so the groups add up to the same total",
        ));
    }
    let base = base.name.clone();
    Ok((
        value,
        GroupedFrom {
            base,
            groups,
            lookup,
        },
    ))
}

/// The groups a translation table of `groupings/` gives `column`: per row, the base dimension's
/// value (its record column, the table's variable or another grouping of it) goes to the group in
/// `column`. Base codes in `outside` are left out; the base's code for "not stated" goes to this
/// dimension's (education 9 to EDU_AGGREGATE_X). Members are in the base's category order.
fn groups_of_table(
    path: &Path,
    key: &str,
    column: &str,
    spec: &DimensionSpec,
    base: &Dimension,
    groupings: &[Grouping],
    known: &dyn Fn(&str) -> bool,
) -> Result<BTreeMap<String, Vec<String>>> {
    let at = format!("{key}.groups");
    let table = groupings.iter().find(|g| g.column == column).ok_or_else(|| {
        Error::new(
            path,
            &at,
            format!("no translation table of groupings/ gives the column '{column}'"),
            "name a grouped record column (age_aggregate, age_youth_adult, education_aggregate: schemas/classifications/groupings/), or list the groups",
        )
    })?;
    let base_column = base.value_text.as_str();
    let base_values = groupings
        .iter()
        .find(|g| g.path == table.path && g.column == base_column);
    if base_values.is_none() && base_column != table.variable {
        return Err(Error::new(
            path,
            &at,
            format!(
                "the base dimension {} reads '{base_column}', not a column of {}",
                base.name,
                table.path.display()
            ),
            "group a dimension whose value is a column of the same translation table",
        ));
    }
    let grouped = TableGrouping {
        table,
        base_values,
        spec,
        base,
        at: format!("{key}.groups in {}", path.display()),
    };
    let mut group_of = grouped.group_of(known)?;
    let prefix = format!("{}_", base.classification);
    let base_unknown = base
        .unknown
        .as_deref()
        .and_then(|u| u.strip_prefix(&prefix));
    if let (Some(base_unknown), Some(unknown)) = (base_unknown, &spec.unknown) {
        group_of
            .entry(base_unknown.to_string())
            .or_insert(unknown.clone());
    }
    grouped.by_group(&group_of)
}

/// A grouping dimension read from a translation table: the rows' pairs of base code and group.
struct TableGrouping<'a> {
    table: &'a Grouping,
    /// The base dimension's column of the table (None: the table's first column).
    base_values: Option<&'a Grouping>,
    spec: &'a DimensionSpec,
    base: &'a Dimension,
    /// Where `groups` names the column, for the fixes.
    at: String,
}

impl TableGrouping<'_> {
    /// Base code suffix -> group suffix, each row checked: one group per base code, a base code
    /// that is a category of the base, a group that is a code of the classification.
    fn group_of(&self, known: &dyn Fn(&str) -> bool) -> Result<BTreeMap<String, String>> {
        let (table, spec, base) = (self.table, self.spec, self.base);
        let (column, base_column) = (&table.column, base.value_text.as_str());
        let row_error = |code: &str, problem: String, fix: String| {
            Error::new(
                &table.path,
                format!("{} {code}", table.variable),
                problem,
                fix,
            )
        };
        let mut group_of: BTreeMap<String, String> = BTreeMap::new();
        for (code, group) in &table.codes {
            let member = self.base_values.map_or(code, |b| &b.codes[code]);
            if member.is_empty() || group.is_empty() || spec.outside.contains(member) {
                continue;
            }
            let base_code = format!("{}_{member}", base.classification);
            if !base.categories.iter().any(|c| c.code == base_code) {
                return Err(row_error(
                    code,
                    format!("{base_column} '{member}' is not a category of {}", base.name),
                    format!("give the suffix of a code of {} (schemas/classifications/ilostat_codelists.csv)", base.classification),
                ));
            }
            if !known(&format!("{}_{group}", spec.classification)) {
                return Err(row_error(
                    code,
                    format!("{column} '{group}' is not a code of {} ({}_{group})", spec.classification, spec.classification),
                    format!("give the suffix of a code of {} (schemas/classifications/ilostat_codelists.csv), or list the base code in `outside` ({})", spec.classification, self.at),
                ));
            }
            match group_of.insert(member.clone(), group.clone()) {
                Some(other) if &other != group => {
                    return Err(row_error(
                        code,
                        format!("{base_column} '{member}' is in two groups of {column}: '{other}' and '{group}'"),
                        format!("give every {base_column} code one {column} code, or group another column ({})", self.at),
                    ));
                }
                _ => {}
            }
        }
        Ok(group_of)
    }

    /// Group suffix -> its base code suffixes, in the base's category order; every category of
    /// the base in a group or in `outside`, so the groups add up to the base's total.
    fn by_group(
        &self,
        group_of: &BTreeMap<String, String>,
    ) -> Result<BTreeMap<String, Vec<String>>> {
        let prefix = format!("{}_", self.base.classification);
        let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut missing = Vec::new();
        for category in &self.base.categories {
            let suffix = category
                .code
                .strip_prefix(&prefix)
                .unwrap_or(&category.code);
            match group_of.get(suffix) {
                Some(group) => groups
                    .entry(group.clone())
                    .or_default()
                    .push(suffix.to_string()),
                None if self.spec.outside.iter().any(|o| o == suffix) => {}
                None => missing.push(suffix),
            }
        }
        if !missing.is_empty() {
            return Err(Error::new(
                &self.table.path,
                &self.table.column,
                format!(
                    "{} codes in no group of {}: {}",
                    self.base.name,
                    self.table.column,
                    missing.join(", ")
                ),
                format!(
                    "give them a {} code in the table, or list them in `outside` ({})",
                    self.table.column, self.at
                ),
            ));
        }
        Ok(groups)
    }
}

/// Every combination of one element from each list, in order (first list varies slowest).
pub fn cartesian<T: Clone>(lists: &[Vec<T>]) -> Vec<Vec<T>> {
    lists.iter().fold(vec![Vec::new()], |acc, list| {
        acc.iter()
            .flat_map(|prefix| {
                list.iter().map(move |item| {
                    let mut next = prefix.clone();
                    next.push(item.clone());
                    next
                })
            })
            .collect()
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
    crate::expression::guard(text).map_err(&bad)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The groupings that several versions share are the skill levels and the sectors; a code ILO
    /// moved (ISCO-88 9141, level 1, to ISCO-08 5153, level 2) changes group, one it kept does not.
    #[test]
    fn skill_levels_and_sectors_are_shared_between_versions() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
        let mut cl = Classifications::load(&root.join("classifications")).expect("classifications");
        let schema = crate::contract::record_schema();
        let indicators =
            Indicators::load(&root.join("indicators.toml"), &cl, &schema).expect("indicators");
        cl.shared_groupings = indicators.shared_groupings();
        let names: Vec<&str> = cl
            .shared_groupings
            .iter()
            .map(|g| g.classification.as_str())
            .collect();
        assert_eq!(names, ["ECO_AGGREGATE", "ECO_SECTOR", "OCU_SKILL"]);
        use crate::classifications::Target::{Isco08, Isco88, Isic31, Isic4};
        assert_eq!(
            cl.regrouped_in((Isco88, "9141"), (Isco08, "5153")),
            ["OCU_SKILL"]
        );
        assert!(cl
            .regrouped_in((Isco88, "7413"), (Isco08, "7513"))
            .is_empty());
        // Recycling: manufacturing in ISIC Rev.3.1, section E (with utilities) in Rev.4.
        assert_eq!(
            cl.regrouped_in((Isic31, "3710"), (Isic4, "3830")),
            ["ECO_AGGREGATE"]
        );
        assert!(cl.regrouped_in((Isic31, "0111"), (Isic4, "A")).is_empty());
    }

    /// The groups read from the translation tables are the ones ILOSTAT's codes define (as they
    /// were written inline before the tables made them): ages by 10-year band, ISCED levels.
    #[test]
    fn groups_read_from_the_translation_tables_are_ilostats() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
        let cl = Classifications::load(&root.join("classifications")).expect("classifications");
        let schema = crate::contract::record_schema();
        let indicators =
            Indicators::load(&root.join("indicators.toml"), &cl, &schema).expect("indicators");
        let groups_of = |name: &str| {
            let dimension = indicators
                .list
                .iter()
                .flat_map(|i| &i.dimensions)
                .find(|d| d.name == name)
                .expect("dimension");
            dimension.grouping.clone().expect("a grouping").groups
        };
        let expect = |classification: &str, base: &str, groups: &[(&str, &[&str])]| {
            groups
                .iter()
                .map(|(g, members)| {
                    let members = members.iter().map(|m| format!("{base}_{m}")).collect();
                    (format!("{classification}_{g}"), members)
                })
                .collect::<BTreeMap<String, Vec<String>>>()
        };
        let ten = "AGE_10YRBANDS";
        assert_eq!(
            groups_of("AGE_AGGREGATE"),
            expect(
                "AGE_AGGREGATE",
                ten,
                &[
                    ("YLT15", &["YLT15"]),
                    ("Y15-24", &["Y15-24"]),
                    ("Y25-54", &["Y25-34", "Y35-44", "Y45-54"]),
                    ("Y55-64", &["Y55-64"]),
                    ("YGE65", &["YGE65"]),
                ]
            )
        );
        assert_eq!(
            groups_of("AGE_YTHADULT"),
            expect(
                "AGE_YTHADULT",
                ten,
                &[
                    ("Y15-24", &["Y15-24"]),
                    ("YGE25", &["Y25-34", "Y35-44", "Y45-54", "Y55-64", "YGE65"]),
                ]
            )
        );
        let mut education = groups_of("EDU_AGGREGATE");
        for members in education.values_mut() {
            members.sort();
        }
        assert_eq!(
            education,
            expect(
                "EDU_AGGREGATE",
                "EDU_ISCED11",
                &[
                    ("LTB", &["0", "X"]),
                    ("BAS", &["1", "2"]),
                    ("INT", &["3", "4"]),
                    ("ADV", &["5", "6", "7", "8"]),
                    ("X", &["9"]),
                ]
            )
        );
    }
}
