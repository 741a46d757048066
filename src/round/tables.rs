//! Annual tables on demand (`ilms table`): which tables a request names, built from the cells of
//! the current release.

use super::Round;
use crate::annual::{self, AnnualTable, TableSpec, TableUnit};
use crate::cells::Cells;
use crate::error::{Error, Result};

/// What `ilms table` asks for: a declared table, every declared table, or one made up from a
/// count indicator; and the year and rows to show.
#[derive(Debug, Clone, Default)]
pub struct TableRequest {
    /// A table id of the round's tables file; None with no indicator: every declared table.
    pub id: Option<String>,
    /// A count indicator, for a table not declared.
    pub indicator: Option<String>,
    /// With an indicator: the classif1 code of the cells shown.
    pub classif1: Option<String>,
    /// With an indicator: the classif2 code of the cells shown.
    pub classif2: Option<String>,
    /// With an indicator: persons or thousands.
    pub unit: TableUnit,
    /// The table's year (None: each country's latest).
    pub year: Option<u32>,
    /// With a year: each country's latest year up to it.
    pub latest: bool,
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
            }
            if !request.countries.is_empty() {
                spec.countries = request
                    .countries
                    .iter()
                    .map(|c| c.trim().to_uppercase())
                    .collect();
            }
        }
        Ok(specs)
    }

    /// Build a table from `cells`, the current release's ([`Round::published_cells`]); refused
    /// when no cell has the table's codes.
    pub fn build_table(&self, spec: &TableSpec, cells: &Cells) -> Result<AnnualTable> {
        if let Some(fix) = annual::codes_hint(spec, cells) {
            return Err(Error::new(
                self.outputs.processed.join("indicators"),
                &spec.indicator,
                format!(
                    "no published cell of {} has classif1 {} and classif2 {}",
                    spec.indicator,
                    spec.classif1.as_deref().unwrap_or("(none)"),
                    spec.classif2.as_deref().unwrap_or("(none)")
                ),
                fix,
            ));
        }
        let titles = self.source_titles();
        Ok(annual::build(spec, cells, &self.table_context(&titles)))
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

    /// A table of a count indicator's cells with the request's classif1 / classif2 codes.
    fn indicator_table(&self, request: &TableRequest, indicator: &str) -> Result<TableSpec> {
        let label = self
            .indicators
            .list
            .iter()
            .find(|i| i.id == indicator)
            .map_or(indicator.to_string(), |i| i.label.clone());
        let spec = TableSpec {
            id: indicator.to_lowercase(),
            title: format!("{label}, {{year}}"),
            indicator: indicator.to_string(),
            classif1: request.classif1.clone(),
            classif2: request.classif2.clone(),
            unit: request.unit,
            year: None,
            latest: false,
            countries: Vec::new(),
        };
        annual::check_spec(&spec, &self.indicators)
            .map_err(|(problem, fix)| Error::new(&self.manifest, "--indicator", problem, fix))?;
        Ok(spec)
    }
}
