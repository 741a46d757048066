//! The executed aggregation, read once for the roll-up of every count table of a source.
//!
//! A rich survey's aggregation has hundreds of thousands of groups (every combination of published
//! categories that occurs), and a source has a few dozen count tables. Each table's finest table
//! is the clean groups of its universe summed by its dimensions: selecting and grouping those
//! with a query per table read every dimension's text again for each table; here each dimension's
//! values are hashed once into small ids, and a table's finest table is summed over the ids.

use std::collections::BTreeMap;

use polars::prelude::*;

use super::{dimension_column, overflow, Tally, BLANK, KEY};
use crate::error::{Error, Result};
use crate::indicators::Indicator;
use crate::spec::SourceSpec;

/// The groups of [`super::aggregate`]'s executed frame: which are clean, each dimension's value as
/// an id into its distinct values, and each group's tally.
pub struct AggregatedGroups<'f> {
    frame: &'f DataFrame,
    /// Per group: no validation rule failed (the rule column is null).
    clean: Vec<bool>,
    /// By dimension column (`_d_<name>`).
    dimensions: BTreeMap<String, DimensionIds>,
    tallies: Vec<Tally>,
}

/// A dimension's value in each group, as an id into its distinct values (null among them).
struct DimensionIds {
    ids: Vec<u32>,
    values: Vec<Option<String>>,
}

/// A table's finest table: per row, the ids of its dimensions' values (in the table's dimension
/// order) and the summed tally, with each dimension's distinct values to read the ids.
pub(super) struct FinestTable<'g> {
    pub(super) values: Vec<&'g [Option<String>]>,
    pub(super) rows: Vec<(Vec<u32>, Tally)>,
}

impl DimensionIds {
    fn read(column: &StringChunked) -> DimensionIds {
        let mut id_of: PlHashMap<Option<&str>, u32> = PlHashMap::new();
        let mut values = Vec::new();
        let ids = column
            .iter()
            .map(|value| {
                *id_of.entry(value).or_insert_with(|| {
                    values.push(value.map(String::from));
                    values.len() as u32 - 1
                })
            })
            .collect();
        DimensionIds { ids, values }
    }
}

impl<'f> AggregatedGroups<'f> {
    /// Read the executed aggregation `frame` (`rule_column`: the failed rule, null when clean).
    pub fn read(
        spec: &SourceSpec,
        frame: &'f DataFrame,
        rule_column: &str,
    ) -> Result<AggregatedGroups<'f>> {
        let fail = |e: PolarsError| Error::polars(&spec.raw_path, "read the aggregation", e);
        let clean = frame.column(rule_column).map_err(fail)?.is_null();
        let mut dimensions = BTreeMap::new();
        for column in frame.columns() {
            if column.name().starts_with(dimension_column("").as_str()) {
                let ids = DimensionIds::read(column.str().map_err(fail)?);
                dimensions.insert(column.name().to_string(), ids);
            }
        }
        Ok(AggregatedGroups {
            frame,
            clean: clean.iter().map(|c| c == Some(true)).collect(),
            dimensions,
            tallies: tallies(frame).map_err(fail)?,
        })
    }

    /// `table`'s finest table: the clean groups where `universe` (a flag column) holds, summed by
    /// the dimension columns `names`.
    pub(super) fn finest(
        &self,
        spec: &SourceSpec,
        table: &Indicator,
        universe: &str,
        names: &[String],
    ) -> Result<FinestTable<'_>> {
        let fail = |e: PolarsError| Error::polars(&spec.raw_path, "read the aggregation", e);
        let inside = self
            .frame
            .column(universe)
            .and_then(|c| c.bool().cloned())
            .map_err(fail)?;
        let dimensions: Vec<&DimensionIds> = names
            .iter()
            .map(|name| {
                self.dimensions
                    .get(name)
                    .ok_or_else(|| fail(PolarsError::ColumnNotFound(name.clone().into())))
            })
            .collect::<Result<_>>()?;
        let key = CombinedKey::of(&dimensions);
        let kept = inside
            .iter()
            .zip(&self.clean)
            .map(|(i, c)| *c && i == Some(true));
        let summed = sum_by_key(kept, &self.tallies, &key).ok_or_else(|| overflow(spec, table))?;
        let rows = summed.into_iter().map(|(k, tally)| (key.ids(k), tally));
        Ok(FinestTable {
            values: dimensions.iter().map(|d| d.values.as_slice()).collect(),
            rows: rows.collect(),
        })
    }
}

/// The tallies of the groups `kept` says to keep, summed by their combined key; None when a sum
/// leaves the 64-bit range.
fn sum_by_key(
    kept: impl Iterator<Item = bool>,
    tallies: &[Tally],
    key: &CombinedKey,
) -> Option<PlHashMap<u128, Tally>> {
    let mut summed: PlHashMap<u128, Tally> = PlHashMap::new();
    for (group, (kept, tally)) in kept.zip(tallies).enumerate() {
        if kept {
            summed.entry(key.of_group(group)).or_default().add(*tally)?;
        }
    }
    Some(summed)
}

