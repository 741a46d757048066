//! Annual tables on demand (`ilms table`): which tables a request names, built from the cells of
//! the current release.

use super::Round;
use crate::annual::{self, AnnualTable, TableSpec, TableUnit};
use crate::cells::Cells;
use crate::error::{Error, Result};
use crate::publish::Folder;

/// What `ilms table` asks for: a declared table, every declared table, or one made up from a
/// count indicator; and the year and rows to show.
#[derive(Debug, Clone, Default)]
pub struct TableRequest {
    /// A table id of the round's tables file; None with no indicator: every declared table.
    pub id: Option<String>,
    /// A count indicator, for a table not declared.
    pub indicator: Option<String>,
    /// With an indicator: the codes of the cells shown, one per breakdown besides sex (as `keep`
    /// in the tables file).
    pub keep: Vec<String>,
    /// With an indicator: persons or thousands.
    pub unit: TableUnit,
    /// The table's year (None: each country's latest).
    pub year: Option<u32>,
    /// With a year: each country's latest year up to it.
    pub latest: bool,
    /// With a year and `latest`: the period's first year ("2018/2019": from 2018, year 2019).
    pub from: Option<u32>,
    /// Several years side by side (instead of a year).
    pub years: Vec<u32>,
    /// Footnotes also name the sources' and validation rules' ids.
    pub technical_notes: bool,
    /// Rows, as ISO alpha-3 codes (empty: every country with data).
    pub countries: Vec<String>,
}

impl Round {
    /// The tables a request names, its year and rows applied.
    pub fn table_specs(&self, request: &TableRequest) -> Result<Vec<TableSpec>> {
        let mut specs = match (&request.id, &request.indicator) {
            (Some(id), _) => vec![self.declared_table(id)?],
            (None, Some(indicator)) => vec![self.indicator_table(request, indicator)?],
            (None, None) => self.tables.clone(),
        };
        for spec in &mut specs {
            if request.year.is_some() {
                spec.year = request.year;
                spec.latest = request.latest;
                spec.from = request.from;
                spec.years.clear();
            }
            if !request.years.is_empty() {
                spec.years = request.years.clone();
                (spec.year, spec.latest, spec.from) = (None, false, None);
            }
            if !request.countries.is_empty() {
                spec.countries = request
                    .countries
                    .iter()
                    .map(|c| c.trim().to_uppercase())
                    .collect();
            }
        }
        for spec in &specs {
            annual::check_spec(spec, &self.indicators)
                .map_err(|(problem, fix)| Error::new(&self.manifest, "--year", problem, fix))?;
        }
        Ok(specs)
    }

    /// Build a table from `cells`, the current release's ([`Round::published_cells`]); refused
    /// when no cell has the table's codes.
    pub fn build_table(
        &self,
        spec: &TableSpec,
        cells: &Cells,
        technical_notes: bool,
    ) -> Result<AnnualTable> {
        if let Some(fix) = annual::codes_hint(spec, cells) {
            return Err(Error::new(
                self.outputs.processed.join("indicators"),
                &spec.indicator,
                format!(
                    "no published cell of {} has the codes kept ({})",
                    spec.indicator,
                    spec.keep.join(", ")
                ),
                fix,
            ));
        }
        let titles = self.source_titles();
        let mut context = self.table_context(&titles);
        context.failed_rules = self.published_failed_rules()?;
        context.technical_notes = technical_notes;
        Ok(annual::build(spec, cells, &context))
    }

    /// The rules that failed in the current release (`validation.parquet`), for footnotes.
    fn published_failed_rules(&self) -> Result<Vec<annual::FailedRule>> {
        use polars::prelude::*;
        let path = self
            .outputs
            .current(Folder::Processed)
            .join("validation.parquet");
        let read = |e| Error::polars(&path, "read the validation report", e);
        let file = std::fs::File::open(&path)
            .map_err(|e| Error::io(&path, "open the validation report", e))?;
        let frame = ParquetReader::new(file).finish().map_err(read)?;
        let text = |name: &str| -> Result<Vec<String>> {
            let column = frame.column(name).map_err(read)?.str().map_err(read)?;
            Ok(column.iter().map(|v| v.unwrap_or("").to_string()).collect())
        };
        let fails = frame
            .column("fails")
            .map_err(read)?
            .cast(&DataType::UInt64)
            .map_err(read)?;
        let fails: Vec<u64> = fails
            .u64()
            .map_err(read)?
            .iter()
            .map(|v| v.unwrap_or(0))
            .collect();
        let (sources, rules, kinds, details) = (
            text("source_id")?,
            text("rule")?,
            text("kind")?,
            text("detail")?,
        );
        Ok((0..frame.height())
            .filter(|&i| fails[i] > 0)
            .map(|i| annual::FailedRule {
                source_id: sources[i].clone(),
                rule: rules[i].clone(),
                kind: kinds[i].clone(),
                detail: details[i].clone(),
            })
            .collect())
    }

    fn declared_table(&self, id: &str) -> Result<TableSpec> {
        match self.tables.iter().find(|t| t.id == id) {
            Some(spec) => Ok(spec.clone()),
            None => {
                let known: Vec<&str> = self.tables.iter().map(|t| t.id.as_str()).collect();
                Err(Error::new(
                    &self.manifest,
                    "",
                    format!("no table '{id}' is declared"),
                    format!("use one of: {}", known.join(", ")),
                ))
            }
        }
    }

    /// A table of a count indicator's cells with the request's codes kept.
    fn indicator_table(&self, request: &TableRequest, indicator: &str) -> Result<TableSpec> {
        let label = self
            .indicators
            .list
            .iter()
            .find(|i| i.id == indicator)
            .map_or(indicator.to_string(), |i| i.label.clone());
        let mut spec = TableSpec::of_indicator(indicator, &label, &request.keep, &self.labels);
        spec.unit = request.unit;
        // The region's total row, as the declared tables have it.
        spec.region = self.tables.iter().find_map(|t| t.region.clone());
        annual::check_spec(&spec, &self.indicators)
            .map_err(|(problem, fix)| Error::new(&self.manifest, "--indicator", problem, fix))?;
        annual::place_kept(&mut spec, &self.indicators)
            .map_err(|(problem, fix)| Error::new(&self.manifest, "--keep", problem, fix))?;
        // Named by its codes in breakdown order, as `place_kept` left them: `--keep A --keep B`
        // and `--keep B --keep A` are one table, written to one file.
        let named = TableSpec::of_indicator(indicator, &label, &spec.keep, &self.labels);
        (spec.id, spec.title) = (named.id, named.title);
        Ok(spec)
    }
}
