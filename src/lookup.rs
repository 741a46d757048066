//! Code tables applied in place: each value's entry found by hashing, record by record.
//!
//! A join would do the same lookup, but it reorders the records and so copies every column they
//! carry; with a code map per coded variable and the derived groupings, that copying was the largest
//! single cost of harmonizing a large file (see BENCHMARKS.md). These expressions touch only the
//! column they look up, and keep the record order.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use polars::prelude::*;

/// A code table: raw text to its entry; an entry of `None` is a known code that maps to null
/// ("not stated").
#[derive(Clone, Debug, Default)]
pub struct CodeTable {
    /// Raw text to its entry's position in `entries`.
    positions: PlHashMap<String, IdxSize>,
    /// The same positions for raw text of up to seven bytes, packed in an integer ([`packed`]):
    /// most codes are a few bytes, and an integer key is hashed and compared in one step, where a
    /// text key costs a call to compare bytes on every lookup of every record.
    short: PlHashMap<u64, IdxSize>,
    entries: Vec<Option<String>>,
    /// Each entry's raw text, by position.
    raw: Vec<String>,
}

/// Text of up to seven bytes as one integer: its bytes, and its length in the last byte (so
/// that "A" and "A\0" differ).
fn packed(text: &str) -> Option<u64> {
    let bytes = text.as_bytes();
    if bytes.len() > 7 {
        return None;
    }
    let mut packed = [0u8; 8];
    packed[..bytes.len()].copy_from_slice(bytes);
    packed[7] = bytes.len() as u8;
    Some(u64::from_le_bytes(packed))
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
    /// A table from (raw, entry) pairs (a later pair for the same raw text wins).
    pub fn new(pairs: impl IntoIterator<Item = (String, Option<String>)>) -> Self {
        let mut table = CodeTable::default();
        for (from, to) in pairs {
            let next = table.entries.len() as IdxSize;
            if let Some(short) = packed(&from) {
                table.short.entry(short).or_insert(next);
            }
            let position = *table.positions.entry(from.clone()).or_insert(next);
            if position == next {
                table.entries.push(to);
                table.raw.push(from);
            } else {
                table.entries[position as usize] = to;
            }
        }
        table
    }

    /// A table from (raw, entry) pairs; an empty entry means null.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Self::new(pairs.into_iter().map(|(from, to)| {
            let to = (!to.is_empty()).then(|| to.to_string());
            (from.to_string(), to)
        }))
    }

    /// A table from a map of raw code to entry (empty = null).
    pub fn from_map(map: &BTreeMap<String, String>) -> Self {
        Self::from_pairs(map.iter().map(|(f, t)| (f.as_str(), t.as_str())))
    }

    /// The position of `text`'s entry, if the table has it.
    fn position(&self, text: &str) -> Option<IdxSize> {
        match packed(text) {
            Some(short) => self.short.get(&short).copied(),
            None => self.positions.get(text).copied(),
        }
    }

    /// `text` replaced by its entry; a value the table lacks (or null) becomes what `absent` says.
    pub fn apply(&self, text: Expr, absent: Absent) -> Expr {
        if absent == Absent::Null {
            return self.entries(self.positions(text));
        }
        let table = Arc::new(self.clone());
        text.map(
            move |column: Column| {
                let out: StringChunked = column
                    .str()?
                    .iter()
                    .map(|value| {
                        let value = value?;
                        match table.position(value) {
                            Some(p) => table.entries[p as usize].as_deref(),
                            None => Some(value),
                        }
                    })
                    .collect();
                Ok(out.with_name(column.name().clone()).into_column())
            },
            |_, field| Ok(Field::new(field.name().clone(), DataType::String)),
        )
    }

    /// Each value of `text`'s entry position (the absent position, one past the entries, where
    /// the table lacks it or it is null): shared by [`CodeTable::entries`] and
    /// [`CodeTable::enum_entries`], so a value is hashed once for both.
    pub fn positions(&self, text: Expr) -> Expr {
        let table = Arc::new(self.clone());
        text.map(
            move |column: Column| {
                let absent = table.entries.len() as IdxSize;
                let positions: Vec<IdxSize> = column
                    .str()?
                    .downcast_iter()
                    .flat_map(|chunk| chunk.iter())
                    .map(|value| value.and_then(|v| table.position(v)).unwrap_or(absent))
                    .collect();
                Ok(IdxCa::from_vec(column.name().clone(), positions).into_column())
            },
            |_, field| Ok(Field::new(field.name().clone(), IDX_DTYPE)),
        )
    }

    /// The entries at `positions` (from [`CodeTable::positions`]), as text; null for the absent
    /// position and for null entries: what [`CodeTable::apply`] gives with [`Absent::Null`].
    pub fn entries(&self, positions: Expr) -> Expr {
        gather(&self.entries, positions)
    }

    /// Whether each value at `positions` (from [`CodeTable::positions`]) is missing from the
    /// table, or null: a code for "not stated" is in the table (its entry is null); an unknown
    /// code is not.
    pub fn lacks(&self, positions: Expr) -> Expr {
        positions.eq(lit(self.entries.len() as IdxSize))
    }

    /// The raw text at `positions` as an `Enum` of the table's raw codes: the raw values
    /// themselves wherever the table has them, null where it lacks them.
    pub fn enum_raw(&self, positions: Expr) -> PolarsResult<Expr> {
        let raw: Vec<Option<String>> = self.raw.iter().cloned().map(Some).collect();
        Ok(EnumOf::new(&raw)?.of_positions(positions))
    }

    /// The entries at `positions` as an `Enum` of the table's distinct entries (see
    /// [`EnumOf`]): the same values as [`CodeTable::entries`], for the Parquet writer.
    pub fn enum_entries(&self, positions: Expr) -> PolarsResult<Expr> {
        Ok(EnumOf::new(&self.entries)?.of_positions(positions))
    }
}

