//! `ilms protect`: disclosure control for a table given as cells and hierarchies, with the same
//! linear-programming pattern the round uses (for tables made outside ilms, and to compare the
//! pattern with other tools on their published test tables).
//!
//! Cells: a CSV with one column per dimension (codes), `freq` (records behind the cell), and
//! optionally `value` (persons; default `freq`) and `primary` (true/false: primary cells given by
//! hand instead of the frequency rule). Hierarchies: a CSV `dimension,parent,child`; a parent cell
//! is the sum of its children cells with the same other codes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::pattern;
use super::system::{System, Var};
use crate::classifications::TextTable;
use crate::error::{Error, Result};
use crate::tabulate::WEIGHT_SCALE;

/// What `ilms protect` is asked to do.
pub struct ProtectOptions {
    pub cells: PathBuf,
    pub hierarchies: PathBuf,
    /// Cells of 1 to this minus 1 records are primary (unless the file has a `primary` column).
    pub withheld_below: i64,
    /// Persons each withheld primary cell must be able to move, up and down (down to 0).
    pub protection: i64,
    pub cost: Cost,
}

/// What withholding a cell costs, for choosing complements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Cost {
    /// Its persons plus the threshold (the round's default: persons, and cells).
    Value,
    /// Its records.
    Freq,
    /// One per cell.
    Unity,
}

struct InputCell {
    codes: Vec<String>,
    freq: i64,
    value: f64,
    primary: bool,
}

/// Protect the table; returns it as CSV with a `status` column (published, primary, secondary)
/// and a one-line summary.
pub fn protect(options: &ProtectOptions) -> Result<(String, String)> {
    let (dimensions, cells) = read_cells(options)?;
    let hierarchies = read_hierarchies(&options.hierarchies, &dimensions)?;
    let mut system = system(&cells, &dimensions, &hierarchies, options);
    pattern::suppress(&mut system, options.protection as f64).map_err(|problem| {
        Error::new(
            &options.cells,
            "",
            format!("secondary suppression failed: {problem}"),
            "report this with the table",
        )
    })?;
    let mut out = format!("{},freq,value,status\n", dimensions.join(","));
    let (mut primary, mut secondary, mut persons) = (0, 0, 0.0);
    for (cell, var) in cells.iter().zip(&system.vars) {
        let status = match (var.primary, var.withheld) {
            (true, _) => "primary",
            (false, true) => "secondary",
            _ => "published",
        };
        primary += usize::from(var.primary);
        secondary += usize::from(var.withheld && !var.primary);
        if var.withheld {
            persons += cell.value;
        }
        out.push_str(&format!(
            "{},{},{},{status}\n",
            cell.codes.join(","),
            cell.freq,
            cell.value
        ));
    }
    let summary = format!(
        "{} cells: {primary} primary, {secondary} secondary, {persons} persons withheld (protection +/- {})\n",
        cells.len(),
        options.protection
    );
    Ok((out, summary))
}

