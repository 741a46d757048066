//! Harmonize: national codes to the international contract of DESIGN.md.
//!
//! Works by translation tables, not by code (the IPUMS way): each coded variable is joined to its
//! spec map, and the raw value is kept beside the harmonized one (`<variable>_src`). A raw code the map
//! does not know is flagged in `_unmapped_<variable>`; the validate stage decides what happens to it.

use polars::prelude::*;

use crate::ingest::{RawRecords, SOURCE_ROW};
use crate::spec::{SourceSpec, Variable, VariableMapping};

/// ILO's working-age lower bound (persons aged 15 and over), as ILOSTAT harmonizes it.
pub const WORKING_AGE_MIN: i32 = 15;

/// Prefix of the flag columns that mark raw codes absent from a map (dropped before publication).
pub const UNMAPPED_PREFIX: &str = "_unmapped_";

/// The harmonized record columns, in publication order.
pub const RECORD_COLUMNS: [&str; 16] = [
    "ref_area",
    "time",
    "source_id",
    "source_type",
    "record_id",
    SOURCE_ROW,
    "weight",
    "sex",
    "age",
    "working_age",
    "country_of_birth",
    "birth_status",
    "citizenship",
    "citizenship_status",
    "lf_status",
    "occupation",
];

/// Harmonized records of one source: the contract columns (but `record_id`, see [`record_id`]),
/// the raw id columns `_id<i>`, `<variable>_src` raw values and the `_unmapped_<variable>` flags.
pub struct HarmonizedRecords {
    pub frame: LazyFrame,
}

/// Build the harmonization plan for one source (lazy: nothing runs until the runner executes it).
pub fn harmonize(spec: &SourceSpec, raw: RawRecords) -> PolarsResult<HarmonizedRecords> {
    let mut frame = raw.frame;
    let mut columns: Vec<Expr> = vec![
        lit(spec.source.ref_area.as_str()).alias("ref_area"),
        lit(spec.source.time.as_str()).alias("time"),
        lit(spec.source.id.as_str()).alias("source_id"),
        lit(spec.source.source_type.as_str()).alias("source_type"),
        col(SOURCE_ROW),
    ];
    // The id columns travel raw; `record_id` is built only where it is written (see [`record_id`]),
    // not for every record of the stream.
    columns.extend(
        spec.record
            .id_columns
            .iter()
            .enumerate()
            .map(|(i, c)| col(c.as_str()).alias(format!("_id{i}"))),
    );

    // `weight` is the persons a record stands for: its survey weight, or an aggregate cell's count.
    match spec.persons_column() {
        Some(weight) => columns.extend([
            col(weight).cast(DataType::Float64).alias("weight"),
            col(weight).alias("weight_src"),
        ]),
        None => columns.push(lit(1.0f64).alias("weight")),
    }

    for variable in Variable::ALL {
        let name = variable.name();
        match spec.variable(variable) {
            None => {
                // Not provided by this source: null, published as "not available", never as zero.
                let dtype = if variable == Variable::Age {
                    DataType::Int32
                } else {
                    DataType::String
                };
                columns.push(lit(NULL).cast(dtype).alias(name));
            }
            Some(mapping) => match &mapping.codes {
                None => columns.extend([
                    col(mapping.column.as_str())
                        .cast(DataType::Int32)
                        .alias(name),
                    col(mapping.column.as_str()).alias(format!("{name}_src")),
                ]),
                Some(_) => {
                    frame = join_code_map(frame, mapping)?;
                    columns.extend([
                        col(name),
                        col(mapping.column.as_str()).alias(format!("{name}_src")),
                        col(format!("{UNMAPPED_PREFIX}{name}").as_str()),
                    ]);
                }
            },
        }
    }

    let ref_area = lit(spec.source.ref_area.as_str());
    let frame = frame.select(columns).with_columns([
        col("age").gt_eq(lit(WORKING_AGE_MIN)).alias("working_age"),
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
    ]);
    Ok(HarmonizedRecords { frame })
}

/// Join one variable's code map onto the raw records: adds the harmonized column and its unmapped flag.
fn join_code_map(frame: LazyFrame, mapping: &VariableMapping) -> PolarsResult<LazyFrame> {
    let name = mapping.variable.name();
    let codes = mapping
        .codes
        .as_ref()
        .map(|c| c.iter().collect::<Vec<_>>())
        .unwrap_or_default();
    let key = format!("_from_{name}");
    let matched = format!("_matched_{name}");
    let from: Vec<&str> = codes.iter().map(|(f, _)| f.as_str()).collect();
    // A target of "" means "not stated": null in the harmonized column.
    let to: Vec<Option<&str>> = codes
        .iter()
        .map(|(_, t)| if t.is_empty() { None } else { Some(t.as_str()) })
        .collect();
    let table = DataFrame::new_infer_height(vec![
        Column::new(key.as_str().into(), from),
        Column::new(name.into(), to),
        Column::new(matched.as_str().into(), vec![true; codes.len()]),
    ])?;
    let mut args = JoinArgs::new(JoinType::Left);
    args.maintain_order = MaintainOrderJoin::None;
    Ok(frame
        .join(
            table.lazy(),
            [col(mapping.column.as_str())],
            [col(key.as_str())],
            args,
        )
        .with_column(
            col(matched.as_str())
                .is_null()
                .alias(format!("{UNMAPPED_PREFIX}{name}")),
        ))
}

/// The `record_id` column: the source's id columns joined with "-". An expression over the
/// harmonized frame, evaluated where records are written (clean records, quarantine).
pub fn record_id(spec: &SourceSpec) -> Expr {
    let ids: Vec<Expr> = (0..spec.record.id_columns.len())
        .map(|i| col(format!("_id{i}").as_str()))
        .collect();
    concat_str(ids, "-", false).alias("record_id")
}

/// The schema of the harmonized record contract that indicator expressions may refer to
/// (`record_id` is left out: it identifies records, it does not describe them).
pub fn record_schema() -> Schema {
    let string = |n: &str| Field::new(n.into(), DataType::String);
    Schema::from_iter([
        string("ref_area"),
        string("time"),
        string("source_id"),
        string("source_type"),
        Field::new(SOURCE_ROW.into(), IDX_DTYPE),
        Field::new("weight".into(), DataType::Float64),
        string("sex"),
        Field::new("age".into(), DataType::Int32),
        Field::new("working_age".into(), DataType::Boolean),
        string("country_of_birth"),
        string("birth_status"),
        string("citizenship"),
        string("citizenship_status"),
        string("lf_status"),
        string("occupation"),
    ])
}

/// Harmonized columns this source actually provides. The others are null because the source does
/// not have them: an indicator that needs one is "not available" for the source, never zero.
pub fn provided_columns(spec: &SourceSpec) -> std::collections::BTreeSet<String> {
    let mut provided: std::collections::BTreeSet<String> = [
        "ref_area",
        "time",
        "source_id",
        "source_type",
        SOURCE_ROW,
        "weight",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    for mapping in &spec.variables {
        let derived: &[&str] = match mapping.variable {
            Variable::Age => &["working_age"],
            Variable::CountryOfBirth => &["birth_status"],
            Variable::Citizenship => &["citizenship_status"],
            _ => &[],
        };
        provided.insert(mapping.variable.name().to_string());
        provided.extend(derived.iter().map(|d| d.to_string()));
    }
    provided
}
