//! Harmonize: national codes to the international contract of DESIGN.md.
//!
//! Works by translation tables, not by code (the IPUMS way): each coded variable is looked up in
//! its spec map, and the raw value is kept beside the harmonized one (`<variable>_src`). A raw code
//! the map does not know is flagged in `_unmapped_<variable>`; the validate stage decides what
//! happens to it.

use std::collections::BTreeSet;

use hmac::{Hmac, Mac};
use polars::prelude::*;
use sha2::Sha256;

use crate::classifications::{Classifications, Target};
use crate::contract::{variable_type, Basis, Variable, RECORD_CONTRACT};
use crate::ingest::{RawRecords, SOURCE_ROW};
use crate::lookup::{self, Absent, CodeTable, EnumOf};
use crate::spec::{SourceSpec, Unmapped};

/// ILO's working-age lower bound (persons aged 15 and over), as ILOSTAT harmonizes it.
pub const WORKING_AGE_MIN: i32 = 15;

/// Prefix of the flag columns that mark raw codes absent from a map (dropped before publication).
pub const UNMAPPED_PREFIX: &str = "_unmapped_";

/// The prefix of a coded column's twin as an `Enum` (the same values): the published records
/// take the twin, which Parquet writes without hashing its values (`lookup::EnumOf`).
const ENUM_PREFIX: &str = "_enum_";

/// The name of `column`'s `Enum` twin, where harmonizing gives it one.
pub fn enum_twin(column: &str) -> String {
    format!("{ENUM_PREFIX}{column}")
}

/// The prefix of a coded variable's scratch column of code table positions.
const POSITION_PREFIX: &str = "_position_";

/// Harmonized records of one source: the contract columns (but `record_id`, see [`record_id`]),
/// the raw id columns `_id<i>`, `<variable>_src` raw values and the `_unmapped_<variable>` flags.
pub struct HarmonizedRecords {
    pub frame: LazyFrame,
    /// The text columns with an `Enum` twin ([`enum_twin`]): the published records take the twin.
    /// A twin holds its column's values in every record, but a raw code's (`<variable>_src`),
    /// which is null where the map lacks the code: only in records that never reach the
    /// published records (they are quarantined, or, under `unmapped = "error"`, the source's
    /// files are not published).
    pub twinned: BTreeSet<String>,
}

/// An aggregate table's count: the nil marker is 0; a blank is null ("not available": the table
/// gives no figure, and every cell it is part of is not available); text that is not a number is
/// NaN, which the count rule quarantines. A count in thousands (`scale` 1000) is multiplied out and
/// rounded to a millionth, so "12.3" is 12,300 persons, not 12,300.000000000002.
fn table_count(raw: Expr, nil: Option<&str>, scale: Option<u32>) -> Expr {
    let mut number = raw.clone().cast(DataType::Float64).fill_null(lit(f64::NAN));
    if let Some(scale) = scale.filter(|s| *s != 1) {
        number = (number * lit(f64::from(scale))).round(6, RoundMode::HalfAwayFromZero);
    }
    let blank = lit(NULL).cast(DataType::Float64);
    match nil {
        Some(nil) => when(raw.clone().eq(lit(nil)))
            .then(lit(0.0))
            .when(raw.eq(lit("")))
            .then(blank)
            .otherwise(number),
        None => when(raw.eq(lit(""))).then(blank).otherwise(number),
    }
}

