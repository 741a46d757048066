//! Code tables applied in place: each value's entry found by hashing, record by record.
//!
//! A join would do the same lookup, but it reorders the records and so copies every column they
//! carry; with a code map per coded variable and the derived groupings, that copying was the largest
//! single cost of harmonizing a large file (see BENCHMARKS.md). These expressions touch only the
//! column they look up, and keep the record order.

use std::collections::BTreeMap;
use std::sync::Arc;

use polars::prelude::*;

/// A code table: raw text to its entry; an entry of `None` is a known code that maps to null
/// ("not stated").
#[derive(Clone, Default)]
pub struct CodeTable {
    entries: PlHashMap<String, Option<String>>,
}

/// What a value absent from the table (or null) becomes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Absent {
    /// Null.
    Null,
    /// The value itself (a code without a label keeps its code).
    Kept,
}

impl CodeTable {
    /// A table from (raw, entry) pairs.
    pub fn new(entries: impl IntoIterator<Item = (String, Option<String>)>) -> Self {
        CodeTable {
            entries: entries.into_iter().collect(),
        }
    }

    /// A table from (raw, entry) pairs; an empty entry means null.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let entries = pairs
            .into_iter()
            .map(|(from, to)| {
                let to = (!to.is_empty()).then(|| to.to_string());
                (from.to_string(), to)
            })
            .collect();
        CodeTable { entries }
    }

    /// A table from a map of raw code to entry (empty = null).
    pub fn from_map(map: &BTreeMap<String, String>) -> Self {
        Self::from_pairs(map.iter().map(|(f, t)| (f.as_str(), t.as_str())))
    }

    /// `text` replaced by its entry; a value the table lacks (or null) becomes what `absent` says.
    pub fn apply(&self, text: Expr, absent: Absent) -> Expr {
        let table = Arc::new(self.clone());
        text.map(
            move |column: Column| {
                let values = column.str()?;
                let out: StringChunked = values
                    .iter()
                    .map(|value| {
                        let value = value?;
                        match table.entries.get(value) {
                            Some(entry) => entry.as_deref(),
                            None if absent == Absent::Kept => Some(value),
                            None => None,
                        }
                    })
                    .collect();
                Ok(out.with_name(column.name().clone()).into_column())
            },
            |_, field| Ok(Field::new(field.name().clone(), DataType::String)),
        )
    }

    /// Whether each value of `text` is missing from the table (true for null).
    pub fn lacks(&self, text: Expr) -> Expr {
        let table = Arc::new(self.clone());
        text.map(
            move |column: Column| {
                let values = column.str()?;
                let out: BooleanChunked = values
                    .iter()
                    .map(|value| Some(value.is_none_or(|v| !table.entries.contains_key(v))))
                    .collect();
                Ok(out.with_name(column.name().clone()).into_column())
            },
            |_, field| Ok(Field::new(field.name().clone(), DataType::Boolean)),
        )
    }
}

/// `number` (a whole number) replaced by `entries[number]`; null where it falls outside them.
pub fn by_number(number: Expr, entries: Vec<String>) -> Expr {
    let entries = Arc::new(entries);
    number.map(
        move |column: Column| {
            let numbers = column.cast(&DataType::Int64)?;
            let out: StringChunked = numbers
                .i64()?
                .iter()
                .map(|n| {
                    let i = usize::try_from(n?).ok()?;
                    entries.get(i).map(String::as_str)
                })
                .collect();
            Ok(out.with_name(column.name().clone()).into_column())
        },
        |_, field| Ok(Field::new(field.name().clone(), DataType::String)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(frame: DataFrame, exprs: Vec<Expr>) -> DataFrame {
        frame
            .lazy()
            .select(exprs)
            .collect()
            .expect("the lookup plan runs")
    }

    #[test]
    fn entries_absent_values_and_nulls() {
        let table = CodeTable::from_pairs([("1", "M"), ("2", "F"), ("9", "")]);
        let frame = df!("raw" => [Some("1"), Some("2"), Some("9"), Some("7"), None, Some("")])
            .expect("frame");
        let out = run(
            frame,
            vec![
                table.apply(col("raw"), Absent::Null).alias("null"),
                table.apply(col("raw"), Absent::Kept).alias("kept"),
                table.lacks(col("raw")).alias("lacks"),
            ],
        );
        let text = |name: &str| -> Vec<Option<String>> {
            out.column(name)
                .and_then(|c| c.str().cloned())
                .expect("text column")
                .iter()
                .map(|v| v.map(String::from))
                .collect()
        };
        let s = |v: &str| Some(v.to_string());
        assert_eq!(text("null"), vec![s("M"), s("F"), None, None, None, None]);
        assert_eq!(
            text("kept"),
            vec![s("M"), s("F"), None, s("7"), None, s("")]
        );
        let lacks: Vec<Option<bool>> = out
            .column("lacks")
            .and_then(|c| c.bool().cloned())
            .expect("flag column")
            .iter()
            .collect();
        let flags = [false, false, false, true, true, true].map(Some).to_vec();
        assert_eq!(lacks, flags);
    }

    #[test]
    fn numbers_outside_the_entries_are_null() {
        let frame = df!("age" => [Some(0i32), Some(2), Some(3), Some(-1), None]).expect("frame");
        let entries = vec!["a".to_string(), "b".to_string(), "c".to_string()];
        let out = run(frame, vec![by_number(col("age"), entries)]);
        let got: Vec<Option<&str>> = out
            .column("age")
            .and_then(|c| c.str())
            .expect("text column")
            .iter()
            .collect();
        assert_eq!(got, vec![Some("a"), Some("c"), None, None, None]);
    }
}
