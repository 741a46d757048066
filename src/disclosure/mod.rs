//! Reliability flags and disclosure control on one source's count tables, before publication,
//! under the source's policy (`schemas/disclosure.toml`, see [`policy`]).
//!
//! Primary: a cell from 1 to `withheld_below - 1` records (persons, for an aggregate table) is not
//! published; one from fewer than `unreliable_below` is flagged "U". An empty cell is a true zero
//! and is published. Secondary (complete counts): complementary cells are withheld so that no
//! withheld cell can be narrowed below the protection level from what is published (see
//! [`pattern`]); the linked tables are the equations of [`system`].

pub mod cell_key;
mod pattern;
pub mod policy;
mod system;
pub mod table;

use std::collections::BTreeMap;

pub use policy::{NotStated, Policies, Policy, Secondary};

use crate::cells::Status;
use crate::error::{Error, Result};
use crate::spec::SourceSpec;
use crate::tabulate::{PopulationLink, Table, WEIGHT_SCALE};

/// What disclosure control did to one source's count tables (rates and shares follow them).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct DisclosureSummary {
    pub policy: String,
    pub cells: usize,
    /// Published, the unreliable ones included.
    pub published: usize,
    pub unreliable: usize,
    pub withheld: usize,
    /// Of them, primary and secondary; None under a policy that does not tell them apart (the
    /// numbers would say how many small cells there are).
    pub withheld_primary: Option<usize>,
    pub withheld_secondary: Option<usize>,
    /// Persons in the withheld cells (a quantity shown in several tables counts in each); None
    /// under a policy that hides the reason (the sum is one more equation over withheld cells).
    pub persons_withheld: Option<f64>,
    /// Headline cells: every breakdown at its total or at a headline code (schemas/disclosure.toml).
    pub headline_cells: usize,
    pub headline_withheld: usize,
    /// Headline cells withheld although `headline.records` records or more are behind them.
    pub headline_withheld_reliable: usize,
}

/// Set the status of every cell of `tables` (one source's count tables, whose universes are
/// related by `links`) under `policy`.
pub fn protect(
    tables: &mut [Table],
    links: &[PopulationLink],
    policy: &Policy,
    policies: &Policies,
    spec: &SourceSpec,
) -> Result<DisclosureSummary> {
    for table in tables.iter_mut() {
        primary(table, policy, spec);
    }
    if policy.perturbation.is_some() {
        let summary = summarize(tables, policy, policies, spec);
        cell_key::perturb(tables, &policy.ptable);
        return Ok(summary);
    }
    if policy.secondary == Secondary::Suppression {
        let costs = costs(tables, policies, spec);
        let mut system = system::System::new(tables, links, |t, c| costs[t][c]);
        pattern::suppress(&mut system, policy.protection as f64).map_err(|problem| {
            Error::new(
                &spec.spec_path,
                format!("disclosure policy {}", policy.name),
                format!("secondary suppression failed: {problem}"),
                "choose a policy without secondary suppression for this source (source.disclosure), and report this",
            )
        })?;
        for (t, table) in tables.iter_mut().enumerate() {
            for (c, status) in table.status.iter_mut().enumerate() {
                let var = &system.vars[system.cell_var[&(t, c)]];
                if var.withheld && !status.withheld() {
                    *status = Status::Secondary;
                }
            }
        }
    }
    let summary = summarize(tables, policy, policies, spec);
    if !policy.reveal_reason {
        for status in tables.iter_mut().flat_map(|t| t.status.iter_mut()) {
            if status.withheld() {
                *status = Status::Confidential;
            }
        }
    }
    Ok(summary)
}

/// Records behind a cell; for an aggregate table, the persons it counts.
fn size(spec: &SourceSpec, table: &Table, c: usize) -> i64 {
    let tally = table.tallies[c];
    if spec.is_aggregate() {
        (tally.weight as f64 / WEIGHT_SCALE).round() as i64
    } else {
        tally.records
    }
}