/// Build the harmonization plan for one source (lazy: nothing runs until the runner executes it).
pub fn harmonize(
    spec: &SourceSpec,
    cl: &Classifications,
    raw: RawRecords,
) -> PolarsResult<HarmonizedRecords> {
    // Derived raw values (expressions over several raw columns) first, as if the file had them.
    let frame = with_derived_raw_values(raw.frame, spec);
    let mut read = identity_columns(spec)?;
    read.extend(weight_columns(spec));
    let (mut derived, mut scratch) = (Vec::new(), Vec::new());
    for variable in Variable::all() {
        let columns = variable_columns(spec, variable)?;
        read.extend(columns.read);
        derived.extend(columns.derived);
        scratch.extend(columns.scratch);
    }
    let (versions, groupings) = (version_columns(spec, cl)?, grouping_columns(spec, cl)?);
    let twinned = [&read, &derived, &versions, &groupings]
        .into_iter()
        .flat_map(|columns| twinned(columns))
        .collect();
    let frame = frame
        .select(read)
        .with_columns(derived)
        .drop(by_name(scratch, true, false))
        .with_columns(status_columns(spec))
        .with_column(employment_column(spec))
        .with_columns(migrant_columns(spec))
        .with_columns(versions)
        .with_columns(groupings);
    Ok(HarmonizedRecords { frame, twinned })
}

/// The text columns whose `Enum` twins are among `columns`.
fn twinned(columns: &[Expr]) -> Vec<String> {
    let names = columns
        .iter()
        .filter_map(|c| c.clone().meta().output_name().ok());
    let twin_of = |name: PlSmallStr| name.strip_prefix(ENUM_PREFIX).map(String::from);
    names.filter_map(twin_of).collect()
}

/// The raw frame with each variable computed by an expression added as a raw column of its own.
fn with_derived_raw_values(mut frame: LazyFrame, spec: &SourceSpec) -> LazyFrame {
    for mapping in &spec.variables {
        if let Some(expr) = &mapping.expr {
            frame = frame.with_column(
                crate::expression::with_numbers_as_numbers(expr.clone())
                    .cast(DataType::String)
                    .alias(mapping.column.as_str()),
            );
        }
    }
    frame
}

/// The columns that say where a record comes from: area, period, source, row and raw id columns.
fn identity_columns(spec: &SourceSpec) -> PolarsResult<Vec<Expr>> {
    let source = &spec.source;
    let mut columns: Vec<Expr> = vec![col(SOURCE_ROW)];
    for (name, value) in [
        ("ref_area", &source.ref_area),
        ("time", &source.time),
        ("source_id", &source.id),
        ("source_type", &source.source_type),
    ] {
        columns.push(lit(value.as_str()).alias(name));
        columns.push(EnumOf::constant(value)?.alias(enum_twin(name)));
    }
    // The id columns travel raw; `record_id` is built only where it is written (see [`record_id`]),
    // not for every record of the stream.
    columns.extend(
        spec.record
            .id_columns
            .iter()
            .enumerate()
            .map(|(i, c)| col(c.as_str()).alias(format!("_id{i}"))),
    );
    Ok(columns)
}

/// The `weight` column, with its raw value beside it when the source has one.
fn weight_columns(spec: &SourceSpec) -> Vec<Expr> {
    // `weight` is the persons a record stands for: its survey weight, or an aggregate cell's count.
    match (spec.persons_column(), &spec.record.count) {
        (Some(count), Some(_)) => vec![
            table_count(col(count), spec.record.nil.as_deref(), spec.record.scale).alias("weight"),
            col(count).alias("weight_src"),
        ],
        (Some(weight), None) => vec![
            col(weight).cast(DataType::Float64).alias("weight"),
            col(weight).alias("weight_src"),
        ],
        (None, _) => vec![lit(1.0f64).alias("weight")],
    }
}

/// One variable's columns: those read from the raw record, those computed from them, and the
/// scratch columns among the first that only the second need. Each raw value is looked up or
/// parsed once, in `read`; its flags are derived from the result.
#[derive(Default)]
struct VariableColumns {
    read: Vec<Expr>,
    derived: Vec<Expr>,
    scratch: Vec<String>,
}