fn read_cells(options: &ProtectOptions) -> Result<(Vec<String>, Vec<InputCell>)> {
    let table = TextTable::read(&options.cells)?;
    let columns = table.columns();
    let special = ["freq", "value", "primary"];
    let dimensions: Vec<String> = columns
        .iter()
        .filter(|c| !special.contains(&c.as_str()))
        .cloned()
        .collect();
    let freq = table.column("freq", "header")?;
    let value = columns
        .iter()
        .any(|c| c == "value")
        .then(|| table.column("value", "header"))
        .transpose()?;
    let marked = columns
        .iter()
        .any(|c| c == "primary")
        .then(|| table.column("primary", "header"))
        .transpose()?;
    let codes: Vec<Vec<String>> = dimensions
        .iter()
        .map(|d| table.column(d, "header"))
        .collect::<Result<_>>()?;
    let mut cells = Vec::new();
    for row in 0..freq.len() {
        let number = |text: &str, column: &str| -> Result<f64> {
            text.trim()
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite() && *x >= 0.0)
                .ok_or_else(|| {
                    Error::new(
                        &options.cells,
                        format!("row {}, column {column}", row + 2),
                        format!("'{text}' is not a count"),
                        "give a number of 0 or more",
                    )
                })
        };
        let f = number(&freq[row], "freq")?;
        if f.fract() != 0.0 {
            return Err(Error::new(
                &options.cells,
                format!("row {}, column freq", row + 2),
                format!("'{}' is not a whole number of records", freq[row]),
                "give the records behind the cell",
            ));
        }
        let f = f as i64;
        let v = match &value {
            Some(values) => number(&values[row], "value")?,
            None => f as f64,
        };
        let primary = match &marked {
            Some(m) => match m[row].trim().to_lowercase().as_str() {
                "true" | "1" | "u" => true,
                "false" | "0" | "s" | "" => false,
                other => {
                    return Err(Error::new(
                        &options.cells,
                        format!("row {}, column primary", row + 2),
                        format!("'{other}' is neither true nor false"),
                        "write true or false (1 or 0)",
                    ))
                }
            },
            None => f > 0 && f < options.withheld_below,
        };
        cells.push(InputCell {
            codes: codes.iter().map(|c| c[row].clone()).collect(),
            freq: f,
            value: v,
            primary,
        });
    }
    let mut seen = BTreeSet::new();
    for (row, cell) in cells.iter().enumerate() {
        if !seen.insert(cell.codes.clone()) {
            return Err(Error::new(
                &options.cells,
                format!("row {}", row + 2),
                format!("the cell {} is given twice", cell.codes.join(", ")),
                "give each combination of codes once",
            ));
        }
    }
    Ok((dimensions, cells))
}

/// Per dimension: parent code to its children.
type Hierarchies = BTreeMap<String, BTreeMap<String, Vec<String>>>;

fn read_hierarchies(path: &Path, dimensions: &[String]) -> Result<Hierarchies> {
    let table = TextTable::read(path)?;
    let mut hierarchies = Hierarchies::new();
    for (i, row) in table
        .rows(&["dimension", "parent", "child"])?
        .into_iter()
        .enumerate()
    {
        if !dimensions.contains(&row[0]) {
            return Err(Error::new(
                path,
                format!("row {}", i + 2),
                format!("'{}' is not a dimension of the cells file", row[0]),
                format!("use one of: {}", dimensions.join(", ")),
            ));
        }
        hierarchies
            .entry(row[0].clone())
            .or_default()
            .entry(row[1].clone())
            .or_default()
            .push(row[2].clone());
    }
    Ok(hierarchies)
}

fn system(
    cells: &[InputCell],
    dimensions: &[String],
    hierarchies: &Hierarchies,
    options: &ProtectOptions,
) -> System {
    let position: BTreeMap<&[String], usize> = cells
        .iter()
        .enumerate()
        .map(|(i, c)| (c.codes.as_slice(), i))
        .collect();
    let vars = cells
        .iter()
        .map(|c| Var {
            shown: true,
            primary: c.primary,
            withheld: c.primary,
            weight: (c.value * WEIGHT_SCALE).round() as i64,
            floor: 1.0,
            cost: match options.cost {
                Cost::Value => c.value + options.withheld_below as f64,
                Cost::Freq => c.freq as f64,
                Cost::Unity => 1.0,
            },
        })
        .collect();
    let mut equations: BTreeSet<Vec<(usize, i64)>> = BTreeSet::new();
    for (d, dimension) in dimensions.iter().enumerate() {
        let Some(parents) = hierarchies.get(dimension) else {
            continue;
        };
        for (i, cell) in cells.iter().enumerate() {
            let Some(children) = parents.get(&cell.codes[d]) else {
                continue;
            };
            let mut equation = vec![(i, 1)];
            for child in children {
                let mut codes = cell.codes.clone();
                codes[d] = child.clone();
                if let Some(&j) = position.get(codes.as_slice()) {
                    equation.push((j, -1));
                }
            }
            equation.sort();
            equations.insert(equation);
        }
    }
    System::from_parts(
        vars,
        equations
            .into_iter()
            .map(|e| e.into_iter().map(|(v, k)| (v, k as f64)).collect())
            .collect(),
    )
}