/// Text codes as an `Enum` whose categories are a list of entries' distinct values, sorted, so
/// that the order of the categories is the order of the text (Parquet statistics, sorting).
///
/// The harmonized records are written with their coded columns as `Enum`s: the Parquet writer
/// takes an `Enum`'s categories as the column's dictionary, where for text it hashes every value
/// twice (an estimate of the distinct values, then the dictionary). The footer still declares the
/// columns as text (`publish::sink_parquet`), so readers see text.
#[derive(Clone)]
pub struct EnumOf {
    pub dtype: DataType,
    /// Each entry's category (None for a null entry), and None for the absent position after them.
    category_of_entry: Vec<Option<u32>>,
}

impl EnumOf {
    pub fn new(entries: &[Option<String>]) -> PolarsResult<Self> {
        let distinct: std::collections::BTreeSet<&str> =
            entries.iter().flatten().map(String::as_str).collect();
        let sorted: Vec<&str> = distinct.into_iter().collect();
        let frozen = FrozenCategories::new(sorted.iter().copied())?;
        let category_of_entry = entries
            .iter()
            .map(|entry| {
                let entry = entry.as_deref()?;
                sorted.binary_search(&entry).ok().map(|c| c as u32)
            })
            .chain(std::iter::once(None))
            .collect();
        Ok(EnumOf {
            dtype: DataType::from_frozen_categories(frozen),
            category_of_entry,
        })
    }

    /// The `Enum` of one value (a constant column).
    pub fn constant(value: &str) -> PolarsResult<Expr> {
        let of = EnumOf::new(&[Some(value.to_string())])?;
        Ok(lit(value).cast(of.dtype))
    }

    /// The categories of the entries at `positions` (one past the entries: null).
    pub fn of_positions(&self, positions: Expr) -> Expr {
        let of = Arc::new(self.clone());
        let dtype = self.dtype.clone();
        positions.map(
            move |column: Column| {
                let ids = column.idx()?.iter().map(|p| {
                    p.and_then(|p| of.category_of_entry.get(p as usize).copied().flatten())
                });
                Ok(of
                    .series(ids)?
                    .with_name(column.name().clone())
                    .into_column())
            },
            move |_, field| Ok(Field::new(field.name().clone(), dtype.clone())),
        )
    }

    /// Category ids as the `Enum`, in its physical type (8, 16 or 32 bits, by how many
    /// categories it has). Every id is below the count of categories by construction.
    fn series(&self, ids: impl Iterator<Item = Option<u32>>) -> PolarsResult<Series> {
        let dtype = self.dtype.clone();
        macro_rules! build {
            ($cat:ty, $native:ty) => {{
                let ids: ChunkedArray<<$cat as PolarsCategoricalType>::PolarsPhysical> =
                    ids.map(|id| id.map(|id| id as $native)).collect();
                CategoricalChunked::<$cat>::from_cats_and_dtype(ids, dtype).into_series()
            }};
        }
        Ok(match self.dtype.cat_physical()? {
            CategoricalPhysical::U8 => build!(Categorical8Type, u8),
            CategoricalPhysical::U16 => build!(Categorical16Type, u16),
            CategoricalPhysical::U32 => build!(Categorical32Type, u32),
        })
    }
}

fn entries_then_null(entries: &[Option<String>]) -> StringChunked {
    entries
        .iter()
        .map(Option::as_deref)
        .chain(std::iter::once(None))
        .collect()
}

