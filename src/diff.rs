//! What changed between two releases of a round (`ilms diff`): each cell added, removed, revised
//! (its value changed) or re-flagged (its value the same, its observation status not), with the old
//! and new value and status. Read from the releases' own Parquet datasets; nothing is written into
//! a release.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::error::{Error, Result};
use crate::publish::{store, Folder, Outputs};

/// The columns that identify a cell across releases.
pub const CELL_KEY: [&str; 7] = [
    "ref_area",
    "source",
    "indicator",
    "sex",
    "classif1",
    "classif2",
    "time",
];

/// Stands for a missing sex, classif1 or classif2 while joining (a code is never empty).
const NO_CODE: &str = "";

/// The changes between two releases, one row per changed cell.
pub struct ReleaseDiff {
    /// The earlier release's id.
    pub old: String,
    /// The later release's id.
    pub new: String,
    /// [`CELL_KEY`], then `change` (added, removed, revised, flag), `old_value`, `new_value`,
    /// `old_status`, `new_status`, `old_suppressed`, `new_suppressed`; sorted by the key.
    pub changes: DataFrame,
    /// How many cells changed in each way, per source and indicator.
    pub counts: ChangeCounts,
}

/// The columns of [`ReleaseDiff::changes`] after the key.
const CHANGE_COLUMNS: [&str; 7] = [
    "change",
    "old_value",
    "new_value",
    "old_status",
    "new_status",
    "old_suppressed",
    "new_suppressed",
];

/// Which two releases to compare: `old` and `new` by id; without `new` the current release;
/// without either, the current release and the one before it.
pub fn choose(outputs: &Outputs, old: Option<&str>, new: Option<&str>) -> Result<(String, String)> {
    let releases_dir = outputs.store(Folder::Processed);
    let kept = store::releases(releases_dir);
    let known = |id: &str| -> Result<String> {
        if kept.iter().any(|k| k == id) {
            return Ok(id.to_string());
        }
        Err(Error::new(
            releases_dir,
            "",
            format!("no release '{id}' is kept"),
            format!(
                "use one of: {} (`ilms releases` lists them)",
                kept.join(", ")
            ),
        ))
    };
    let new = match new {
        Some(id) => known(id)?,
        None => store::current(releases_dir).ok_or_else(|| {
            Error::new(
                releases_dir,
                "",
                "no current release",
                "run `ilms run` first",
            )
        })?,
    };
    let old = match old {
        Some(id) => known(id)?,
        None => kept
            .iter()
            .rfind(|id| id.as_str() < new.as_str())
            .cloned()
            .ok_or_else(|| {
                Error::new(
                    releases_dir,
                    "",
                    format!("release {new} is the earliest kept: nothing to compare it with"),
                    "run `ilms run` again after a change, or name two releases",
                )
            })?,
    };
    Ok((old, new))
}

/// The cells of release `old` and of release `new` compared.
pub fn diff(outputs: &Outputs, old: &str, new: &str) -> Result<ReleaseDiff> {
    let releases_dir = outputs.store(Folder::Processed);
    let processed = |id: &str| releases_dir.join(id).join("processed");
    between((old, &processed(old)), (new, &processed(new)), releases_dir)
}

/// The cells of two `processed` folders compared, each with its release's id (the release being
/// written is compared with the current one from its staging folder); `context` names errors.
pub fn between(old: (&str, &Path), new: (&str, &Path), context: &Path) -> Result<ReleaseDiff> {
    let ((old, old_dir), (new, new_dir)) = (old, new);
    let fail = |e| Error::polars(context, "compare the releases' cells", e);
    let joined = published(old_dir, "old")?
        .join(
            published(new_dir, "new")?,
            key_columns(),
            key_columns(),
            JoinArgs::new(JoinType::Full).with_coalesce(JoinCoalesce::CoalesceColumns),
        )
        .with_column(change().alias("change"))
        .filter(col("change").is_not_null())
        .with_columns([
            restore_missing("sex"),
            restore_missing("classif1"),
            restore_missing("classif2"),
        ])
        .select(
            CELL_KEY
                .iter()
                .map(|c| col(*c))
                .chain(CHANGE_COLUMNS.map(col))
                .collect::<Vec<_>>(),
        )
        .sort(CELL_KEY, SortMultipleOptions::default());
    let changes = joined.collect().map_err(fail)?;
    let counts = change_counts(&changes).map_err(fail)?;
    Ok(ReleaseDiff {
        old: old.to_string(),
        new: new.to_string(),
        changes,
        counts,
    })
}

fn key_columns() -> Vec<Expr> {
    CELL_KEY.iter().map(|c| col(*c)).collect()
}