/// One variable's harmonized column, with its raw value (`<variable>_src`) beside it and, for a
/// coded variable, its `_unmapped_<variable>` flag; a null column when the source lacks it.
fn variable_columns(spec: &SourceSpec, variable: Variable) -> PolarsResult<VariableColumns> {
    let name = variable.name();
    let read = |read: Vec<Expr>| VariableColumns {
        read,
        ..Default::default()
    };
    Ok(match spec.variable(variable) {
        None => {
            // Not provided by this source: null, published as "not available", never as zero.
            read(vec![lit(NULL).cast(variable_type(variable)).alias(name)])
        }
        Some(mapping) if mapping.amount.is_some() => amount_columns(mapping),
        Some(mapping) => match &mapping.codes {
            None => read(vec![
                col(mapping.column.as_str())
                    .cast(DataType::Int32)
                    .alias(name),
                col(mapping.column.as_str()).alias(format!("{name}_src")),
            ]),
            Some(codes) => {
                // A target of "" means "not stated": null in the harmonized column.
                let map = CodeTable::from_map(codes);
                let raw = col(mapping.column.as_str());
                // Each raw code is looked up once; its text, `Enum` twin and flag are read from
                // its position in the map.
                let position = format!("{POSITION_PREFIX}{name}");
                let positions = || col(position.as_str());
                let raw_name = format!("{name}_src");
                let mut derived = vec![
                    map.entries(positions()).alias(name),
                    map.enum_entries(positions())?.alias(enum_twin(name)),
                    map.lacks(positions())
                        .alias(format!("{UNMAPPED_PREFIX}{name}").as_str()),
                ];
                // The raw code's twin is null where the map lacks the code: such a record is
                // quarantined, or its source's files are not published (`unmapped = "error"`), so
                // the published records hold none. A record kept as not classified keeps a code
                // the map lacks: no twin then.
                if mapping.unmapped != Unmapped::NotClassified {
                    derived.push(map.enum_raw(positions())?.alias(enum_twin(&raw_name)));
                }
                VariableColumns {
                    read: vec![
                        map.positions(raw.clone()).alias(position.as_str()),
                        raw.alias(raw_name.as_str()),
                    ],
                    derived,
                    scratch: vec![position.clone()],
                }
            }
        },
    })
}

/// Amounts of `AMOUNT_LIMIT` or more (a unit or keying error) are not taken.
const AMOUNT_LIMIT: f64 = 100_000_000.0;

/// An amount (earnings) made monthly, with its raw value beside it. A blank is "not stated" (null);
/// a raw value that is no number, is negative or is `AMOUNT_LIMIT` or more is also left null, and
/// flagged `_unmapped_<variable>` (a warning rule counts it: the person stays in every count).
/// The raw text is parsed once (`_number_<variable>`), and its blankness read once
/// (`_blank_<variable>`).
fn amount_columns(mapping: &crate::spec::VariableMapping) -> VariableColumns {
    let name = mapping.variable.name();
    let to_monthly = mapping.amount.as_ref().map_or(1.0, |a| a.to_monthly);
    let raw = col(mapping.column.as_str());
    let text = raw
        .clone()
        .cast(DataType::String)
        .str()
        .strip_chars(lit(NULL));
    let (number, blank) = (format!("_number_{name}"), format!("_blank_{name}"));
    let read = vec![
        text.clone().cast(DataType::Float64).alias(number.as_str()),
        text.clone()
            .is_null()
            .or(text.eq(lit("")))
            .alias(blank.as_str()),
        raw.alias(format!("{name}_src")),
    ];
    let (number_col, blank_col) = (col(number.as_str()), col(blank.as_str()));
    let invalid = number_col
        .clone()
        .is_null()
        .or(number_col.clone().lt(lit(0.0)))
        .or(number_col.clone().gt_eq(lit(AMOUNT_LIMIT)));
    let derived = vec![
        when(blank_col.clone().or(invalid.clone()))
            .then(lit(NULL).cast(DataType::Float64))
            .otherwise(number_col * lit(to_monthly))
            .alias(name),
        blank_col
            .not()
            .and(invalid)
            .alias(format!("{UNMAPPED_PREFIX}{name}").as_str()),
    ];
    VariableColumns {
        read,
        derived,
        scratch: vec![number, blank],
    }
}