/// Each whole `number` as a position into `count` entries: itself, or `count` (absent) where it
/// falls outside them or is null. For [`gather`] and [`EnumOf::of_positions`].
pub fn number_positions(number: Expr, count: usize) -> Expr {
    number.map(
        move |column: Column| {
            let numbers = column.cast(&DataType::Int64)?;
            let positions: Vec<IdxSize> = numbers
                .i64()?
                .iter()
                .map(|n| {
                    let i = n.and_then(|n| usize::try_from(n).ok()).unwrap_or(count);
                    i.min(count) as IdxSize
                })
                .collect();
            Ok(IdxCa::from_vec(column.name().clone(), positions).into_column())
        },
        |_, field| Ok(Field::new(field.name().clone(), IDX_DTYPE)),
    )
}

/// The `entries` at `positions` (one past the entries: null), as text.
pub fn gather(entries: &[Option<String>], positions: Expr) -> Expr {
    let gathered = Arc::new(entries_then_null(entries));
    positions.map(
        move |column: Column| {
            let out = gathered.take(column.idx()?)?;
            Ok(out.with_name(column.name().clone()).into_column())
        },
        |_, field| Ok(Field::new(field.name().clone(), DataType::String)),
    )
}

/// Text values numbered as they are met, one numbering shared by every batch of a stream: a
/// column of few distinct values held as 4-byte ids instead of text (a 16-byte view a value). The
/// numbering can differ from run to run (batches run side by side), so ids are only keys, never
/// an order. The means and medians hold their records' dimension values so until their cells are
/// computed (BENCHMARKS.md, "The means' records as ids").
#[derive(Clone, Default)]
pub struct Interned(Arc<Mutex<InternedValues>>);

#[derive(Default)]
struct InternedValues {
    ids: PlHashMap<String, u32>,
    texts: Vec<String>,
}

impl InternedValues {
    fn id(&mut self, value: &str) -> u32 {
        if let Some(&id) = self.ids.get(value) {
            return id;
        }
        let id = self.texts.len() as u32;
        self.ids.insert(value.to_string(), id);
        self.texts.push(value.to_string());
        id
    }
}

impl Interned {
    /// Each value of `text` (a text column) as its id; null stays null.
    pub fn ids(&self, text: Expr) -> Expr {
        let interned = self.clone();
        text.map(
            move |column: Column| {
                let strings = column.str()?;
                let mut numbering = interned.lock();
                let id = |value: Option<&str>| value.map(|text| numbering.id(text));
                let ids: UInt32Chunked = strings.iter().map(id).collect();
                Ok(ids.with_name(column.name().clone()).into_column())
            },
            |_, field| Ok(Field::new(field.name().clone(), DataType::UInt32)),
        )
    }

