//! Stata (.dta, releases 102-119) and SPSS (.sav, .zsav) files: the statistical packages' own
//! formats, with value labels that a spec's code map may key on (`key = "label"`).
//!
//! Values become text as the other readers write them: a missing value (Stata ".", ".a"-".z";
//! SPSS system-missing) is "", whole numbers have no decimal point, SPSS's space padding is trimmed.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use arrow::array::{Array, AsArray};
use arrow::datatypes::DataType as ArrowType;
use dta::stata::dta::characteristic_reader::CharacteristicReader;
use dta::stata::dta::dta_error::DtaError;
use dta::stata::dta::dta_reader::DtaReader;
use dta::stata::dta::long_string_ref::LongStringRef;
use dta::stata::dta::long_string_table::LongStringTable;
use dta::stata::dta::record_reader::RecordReader;
use dta::stata::dta::value::Value as DtaValue;
use dta::stata::dta::value_label_table::ValueLabelTable;
use dta::stata::dta::variable::Variable;
use dta::stata::dta::variable_type::VariableType;
use dta::stata::{
    stata_byte::StataByte, stata_double::StataDouble, stata_float::StataFloat, stata_int::StataInt,
    stata_long::StataLong,
};

use super::{guarded, number_text, Loaded, ValueLabels};
use crate::error::{Error, Result};

fn damaged(path: &Path, what: &str, e: impl std::fmt::Display) -> Error {
    Error::new(
        path,
        "",
        format!("not a readable {what} file: {e}"),
        "check the file is complete (sizes match the original) and really what file.format says; export it again if need be",
    )
}

/// A 4-byte float as text, in the shortest form that reads back to the same float.
fn float32_text(value: f32) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    }
}

pub(super) fn load_dta(path: &Path, header_only: bool) -> Result<Loaded> {
    guarded(path, "Stata", || read_dta(path, header_only))
}

fn read_dta(path: &Path, header_only: bool) -> Result<Loaded> {
    let fail = dta_failure(path);
    let characteristics = DtaReader::new()
        .from_path(path)
        .map_err(fail)?
        .read_header()
        .map_err(fail)?
        .read_schema()
        .map_err(fail)?;
    let release = characteristics.header().release();
    let schema = characteristics.schema().clone();
    let encoding = characteristics.encoding();
    let variables = schema.variables();
    let columns: Vec<String> = variables.iter().map(|v| v.name().to_string()).collect();
    let storage = variables
        .iter()
        .map(|v| dta_storage(v.variable_type()))
        .collect();

    let mut values: Vec<Vec<String>> = vec![Vec::new(); columns.len()];
    let mut label_table = ValueLabelTable::new();
    if header_only {
        let mut labels = characteristics.seek_value_labels().map_err(fail)?;
        labels.read_remaining_into(&mut label_table).map_err(fail)?;
    } else {
        read_dta_body(
            path,
            characteristics,
            encoding,
            &mut values,
            &mut label_table,
        )?;
    }
    if values.iter().any(|v| v.len() != values[0].len()) {
        return Err(damaged(path, "Stata .dta", "records of unequal length"));
    }

    Loaded::in_memory(
        path,
        columns,
        values,
        storage,
        dta_value_labels(variables, &label_table),
        format!("Stata dta, release {release}"),
    )
}

/// The error for a .dta file the reader cannot read.
fn dta_failure(path: &Path) -> impl Fn(DtaError) -> Error + Copy + '_ {
    move |e| damaged(path, "Stata .dta", e)
}

/// How a .dta file stores a variable, in Stata's words (for `ilms inspect`).
fn dta_storage(variable_type: VariableType) -> String {
    match variable_type {
        VariableType::Byte => "byte".to_string(),
        VariableType::Int => "int".into(),
        VariableType::Long => "long".into(),
        VariableType::Float => "float".into(),
        VariableType::Double => "double".into(),
        VariableType::FixedString(n) => format!("str{n}"),
        VariableType::LongString => "strL".into(),
    }
}

/// A long string's place in the table of values: (column, row, reference into the long strings).
type LongStringCell = (usize, usize, LongStringRef);

/// Everything after the characteristics, in file order: the records into `values` (one column
/// per variable), the long strings (strL) in their cells, and the value labels into `label_table`.
fn read_dta_body<R: Read>(
    path: &Path,
    mut characteristics: CharacteristicReader<R>,
    encoding: &'static encoding_rs::Encoding,
    values: &mut [Vec<String>],
    label_table: &mut ValueLabelTable,
) -> Result<()> {
    let fail = dta_failure(path);
    characteristics.skip_to_end().map_err(fail)?;
    let mut records = characteristics.into_record_reader().map_err(fail)?;
    let long_refs = read_dta_records(path, &mut records, values)?;
    let mut long_strings = records.into_long_string_reader().map_err(fail)?;
    let mut table = LongStringTable::for_reading();
    long_strings.read_remaining_into(&mut table).map_err(fail)?;
    for (j, row, reference) in long_refs {
        let text = table.get(&reference).and_then(|s| {
            s.data_str(encoding)
                .map(|t| t.trim_end_matches('\0').to_string())
        });
        if let (Some(text), Some(cell)) = (text, values.get_mut(j).and_then(|v| v.get_mut(row))) {
            *cell = text;
        }
    }
    let mut labels = long_strings.into_value_label_reader().map_err(fail)?;
    labels.read_remaining_into(label_table).map_err(fail)?;
    Ok(())
}