/// `working_age` and the migrant statuses, from the harmonized age, country of birth and
/// citizenship.
fn status_columns(spec: &SourceSpec) -> [Expr; 3] {
    let ref_area = lit(spec.source.ref_area.as_str());
    // A source without age that states its population is of working age (all persons employed).
    let stated = spec
        .source
        .population
        .as_ref()
        .is_some_and(|p| p.working_age);
    let working_age = if stated {
        lit(true)
    } else {
        col("age").gt_eq(lit(WORKING_AGE_MIN))
    };
    [
        working_age.alias("working_age"),
        // The two migrant series of the 2018 ICLS guidelines, kept apart: place of birth ...
        when(col("country_of_birth").is_null())
            .then(lit(NULL).cast(DataType::String))
            .when(col("country_of_birth").eq(ref_area.clone()))
            .then(lit("NATIVE"))
            .otherwise(lit("FOREIGN"))
            .alias("birth_status"),
        // ... and citizenship (stateless persons are non-citizens).
        when(col("citizenship").is_null())
            .then(lit(NULL).cast(DataType::String))
            .when(col("citizenship").eq(ref_area))
            .then(lit("CITIZEN"))
            .otherwise(lit("NONCIT"))
            .alias("citizenship_status"),
    ]
}

/// `for_employment`: whether a departure is for employment, from the record's purpose or from the
/// one purpose the source states for every record (null where the purpose is not stated).
fn employment_column(spec: &SourceSpec) -> Expr {
    let employment = crate::spec::Purpose::Employment;
    match spec.source.purpose {
        Some(stated) => lit(stated == employment),
        None => col("purpose").eq(lit(employment.code())),
    }
    .alias("for_employment")
}

/// `migrant_status` under the definition the round declares for the source's country (MIGRANT
/// or NONMIG where the status it reads is stated, null where it is not or there is no definition)
/// and `migrant_country`, a migrant's country of birth or of citizenship under it.
fn migrant_columns(spec: &SourceSpec) -> [Expr; 2] {
    let text_null = || lit(NULL).cast(DataType::String);
    let Some(definition) = spec.migrant_definition else {
        return [
            text_null().alias("migrant_status"),
            text_null().alias("migrant_country"),
        ];
    };
    let (column, migrant) = definition.status();
    let is_migrant = col(column).eq(lit(migrant));
    [
        when(col(column).is_null())
            .then(text_null())
            .when(is_migrant.clone())
            .then(lit("MIGRANT"))
            .otherwise(lit("NONMIG"))
            .alias("migrant_status"),
        when(is_migrant)
            .then(col(definition.country_column()))
            .otherwise(text_null())
            .alias("migrant_country"),
    ]
}