/// Primary withholding and reliability flags. Under `not_stated = "stated_attributes"` a cell
/// with not-stated codes is judged by the cell with those codes at their totals.
fn primary(table: &mut Table, policy: &Policy, spec: &SourceSpec) {
    let dims = &table.indicator.dimensions;
    let position: BTreeMap<Vec<String>, usize> = table
        .keys
        .iter()
        .enumerate()
        .map(|(c, k)| (k.clone(), c))
        .collect();
    let sample = spec.record.weight.is_some() && !spec.is_aggregate();
    let mut status = vec![Status::Published; table.keys.len()];
    for (c, key) in table.keys.iter().enumerate() {
        let n = size(spec, table, c);
        let judged = match policy.not_stated {
            NotStated::Protect => n,
            NotStated::StatedAttributes => {
                let stated: Vec<String> = key
                    .iter()
                    .zip(dims)
                    .map(|(code, dim)| match &dim.unknown {
                        Some(unknown) if unknown == code => dim.total.clone(),
                        _ => code.clone(),
                    })
                    .collect();
                position.get(&stated).map_or(n, |&s| size(spec, table, s))
            }
        };
        status[c] = if n > 0 && policy.primary(judged) {
            Status::Primary
        } else if sample && policy.unreliable(n) {
            Status::Unreliable
        } else {
            Status::Published
        };
    }
    table.status = status;
}

/// The cost of withholding each cell: its persons plus the threshold (an empty or tiny cell still
/// costs a cell), a headline cell a million times more, so patterns go round the figures users
/// need whenever inner cells can protect.
fn costs(tables: &[Table], policies: &Policies, spec: &SourceSpec) -> Vec<Vec<f64>> {
    tables
        .iter()
        .map(|table| {
            (0..table.keys.len())
                .map(|c| {
                    let persons = table.tallies[c].weight as f64 / WEIGHT_SCALE;
                    let base = persons + 5.0;
                    if headline(table, c, policies) && !spec.is_aggregate() {
                        base * 1e6
                    } else {
                        base
                    }
                })
                .collect()
        })
        .collect()
}

/// A headline cell: every code a total or one of the policy file's headline codes.
fn headline(table: &Table, c: usize, policies: &Policies) -> bool {
    table.keys[c]
        .iter()
        .zip(&table.indicator.dimensions)
        .all(|(code, dim)| *code == dim.total || policies.headline.codes.contains(code))
}

fn summarize(
    tables: &[Table],
    policy: &Policy,
    policies: &Policies,
    spec: &SourceSpec,
) -> DisclosureSummary {
    let mut summary = DisclosureSummary {
        policy: policy.name.clone(),
        ..Default::default()
    };
    let (mut primary, mut secondary, mut persons) = (0, 0, 0.0);
    for table in tables {
        for (c, status) in table.status.iter().enumerate() {
            summary.cells += 1;
            let is_headline = headline(table, c, policies);
            summary.headline_cells += usize::from(is_headline);
            if table.tallies[c].blank > 0 {
                // Not available (a blank count in the table): neither published nor withheld.
                continue;
            }
            if !status.withheld() {
                summary.published += 1;
                summary.unreliable += usize::from(*status == Status::Unreliable);
                continue;
            }
            summary.withheld += 1;
            if *status == Status::Primary {
                primary += 1;
            } else {
                secondary += 1;
            }
            persons += table.tallies[c].weight as f64 / WEIGHT_SCALE;
            if is_headline {
                summary.headline_withheld += 1;
                let reliable = size(spec, table, c) >= policies.headline.records;
                summary.headline_withheld_reliable += usize::from(reliable);
            }
        }
    }
    // A policy that hides why cells are withheld hides these too (nothing to hide: nothing withheld).
    if policy.reveal_reason || summary.withheld == 0 {
        summary.withheld_primary = Some(primary);
        summary.withheld_secondary = Some(secondary);
        summary.persons_withheld = Some(persons);
    }
    summary
}
