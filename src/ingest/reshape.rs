//! Wide tables as one row per category, whatever the format (`file.unpivot`): a ministry's
//! Total / Men / Women columns become rows, its stated total and percentages are checked against
//! the parts, and where the spec makes the stated total authoritative, the difference is counted
//! in a category of its own (e.g. sex not stated), so the published total is the stated one.

use std::path::Path;

use polars::prelude::IdxSize;

use super::{number_text, TotalCheck};
use crate::error::{Error, Result};
use crate::spec::{Authoritative, Unpivot};

/// Columns in order, their values (text, column by column), and each row's data row number.
pub(super) type Table = (Vec<String>, Vec<Vec<String>>, Vec<IdxSize>);

/// A wide table as one row per unpivoted column (and per residual, see the module): the other
/// columns repeated, then the category's name and its cell. Each row keeps the data row it came
/// from; `row_name` names a data row in messages ("sheet row 7", "data row 3"). Returns the long
/// table and the checks of the stated totals and percentages.
pub(super) fn unpivoted(
    path: &Path,
    unpivot: &Unpivot,
    (columns, values, data_rows): Table,
    row_name: &dyn Fn(IdxSize) -> String,
) -> Result<(Table, Vec<TotalCheck>)> {
    let index = |name: &str, key: &str| {
        columns.iter().position(|c| c == name).ok_or_else(|| {
            Error::new(
                path,
                "",
                format!(
                    "{key} names column '{name}', which the table does not have (its columns: {})",
                    columns.join(", ")
                ),
                "name columns of the header (`ilms inspect` shows them)",
            )
        })
    };
    let wide: Vec<usize> = unpivot
        .columns
        .iter()
        .map(|c| index(c, "file.unpivot.columns"))
        .collect::<Result<_>>()?;
    let total = match &unpivot.total {
        Some(t) => Some(index(t, "file.unpivot.total")?),
        None => None,
    };
    let percents: Vec<(usize, usize)> = unpivot
        .percents
        .iter()
        .map(|p| -> Result<(usize, usize)> {
            let column = index(&p.column, "file.unpivot.percents.column")?;
            Ok((column, index(&p.part, "file.unpivot.percents.part")?))
        })
        .collect::<Result<_>>()?;
    let dropped: Vec<usize> = total
        .iter()
        .chain(percents.iter().map(|(c, _)| c))
        .copied()
        .collect();
    let kept: Vec<usize> = (0..columns.len())
        .filter(|j| !wide.contains(j) && !dropped.contains(j))
        .collect();
    let mut out_columns: Vec<String> = kept.iter().map(|&j| columns[j].clone()).collect();
    out_columns.extend([unpivot.name.clone(), unpivot.value.clone()]);
    let mut out: Vec<Vec<String>> = vec![Vec::new(); out_columns.len()];
    let mut out_rows = Vec::new();
    let mut checks = Vec::new();
    for (i, row) in data_rows.iter().enumerate() {
        let mut push = |name: &str, value: String| {
            for (k, &j) in kept.iter().enumerate() {
                out[k].push(values[j][i].clone());
            }
            out[kept.len()].push(name.to_string());
            out[kept.len() + 1].push(value);
            out_rows.push(*row);
        };
        for &w in &wide {
            push(&columns[w], values[w][i].clone());
        }
        let parts = parts_sum(wide.iter().map(|&w| values[w][i].as_str()));
        let stated = total.and_then(|t| number(&values[t][i]));
        if let (Some(stated), Some(parts), Some(t)) = (stated, parts, total) {
            checks.push(total_check(
                unpivot,
                &columns[t],
                &row_name(*row),
                stated,
                parts,
            ));
            if unpivot.authoritative == Authoritative::Total && stated != parts {
                let residual = unpivot.residual.as_deref().unwrap_or_default();
                push(residual, number_text(stated - parts));
            }
        }
        // A percentage is of the published total: the stated one where it is authoritative.
        let whole = match unpivot.authoritative {
            Authoritative::Total => stated.or(parts),
            Authoritative::Parts => parts,
        };
        for &(column, part) in &percents {
            let given = number(&values[column][i]);
            let part_value = number(&values[part][i]);
            if let (Some(given), Some(part_value), Some(whole)) = (given, part_value, whole) {
                let what = || {
                    format!(
                        "{}, column '{}' = 100 x '{}' / the total",
                        row_name(*row),
                        columns[column],
                        columns[part]
                    )
                };
                checks.extend(percent_check(what, given, part_value, whole));
            }
        }
    }
    Ok(((out_columns, out, out_rows), checks))
}

/// A stated percentage against 100 x part / whole (none where the whole is 0: undefined).
fn percent_check(
    what: impl Fn() -> String,
    given: f64,
    part: f64,
    whole: f64,
) -> Option<TotalCheck> {
    (whole > 0.0).then(|| TotalCheck {
        what: what(),
        stated: given,
        computed: 100.0 * part / whole,
    })
}

/// How a check's detail says the stated total is the published figure (the annual tables'
/// footnote reads it).
pub const STATED_TOTAL_PUBLISHED: &str = "published: the stated total";

/// The check of a row's stated total against its parts, saying which figure is published.
fn total_check(unpivot: &Unpivot, total: &str, row: &str, stated: f64, parts: f64) -> TotalCheck {
    let published = match unpivot.authoritative {
        Authoritative::Parts => "published: the sum of the parts".to_string(),
        Authoritative::Total => format!(
            "{STATED_TOTAL_PUBLISHED}, the difference counted as '{}'",
            unpivot.residual.as_deref().unwrap_or_default()
        ),
    };
    TotalCheck {
        what: format!(
            "{row}, column '{total}' = {} ({published})",
            unpivot.columns.join(" + ")
        ),
        stated,
        computed: parts,
    }
}

/// The sum of a row's parts (None if one is not a number), rounded to a millionth as counts are,
/// so 58.6 + 41.5 is the 100.1 a table in thousands states.
fn parts_sum<'a>(cells: impl Iterator<Item = &'a str>) -> Option<f64> {
    let sum: Option<f64> = cells.map(number).sum();
    sum.map(|sum| (sum * 1e6).round() / 1e6)
}

/// A cell as a number: thousands separators allowed; blank or text (a nil marker) is None.
fn number(text: &str) -> Option<f64> {
    let text = text.trim().replace(',', "");
    text.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// The long table as a frame with `source_row` given (the data row numbers, not a running count:
/// total rows are skipped and an unpivoted row appears once per category).
pub(super) fn numbered_frame(
    path: &Path,
    columns: &[String],
    values: Vec<Vec<String>>,
    rows: Vec<IdxSize>,
) -> Result<polars::prelude::LazyFrame> {
    use polars::prelude::*;
    let mut frame_columns = vec![Column::new(super::SOURCE_ROW.into(), rows)];
    frame_columns.extend(
        columns
            .iter()
            .zip(values)
            .map(|(name, values)| Column::new(name.as_str().into(), values)),
    );
    DataFrame::new_infer_height(frame_columns)
        .map(|f| f.lazy())
        .map_err(|e| Error::polars(path, "assemble the columns", e))
}