/// Occupation and industry in each classification version the tables read, beside the source's
/// own codes (`occupation`, `industry`) and their version's name (`occupation_version`, as in
/// ILOSTAT's `OCU_ISCO88`): the current version (native, or converted where the code's links
/// stay in one major group / section; null where they do not, and for a version with no
/// correspondence), and each older version's column where the source codes in it.
fn version_columns(spec: &SourceSpec, cl: &Classifications) -> PolarsResult<Vec<Expr>> {
    let text_null = || lit(NULL).cast(DataType::String);
    let isic31_sections = CodeTable::new(
        cl.codes(Target::Isic31)
            .iter()
            .map(|c| (c.clone(), cl.isic31_section(c).map(String::from))),
    );
    let own_code = |target: Target, own: Expr| match target {
        Target::Isic31 => isic31_sections.apply(own, Absent::Null),
        _ => own,
    };
    let mut columns = Vec::new();
    for variable in [Variable::Occupation, Variable::Industry] {
        let name = variable.name();
        let own = col(name);
        let mapping = spec.variable(variable);
        let crosswalk = mapping.and_then(|m| m.crosswalk.as_ref());
        let (current, current_column) = match variable {
            Variable::Occupation => (Target::Isco08, "occupation_isco08"),
            _ => (Target::Isic4, "industry_isic4"),
        };
        let version_column = format!("{name}_version");
        let version_twin = |target: Target| -> PolarsResult<Expr> {
            Ok(EnumOf::constant(version_name(target))?.alias(enum_twin(&version_column)))
        };
        // `Enum` twins where the values are one version's name or the source's own codes.
        let (version, converted, twins) = match (mapping, crosswalk) {
            (None, _) => (text_null(), text_null(), vec![]),
            (Some(_), None) => (
                lit(version_name(current)),
                own.clone(),
                vec![
                    version_twin(current)?,
                    col(enum_twin(name)).alias(enum_twin(current_column)),
                ],
            ),
            (Some(_), Some(c)) => (
                lit(version_name(c.version)),
                CodeTable::from_map(&c.converted)
                    .apply(col(format!("{name}_src").as_str()), Absent::Null),
                vec![version_twin(c.version)?],
            ),
        };
        columns.push(version.alias(version_column.as_str()));
        columns.push(converted.alias(current_column));
        let older_versions = RECORD_CONTRACT.iter().filter_map(|c| match c.basis {
            Basis::OwnVersion(v, target) if v == variable => Some((c.name, target)),
            _ => None,
        });
        for (column, target) in older_versions {
            let older = match crosswalk {
                Some(c) if c.version == target => own_code(target, own.clone()),
                _ => text_null(),
            };
            columns.push(older.alias(column));
        }
        columns.extend(twins);
    }
    Ok(columns)
}

/// A classification version's name in `occupation_version` / `industry_version`: its ILOSTAT
/// version without the prefix (`OCU_ISCO88` gives `ISCO88`). Every occupation and industry
/// version has an ILOSTAT one; the spec's name would stand in for one without.
fn version_name(target: Target) -> &'static str {
    let classification = target.classification();
    classification
        .ilostat_version
        .map_or(classification.name, |version| {
            version.split_once('_').map_or(version, |(_, name)| name)
        })
}

/// The age bands, industry sections and education aggregates of the harmonized codes (with the
/// age bands' `Enum` twins).
fn grouping_columns(spec: &SourceSpec, cl: &Classifications) -> PolarsResult<Vec<Expr>> {
    // Null where the source lacks the variable (and no twin).
    let derive = |variable: Variable, groupings: Vec<Grouping>| {
        let provided = spec.variable(variable).is_some();
        groupings.into_iter().flat_map(move |(name, text, twin)| {
            if provided {
                let twin = twin.map(|t| t.alias(enum_twin(&name)));
                vec![Some(text.alias(name.as_str())), twin]
            } else {
                vec![Some(lit(NULL).cast(DataType::String).alias(name))]
            }
        })
    };
    let industry = CodeTable::from_map(&cl.isic4_sections);
    let section = industry.apply(col("industry_isic4"), Absent::Null);
    let mut columns: Vec<Option<Expr>> =
        derive(Variable::Age, grouped(cl, Variable::Age)?).collect();
    columns.extend(derive(
        Variable::Industry,
        vec![("industry_section".to_string(), section, None)],
    ));
    columns.extend(derive(
        Variable::Education,
        grouped(cl, Variable::Education)?,
    ));
    Ok(columns.into_iter().flatten().collect())
}

/// A grouping column: its name, its text, and its `Enum` twin if it has one.
type Grouping = (String, Expr, Option<Expr>);