/// A release's cells: the key (no code as [`NO_CODE`]), value, status, and that it has the cell.
fn published(processed: &Path, side: &str) -> Result<LazyFrame> {
    if !processed.join("indicators").is_dir() {
        return Err(Error::new(
            processed.join("indicators"),
            "",
            "the release has no published indicators",
            "compare releases that `ilms run` published",
        ));
    }
    let mut columns: Vec<Expr> = CELL_KEY
        .iter()
        .map(|c| col(*c).cast(DataType::String).fill_null(lit(NO_CODE)))
        .collect();
    columns.extend([
        col("obs_value").alias(format!("{side}_value")),
        col("obs_status").alias(format!("{side}_status")),
        col("suppressed").alias(format!("{side}_suppressed")),
        lit(true).alias(format!("{side}_has")),
    ]);
    Ok(crate::query::scan_indicators(processed)?.select(columns))
}

/// added / removed / revised (the value), flag (the same value, another status or reason for
/// withholding), or null for a cell that did not change.
fn change() -> Expr {
    let has = |side: &str| col(format!("{side}_has")).fill_null(lit(false));
    when(has("old").not())
        .then(lit("added"))
        .when(has("new").not())
        .then(lit("removed"))
        .when(col("old_value").neq_missing(col("new_value")))
        .then(lit("revised"))
        .when(
            col("old_status")
                .neq_missing(col("new_status"))
                .or(col("old_suppressed").neq_missing(col("new_suppressed"))),
        )
        .then(lit("flag"))
        .otherwise(lit(NULL).cast(DataType::String))
}

fn restore_missing(column: &str) -> Expr {
    when(col(column).eq(lit(NO_CODE)))
        .then(lit(NULL).cast(DataType::String))
        .otherwise(col(column))
        .alias(column)
}

/// Changes per (source, indicator): added, removed, revised, re-flagged.
pub type ChangeCounts = BTreeMap<(String, String), [usize; 4]>;

/// How many cells changed in each way, per source and indicator.
fn change_counts(changes: &DataFrame) -> PolarsResult<ChangeCounts> {
    let mut counts = ChangeCounts::new();
    let source = changes.column("source")?.str()?;
    let indicator = changes.column("indicator")?.str()?;
    let change = changes.column("change")?.str()?;
    for i in 0..changes.height() {
        let key = (
            source.get(i).unwrap_or_default().to_string(),
            indicator.get(i).unwrap_or_default().to_string(),
        );
        let slot = match change.get(i) {
            Some("added") => 0,
            Some("removed") => 1,
            Some("revised") => 2,
            _ => 3,
        };
        counts.entry(key).or_default()[slot] += 1;
    }
    Ok(counts)
}

impl ReleaseDiff {
    /// Cells added, removed, revised and re-flagged, over every source and indicator.
    pub fn totals(&self) -> [usize; 4] {
        self.counts.values().fold([0; 4], |mut sum, c| {
            (0..4).for_each(|i| sum[i] += c[i]);
            sum
        })
    }

    /// The changes as Parquet and CSV files in `dir`; their paths.
    pub fn write(&self, dir: &Path) -> Result<Vec<PathBuf>> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, "create the folder", e))?;
        let stem = format!("diff_{}_{}", self.old, self.new);
        let parquet = dir.join(format!("{stem}.parquet"));
        let csv = dir.join(format!("{stem}.csv"));
        let mut frame = self.changes.clone();
        let file = |path: &Path| {
            std::fs::File::create(path).map_err(|e| Error::io(path, "write the changes", e))
        };
        ParquetWriter::new(file(&parquet)?)
            .finish(&mut frame)
            .map_err(|e| Error::polars(&parquet, "write the changes", e))?;
        let text = self.to_csv(&csv)?;
        std::fs::write(&csv, text).map_err(|e| Error::io(&csv, "write the changes", e))?;
        Ok(vec![parquet, csv])
    }

    /// The changes as CSV, for `destination` (named in an error).
    pub fn to_csv(&self, destination: &Path) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        CsvWriter::new(&mut out)
            .finish(&mut self.changes.clone())
            .map_err(|e| Error::polars(destination, "write the changes as CSV", e))?;
        Ok(out)
    }
}

impl fmt::Display for ReleaseDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let counts = &self.counts;
        let total = self.totals();
        writeln!(
            f,
            "{} -> {}: {} cells added, {} removed, {} revised, {} re-flagged (same value, other status or reason for withholding)",
            self.old, self.new, total[0], total[1], total[2], total[3]
        )?;
        if counts.is_empty() {
            return Ok(());
        }
        writeln!(
            f,
            "{:<24} {:<28} {:>7} {:>8} {:>8} {:>8}",
            "source", "indicator", "added", "removed", "revised", "flag"
        )?;
        for ((source, indicator), [added, removed, revised, flag]) in counts {
            writeln!(
                f,
                "{source:<24} {indicator:<28} {added:>7} {removed:>8} {revised:>8} {flag:>8}"
            )?;
        }
        Ok(())
    }
}