    /// The text of every id, by id (once the stream has run).
    pub fn texts(&self) -> Vec<String> {
        self.lock().texts.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, InternedValues> {
        // A batch that panicked mid-way left whole ids behind: the numbering is still sound.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The name of the first of `conditions` that holds (is true; null does not hold) in each record,
/// or null: one pass over the conditions instead of a chain of `when` over text columns.
pub fn first_true(conditions: Vec<Expr>, names: Vec<String>) -> Expr {
    let Some((first, rest)) = conditions.split_first() else {
        return lit(NULL).cast(DataType::String);
    };
    let none = names.len() as IdxSize;
    let gathered = Arc::new(entries_then_null(
        &names.into_iter().map(Some).collect::<Vec<_>>(),
    ));
    first.clone().map_many(
        move |columns: &mut [Column]| {
            let height = columns.iter().map(Column::len).max().unwrap_or(0);
            let mut positions = vec![none; height];
            // Last condition first, so that an earlier one that also holds overwrites it.
            for (k, column) in columns.iter().enumerate().rev() {
                let flags = column.bool()?;
                if flags.len() != height {
                    // A condition that is a constant.
                    if flags.get(0) == Some(true) {
                        positions.fill(k as IdxSize);
                    }
                    continue;
                }
                let holding = flags
                    .downcast_iter()
                    .flat_map(|chunk| chunk.iter())
                    .map(|holds| holds == Some(true));
                for (position, holds) in positions.iter_mut().zip(holding) {
                    if holds {
                        *position = k as IdxSize;
                    }
                }
            }
            let out = gathered.take(&IdxCa::from_vec(PlSmallStr::EMPTY, positions))?;
            Ok(out.into_column())
        },
        rest,
        |_, fields| Ok(Field::new(fields[0].name().clone(), DataType::String)),
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
    fn interned_values_keep_their_ids_across_batches_and_nulls_stay_null() {
        let interned = Interned::default();
        let ids = |values: &[Option<&str>]| -> Vec<Option<u32>> {
            let frame = df!("v" => values).expect("frame");
            let out = run(frame, vec![interned.ids(col("v"))]);
            let column = out.column("v").and_then(|c| c.u32().cloned());
            column.expect("ids").iter().collect()
        };
        assert_eq!(
            ids(&[Some("M"), None, Some("F"), Some("M")]),
            [Some(0), None, Some(1), Some(0)]
        );
        // A later batch: known values keep their ids, a new one takes the next.
        assert_eq!(ids(&[Some("F"), Some("X")]), [Some(1), Some(2)]);
        assert_eq!(interned.texts(), ["M", "F", "X"]);
    }

    fn texts<'a>(frame: &'a DataFrame, name: &str) -> Vec<Option<&'a str>> {
        frame
            .column(name)
            .and_then(|c| c.str())
            .expect("text column")
            .iter()
            .collect()
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
                table.lacks(table.positions(col("raw"))).alias("lacks"),
            ],
        );
        let s = Some;
        assert_eq!(
            texts(&out, "null"),
            vec![s("M"), s("F"), None, None, None, None]
        );
        assert_eq!(
            texts(&out, "kept"),
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
    fn categories_are_the_entries_as_an_enum_in_text_order() {
        // Two codes share an entry; "9" is "not stated" (null); "7" is unknown.
        let table = CodeTable::from_pairs([("1", "M"), ("3", "F"), ("2", "F"), ("9", "")]);
        let frame = df!("raw" => [Some("1"), Some("2"), Some("3"), Some("9"), Some("7"), None])
            .expect("frame");
        let categories = table
            .enum_entries(table.positions(col("raw")))
            .expect("enum");
        let out = run(
            frame,
            vec![
                categories.clone().alias("enum"),
                categories.cast(DataType::String).alias("text"),
                table.apply(col("raw"), Absent::Null).alias("entries"),
            ],
        );
        assert_eq!(texts(&out, "text"), texts(&out, "entries"));
        // The categories are the distinct entries, sorted as text.
        let DataType::Enum(categories, _) = out.column("enum").expect("enum").dtype() else {
            panic!("not an Enum");
        };
        let categories: Vec<&str> = categories.categories().values_iter().collect();
        assert_eq!(categories, vec!["F", "M"]);
    }

    #[test]
    fn short_and_long_codes_are_told_apart() {
        // Packed codes keep their length: "1", "01" and "1\0" are three codes; longer codes take
        // the text table.
        let table = CodeTable::from_pairs([("1", "a"), ("01", "b"), ("ABCDEFGH", "c")]);
        let raw = [
            Some("1"),
            Some("01"),
            Some("1\0"),
            Some("ABCDEFGH"),
            Some("ABCDEFG"),
            Some(""),
        ];
        let out = run(
            df!("raw" => raw).expect("frame"),
            vec![table.apply(col("raw"), Absent::Null).alias("null")],
        );
        let s = Some;
        assert_eq!(
            texts(&out, "null"),
            vec![s("a"), s("b"), None, s("c"), None, None]
        );
    }

    #[test]
    fn the_first_condition_that_holds_names_the_record() {
        let frame = df!(
            "a" => [Some(false), Some(true), None, Some(false)],
            "b" => [Some(true), Some(true), Some(true), None]
        )
        .expect("frame");
        let names = vec!["A".to_string(), "B".to_string(), "C".to_string()];
        let out = run(
            frame,
            vec![first_true(vec![col("a"), col("b"), lit(false)], names).alias("first")],
        );
        assert_eq!(
            texts(&out, "first"),
            vec![Some("B"), Some("A"), Some("B"), None]
        );
    }

    #[test]
    fn numbers_outside_the_entries_are_null() {
        let frame = df!("age" => [Some(0i32), Some(2), Some(3), Some(-1), None]).expect("frame");
        let entries = vec![Some("a".to_string()), None, Some("c".to_string())];
        let positions = number_positions(col("age"), entries.len());
        let twin = EnumOf::new(&entries)
            .expect("enum")
            .of_positions(positions.clone());
        let out = run(
            frame,
            vec![
                gather(&entries, positions).alias("text"),
                twin.cast(DataType::String).alias("twin"),
            ],
        );
        let expected = vec![Some("a"), Some("c"), None, None, None];
        assert_eq!(texts(&out, "text"), expected);
        assert_eq!(texts(&out, "twin"), expected);
    }

    #[test]
    fn a_table_of_only_not_stated_codes_gives_an_enum_without_categories() {
        let table = CodeTable::from_pairs([("9", ""), ("0", "")]);
        let frame = df!("raw" => [Some("9"), Some("1"), None]).expect("frame");
        let twin = table
            .enum_entries(table.positions(col("raw")))
            .expect("enum");
        let out = run(frame, vec![twin.cast(DataType::String).alias("twin")]);
        assert_eq!(texts(&out, "twin"), vec![None, None, None]);
    }
}