/// A variable's groupings from the translation tables of `groupings/` (age bands, education
/// aggregates). A band of a number is found by position, without hashing, so it gets an `Enum`
/// twin for one more gather.
fn grouped(cl: &Classifications, variable: Variable) -> PolarsResult<Vec<Grouping>> {
    let codes = col(variable.name());
    let mut columns = Vec::new();
    for g in cl
        .groupings
        .iter()
        .filter(|g| g.variable == variable.name())
    {
        if variable_type(variable) == DataType::Int32 {
            let entries = g.by_number();
            let positions = lookup::number_positions(codes.clone(), entries.len());
            let twin = EnumOf::new(&entries)?.of_positions(positions.clone());
            let text = lookup::gather(&entries, positions);
            columns.push((g.column.clone(), text, Some(twin)));
        } else {
            let text = CodeTable::from_map(&g.codes).apply(codes.clone(), Absent::Null);
            columns.push((g.column.clone(), text, None));
        }
    }
    Ok(columns)
}

/// The `record_id` column: the source's id columns joined with "-", or, when they hold personal
/// identifiers (a passport number), a keyed hash of them, so no identifier reaches an output. An
/// expression over the harmonized frame, evaluated where records are written (clean, quarantine).
pub fn record_id(spec: &SourceSpec) -> Expr {
    let joined = concat_str(id_columns(spec), "-", false);
    match spec.id_key.clone() {
        Some(key) if spec.hashes_record_id() => joined
            .map(
                move |column: Column| {
                    let keyed = keyed_hasher(&key)?;
                    let hashed: StringChunked = column
                        .str()?
                        .iter()
                        .map(|v| v.map(|v| keyed_hash(&keyed, v)))
                        .collect();
                    Ok(hashed.into_column())
                },
                |_, field| Ok(Field::new(field.name().clone(), DataType::String)),
            )
            .alias("record_id"),
        _ => joined.alias("record_id"),
    }
}

/// The source's id columns as they travel through the harmonized frame (`_id<i>`).
pub fn id_columns(spec: &SourceSpec) -> Vec<Expr> {
    (0..spec.record.id_columns.len())
        .map(|i| col(format!("_id{i}").as_str()))
        .collect()
}

/// HMAC-SHA256 (RFC 2104) keyed with the id key, ready to hash many ids (the `hmac` crate).
pub fn keyed_hasher(key: &[u8]) -> PolarsResult<Hmac<Sha256>> {
    // HMAC takes a key of any length (one longer than a block is hashed first): never refused.
    Hmac::new_from_slice(key)
        .map_err(|e| polars_err!(ComputeError: "the id key cannot key HMAC-SHA256: {e}"))
}

/// `text` under the keyed HMAC-SHA256, hex, first 128 bits: stable across runs with the same key,
/// not reversible without it.
pub fn keyed_hash(keyed: &Hmac<Sha256>, text: &str) -> String {
    let digest = keyed
        .clone()
        .chain_update(text.as_bytes())
        .finalize()
        .into_bytes();
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// What the quarantine and the coverage report show instead of a value of a personal identifier
/// column (none can reach them: the spec refuses mapping or reading one; this is the second guard).
pub const MASKED: &str = "<personal identifier, masked>";

/// One line of a source's mapping coverage report: a raw code of a variable, how many records
/// carry it, and what it became.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct CoverageLine {
    pub variable: String,
    pub raw_column: String,
    pub raw_code: String,
    /// The older classification version the source codes in (isco88, isic31, isco68, isic2), if
    /// any: the source's tables are published in it.
    pub version: Option<String>,
    /// The code in the older classification the map targets, for crosswalked variables (the
    /// harmonized `occupation` / `industry`).
    pub via_code: Option<String>,
    /// How the correspondence resolved it: unique, common_level, common_section (converted), or
    /// split (links in several major groups / sections) or no_correspondence (ISCO-68, ISIC
    /// Rev.2): not converted, kept in its own version.
    pub resolution: Option<String>,
    /// The groupings (`OCU_SKILL`, joined by " / ") in which the converted code falls in another
    /// group than the own code: the source's tables in the current version are not published.
    pub regrouped_in: Option<String>,
    /// The harmonized code; for an older version, the converted code (none where split).
    pub harmonized: Option<String>,
    /// mapped, not stated, not classified, quarantined (unmapped), or stopped (unmapped, error).
    pub outcome: String,
    pub records: u64,
    pub weighted: f64,
}