/// A group's dimension ids as one number (mixed radix, each dimension's digit below its count of
/// distinct values), hashed in one step. A table has at most three dimensions (sex, classif1,
/// classif2: indicators.rs checks it), each of fewer than 2^32 values, so the number fits.
struct CombinedKey<'d> {
    dimensions: &'d [&'d DimensionIds],
}

impl<'d> CombinedKey<'d> {
    fn of(dimensions: &'d [&'d DimensionIds]) -> Self {
        CombinedKey { dimensions }
    }

    fn of_group(&self, group: usize) -> u128 {
        let digit = |d: &DimensionIds| (d.ids[group], d.values.len() as u128);
        let digits = self.dimensions.iter().map(|d| digit(d));
        digits.fold(0, |key, (id, radix)| key * radix + id as u128)
    }

    fn ids(&self, mut key: u128) -> Vec<u32> {
        let mut ids = vec![0; self.dimensions.len()];
        for (id, d) in ids.iter_mut().zip(self.dimensions).rev() {
            let radix = d.values.len() as u128;
            *id = (key % radix) as u32;
            key /= radix;
        }
        ids
    }
}

/// Each group's tally: its summed weight and records, and the summed keys and blank counts where
/// the aggregation has them (zero where it does not).
fn tallies(frame: &DataFrame) -> PolarsResult<Vec<Tally>> {
    let weights = frame.column("_weight")?.i64()?;
    let records = frame.column("_records")?.i64()?;
    let optional = |name: &str| -> PolarsResult<Vec<i64>> {
        match frame.column(name) {
            Ok(column) => Ok(column
                .cast(&DataType::Int64)?
                .i64()?
                .iter()
                .map(|v| v.unwrap_or(0))
                .collect()),
            Err(_) => Ok(vec![0; frame.height()]),
        }
    };
    let (key_sums, blanks) = (optional(KEY)?, optional(BLANK)?);
    let tallies = weights
        .iter()
        .zip(records.iter())
        .zip(key_sums.iter().zip(&blanks));
    Ok(tallies
        .map(|((weight, records), (&key_sum, &blank))| Tally {
            weight: weight.unwrap_or(0),
            records: records.unwrap_or(0),
            key_sum,
            blank,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn ids(values: &[Option<&str>]) -> DimensionIds {
        DimensionIds::read(&StringChunked::from_iter_options(
            "d".into(),
            values.iter().copied(),
        ))
    }

    fn tally(weight: i64) -> Tally {
        Tally {
            weight,
            records: 1,
            ..Default::default()
        }
    }

    #[test]
    fn each_distinct_value_null_included_gets_one_id() {
        let read = ids(&[Some("F"), None, Some("M"), Some("F"), None]);
        assert_eq!(read.ids, vec![0, 1, 2, 0, 1]);
        assert_eq!(read.values, vec![Some("F".into()), None, Some("M".into())]);
    }

    #[test]
    fn a_combined_key_gives_back_its_ids() {
        let (sex, age, area) = (
            ids(&[Some("F"), Some("M"), Some("F")]),
            ids(&[Some("Y15"), Some("Y25"), Some("Y35")]),
            ids(&[None, Some("A"), Some("B")]),
        );
        let dimensions = [&sex, &age, &area];
        let key = CombinedKey::of(&dimensions);
        let keys: Vec<u128> = (0..3).map(|g| key.of_group(g)).collect();
        assert_eq!(keys.iter().collect::<BTreeSet<_>>().len(), 3);
        for (group, &k) in keys.iter().enumerate() {
            let expected: Vec<u32> = dimensions.iter().map(|d| d.ids[group]).collect();
            assert_eq!(key.ids(k), expected);
        }
    }

    #[test]
    fn kept_groups_are_summed_by_their_values_and_the_rest_left_out() {
        let sex = ids(&[Some("F"), Some("M"), Some("F"), Some("F")]);
        let dimensions = [&sex];
        let key = CombinedKey::of(&dimensions);
        let tallies = [tally(5), tally(7), tally(11), tally(13)];
        let kept = [true, true, true, false].into_iter();
        let summed = sum_by_key(kept, &tallies, &key).expect("no overflow");
        let female = summed[&key.of_group(0)];
        assert_eq!((female.weight, female.records), (16, 2));
        assert_eq!(summed[&key.of_group(1)].weight, 7);
        assert_eq!(summed.len(), 2);
    }

    #[test]
    fn a_sum_beyond_64_bits_is_refused() {
        let sex = ids(&[Some("F"), Some("F")]);
        let dimensions = [&sex];
        let key = CombinedKey::of(&dimensions);
        let tallies = [tally(i64::MAX), tally(1)];
        assert!(sum_by_key([true, true].into_iter(), &tallies, &key).is_none());
    }
}