/// Every record's values as text into `values`; a long string (strL) is left blank and its place
/// returned, to be filled once the long strings (stored after the records) are read.
fn read_dta_records<R: Read>(
    path: &Path,
    records: &mut RecordReader<R>,
    values: &mut [Vec<String>],
) -> Result<Vec<LongStringCell>> {
    let fail = dta_failure(path);
    let mut long_refs: Vec<LongStringCell> = Vec::new();
    let mut row = 0usize;
    while let Some(record) = records.read_record().map_err(fail)? {
        for (j, value) in record.values().iter().enumerate() {
            let text = match value {
                DtaValue::Byte(StataByte::Present(v)) => v.to_string(),
                DtaValue::Int(StataInt::Present(v)) => v.to_string(),
                DtaValue::Long(StataLong::Present(v)) => v.to_string(),
                DtaValue::Float(StataFloat::Present(v)) => float32_text(*v),
                DtaValue::Double(StataDouble::Present(v)) => number_text(*v),
                DtaValue::String(s) => s.to_string(),
                DtaValue::LongStringRef(reference) => {
                    long_refs.push((j, row, *reference));
                    String::new()
                }
                // Stata's missing values: ".", ".a" to ".z".
                _ => String::new(),
            };
            if let Some(column) = values.get_mut(j) {
                column.push(text);
            }
        }
        row += 1;
    }
    Ok(long_refs)
}

/// The value labels of the variables that have a label set, keyed by variable name.
fn dta_value_labels(variables: &[Variable], label_table: &ValueLabelTable) -> ValueLabels {
    let mut labels = ValueLabels::new();
    for variable in variables {
        if let Some(set) = label_table.get(variable.value_label_name()) {
            let codes: BTreeMap<String, String> = set
                .entries()
                .iter()
                .map(|e| (e.value().to_string(), e.label().to_string()))
                .collect();
            labels.insert(variable.name().to_string(), codes);
        }
    }
    labels
}

pub(super) fn load_sav(path: &Path, header_only: bool) -> Result<Loaded> {
    guarded(path, "SPSS", || read_sav(path, header_only))
}

fn read_sav(path: &Path, header_only: bool) -> Result<Loaded> {
    let fail = |e: ambers::error::SpssError| damaged(path, "SPSS .sav/.zsav", e);
    let (batch, meta) = if header_only {
        (None, ambers::read_sav_metadata(path).map_err(fail)?)
    } else {
        let (batch, meta) = ambers::read_sav(path).map_err(fail)?;
        (Some(batch), meta)
    };
    if let Some(warning) = meta.warnings.first() {
        return Err(damaged(path, "SPSS .sav/.zsav", warning));
    }
    let columns = meta.variable_names.clone();
    let storage = columns
        .iter()
        .map(|c| meta.format(c).unwrap_or("?").to_string())
        .collect();
    let mut values: Vec<Vec<String>> = vec![Vec::new(); columns.len()];
    if let Some(batch) = batch {
        for (j, array) in batch.columns().iter().enumerate() {
            values[j] = column_text(array.as_ref()).map_err(|e| damaged(path, "SPSS", e))?;
        }
    }
    let mut labels = ValueLabels::new();
    for (column, set) in &meta.variable_value_labels {
        let codes = set
            .iter()
            .map(|(value, label)| {
                let code = match value {
                    ambers::Value::Numeric(v) => number_text(*v),
                    ambers::Value::String(s) => s.trim_end().to_string(),
                };
                (code, label.clone())
            })
            .collect();
        labels.insert(column.clone(), codes);
    }
    Loaded::in_memory(
        path,
        columns,
        values,
        storage,
        labels,
        format!(
            "SPSS {} ({:?} compression)",
            meta.file_format, meta.compression
        ),
    )
}

/// An Arrow column from the SPSS reader as text.
fn column_text(array: &dyn Array) -> std::result::Result<Vec<String>, String> {
    let text = |i: usize, value: String| {
        if array.is_null(i) {
            String::new()
        } else {
            value
        }
    };
    Ok(match array.data_type() {
        ArrowType::Float64 => {
            let numbers = array.as_primitive::<arrow::datatypes::Float64Type>();
            (0..array.len())
                .map(|i| text(i, number_text(numbers.value(i))))
                .collect()
        }
        ArrowType::Utf8View => {
            let strings = array.as_string_view();
            (0..array.len())
                .map(|i| text(i, strings.value(i).trim_end().to_string()))
                .collect()
        }
        _ => {
            let options = arrow::util::display::FormatOptions::default();
            let formatter = arrow::util::display::ArrayFormatter::try_new(array, &options)
                .map_err(|e| e.to_string())?;
            (0..array.len())
                .map(|i| text(i, formatter.value(i).to_string()))
                .collect()
        }
    })
}