/// Plans of the records and weights per raw code of every coded variable (`<variable>_src`), over
/// all records read (`checked`: clean and quarantined alike, so the report accounts for every raw
/// code). One small grouping per variable: a raw code is one key, however many the record has.
pub fn coverage_plans(spec: &SourceSpec, checked: &LazyFrame) -> Vec<LazyFrame> {
    spec.variables
        .iter()
        .filter(|m| m.codes.is_some())
        .map(|m| {
            let raw = format!("{}_src", m.variable.name());
            checked
                .clone()
                .select([
                    col(raw.as_str()).alias("raw_code"),
                    crate::tabulate::fixed_point_weight(),
                ])
                .group_by([col("raw_code")])
                .agg([
                    len().cast(DataType::UInt64).alias("records"),
                    // In fixed point: a float sum's last digits would depend on the order the
                    // records come in.
                    (col("_weight").sum().cast(DataType::Float64)
                        / lit(crate::tabulate::WEIGHT_SCALE))
                    .alias("weighted"),
                ])
        })
        .collect()
}

/// The coverage lines from the results of [`coverage_plans`] (same order).
pub fn coverage_lines(spec: &SourceSpec, results: &[DataFrame]) -> PolarsResult<Vec<CoverageLine>> {
    let mut lines = Vec::new();
    let coded = spec.variables.iter().filter(|m| m.codes.is_some());
    for (mapping, frame) in coded.zip(results) {
        let codes = mapping.codes.as_ref();
        let raw = frame.column("raw_code")?.str()?;
        let records = frame.column("records")?.u64()?;
        let weighted = frame.column("weighted")?.f64()?;
        for i in 0..frame.height() {
            let raw_code = raw.get(i).unwrap_or("").to_string();
            let target = codes.and_then(|c| c.get(&raw_code));
            let outcome = match (target, mapping.unmapped) {
                (Some(t), _) if t.is_empty() => "not stated",
                (Some(_), _) => "mapped",
                (None, Unmapped::NotClassified) => "not classified",
                (None, Unmapped::Quarantine) => "quarantined (unmapped)",
                (None, Unmapped::Error) => "stopped the run (unmapped)",
            };
            let crosswalk = mapping.crosswalk.as_ref();
            let via = crosswalk.and_then(|c| c.via.get(&raw_code));
            // For an older version: the converted code (none where the links split).
            let harmonized = match crosswalk {
                Some(c) => c.converted.get(&raw_code),
                None => target.filter(|t| !t.is_empty()),
            };
            lines.push(CoverageLine {
                variable: mapping.variable.name().to_string(),
                raw_column: mapping.column.clone(),
                version: crosswalk.map(|c| c.version.name().to_string()),
                harmonized: harmonized.cloned(),
                via_code: via.map(|(code, _)| code.clone()),
                resolution: via.map(|(_, r)| r.name().to_string()),
                regrouped_in: crosswalk
                    .and_then(|c| c.regrouped.get(&raw_code))
                    .map(|groupings| groupings.join(" / ")),
                outcome: outcome.to_string(),
                records: records.get(i).unwrap_or(0),
                weighted: weighted.get(i).unwrap_or(0.0),
                raw_code: match spec.record.identifiers().contains(&mapping.column) {
                    true => MASKED.to_string(),
                    false => raw_code,
                },
            });
        }
    }
    lines.sort_by(|a, b| (&a.variable, &a.raw_code).cmp(&(&b.variable, &b.raw_code)));
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::{keyed_hash, keyed_hasher};

    #[test]
    fn keyed_hash_is_hmac_sha256() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let keyed = keyed_hasher(b"Jefe").expect("any key length");
        assert_eq!(
            keyed_hash(&keyed, "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c7"
        );
    }
}
