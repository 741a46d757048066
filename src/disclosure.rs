//! Reliability flags and disclosure control on one source's count tables, before publication.
//!
//! Flags as ILO sets them: a cell from fewer than `withheld_below` records is not published ("S",
//! primary suppression), one from fewer than `unreliable_below` is flagged "U" (sample surveys
//! only: registers and aggregate tables are complete counts). An empty cell (no record) is a true
//! zero and is published. For an aggregate table the threshold applies to the persons it counts.
//!
//! Secondary suppression: a withheld cell must not be recoverable from what is published. The
//! tables of one universe are linked: a cell is the same quantity wherever it appears (the margin
//! "women, foreign-born" is in the occupation table and in the age table), every margin is the
//! sum of its categories, and a grouping version (skill levels, aggregate age bands) is the sum of
//! its base categories. These are linear equations over the cells; a withheld cell can be recovered
//! exactly when its unit vector lies in the row space of the equations restricted to the withheld
//! cells (published cells move to the right-hand side). We bring that system to echelon form, and while some
//! withheld cell is determined we withhold, in an equation that determines it, the smallest published
//! cell (inner cells before margins), then reduce again.

use std::collections::{BTreeMap, BTreeSet};

use crate::indicators::Reliability;
use crate::spec::SourceSpec;
use crate::tabulate::{Status, Table, WEIGHT_SCALE};

/// Set the status of every cell of `tables` (one source's count tables).
pub fn protect(tables: &mut [Table], reliability: &Reliability, spec: &SourceSpec) {
    let sample = spec.record.weight.is_some() && !spec.is_aggregate();
    for table in tables.iter_mut() {
        for (status, tally) in table.status.iter_mut().zip(&table.tallies) {
            // Records behind the cell; for an aggregate table, the persons it counts.
            let n = if spec.is_aggregate() {
                (tally.weight as f64 / WEIGHT_SCALE).round() as i64
            } else {
                tally.records
            };
            *status = if n > 0 && n < reliability.withheld_below {
                Status::Primary
            } else if sample && n > 0 && n < reliability.unreliable_below {
                Status::Unreliable
            } else {
                Status::Published
            };
        }
    }
    let mut system = System::new(tables);
    let withheld = system.secondary();
    for (t, table) in tables.iter_mut().enumerate() {
        for (c, status) in table.status.iter_mut().enumerate() {
            let var = system.cell_var[&(t, c)];
            if withheld.contains(&var) && !status.withheld() {
                *status = Status::Secondary;
            }
        }
    }
}

/// The linked tables of a source as linear equations over distinct quantities.
struct System {
    /// Per quantity: published (known to a reader), its size (for choosing complements) and the
    /// number of categories it is broken down by (margins have fewer).
    vars: Vec<Var>,
    cell_var: BTreeMap<(usize, usize), usize>,
    /// Each equation: (quantity, coefficient) pairs summing to zero.
    equations: Vec<Vec<(usize, f64)>>,
    /// Per quantity, the equations it is in.
    equations_of: Vec<Vec<usize>>,
}

#[derive(Debug, Clone)]
struct Var {
    /// Published in some table (false: only implied, e.g. a base category no table shows).
    shown: bool,
    withheld: bool,
    weight: i64,
    depth: usize,
}

/// A quantity is its universe and its non-total codes: the same in every table that shows it.
type QuantityKey = (String, BTreeSet<String>);

impl System {
    fn new(tables: &[Table]) -> System {
        let mut index: BTreeMap<QuantityKey, usize> = BTreeMap::new();
        let mut vars: Vec<Var> = Vec::new();
        let mut var_of = |key: QuantityKey, vars: &mut Vec<Var>| -> usize {
            *index.entry(key).or_insert_with(|| {
                vars.push(Var {
                    shown: false,
                    withheld: false,
                    weight: 0,
                    depth: 0,
                });
                vars.len() - 1
            })
        };
        let quantity = |table: &Table, key: &[String]| -> QuantityKey {
            let codes = key
                .iter()
                .zip(&table.indicator.dimensions)
                .filter(|(code, dim)| **code != dim.total)
                .map(|(code, _)| code.clone())
                .collect();
            (table.indicator.universe_text.clone(), codes)
        };
        let mut cell_var = BTreeMap::new();
        for (t, table) in tables.iter().enumerate() {
            for (c, key) in table.keys.iter().enumerate() {
                let q = quantity(table, key);
                let depth = q.1.len();
                let v = var_of(q, &mut vars);
                let var = &mut vars[v];
                var.shown = true;
                var.withheld |= table.status[c].withheld();
                var.weight = table.tallies[c].weight;
                var.depth = depth;
                cell_var.insert((t, c), v);
            }
        }
        let mut equations: BTreeSet<Vec<(usize, i64)>> = BTreeSet::new();
        for (t, table) in tables.iter().enumerate() {
            let position: BTreeMap<&[String], usize> = table
                .keys
                .iter()
                .enumerate()
                .map(|(c, k)| (k.as_slice(), c))
                .collect();
            for (d, dim) in table.indicator.dimensions.iter().enumerate() {
                if table.collapsed[d] {
                    continue;
                }
                // Margin: the total along `d` is the sum of the categories shown along `d`
                // (categories not shown are empty).
                for (c, key) in table.keys.iter().enumerate() {
                    if key[d] != dim.total {
                        continue;
                    }
                    let mut equation = vec![(cell_var[&(t, c)], 1)];
                    for category in &dim.categories {
                        let mut part = key.clone();
                        part[d] = category.code.clone();
                        if let Some(&p) = position.get(part.as_slice()) {
                            equation.push((cell_var[&(t, p)], -1));
                        }
                    }
                    if equation.len() > 1 {
                        equation.sort();
                        equations.insert(equation);
                    }
                }
                // Grouping: a group is the sum of its base categories (same other codes).
                if let Some((_, groups)) = &dim.grouping {
                    for (c, key) in table.keys.iter().enumerate() {
                        let Some(members) = groups.get(&key[d]) else {
                            continue;
                        };
                        let mut equation = vec![(cell_var[&(t, c)], 1)];
                        for member in members {
                            let mut part = key.clone();
                            part[d] = member.clone();
                            let q = quantity(table, &part);
                            equation.push((var_of(q, &mut vars), -1));
                        }
                        equation.sort();
                        equations.insert(equation);
                    }
                }
            }
        }
        let equations: Vec<Vec<(usize, f64)>> = equations
            .into_iter()
            .map(|e| e.into_iter().map(|(v, k)| (v, k as f64)).collect())
            .collect();
        let mut equations_of = vec![Vec::new(); vars.len()];
        for (i, equation) in equations.iter().enumerate() {
            for (v, _) in equation {
                equations_of[*v].push(i);
            }
        }
        System {
            vars,
            cell_var,
            equations,
            equations_of,
        }
    }

    /// Withhold complements until no withheld quantity is determined; return every withheld one.
    fn secondary(&mut self) -> BTreeSet<usize> {
        loop {
            let determined = self.determined();
            if determined.is_empty() {
                break;
            }
            // A complement for one cell often protects its neighbours too: a cell sharing an
            // equation with this round's complements waits for the next reduction.
            let mut added = false;
            let mut touched: BTreeSet<usize> = BTreeSet::new();
            for v in determined {
                if touched.contains(&v) {
                    continue;
                }
                if let Some(complement) = self.complement(v) {
                    self.vars[complement].withheld = true;
                    added = true;
                    touched.extend(self.neighbours(complement));
                }
            }
            if !added {
                // Nothing left to withhold around them (cannot happen for consistent margins).
                break;
            }
        }
        (0..self.vars.len())
            .filter(|&v| self.vars[v].withheld && self.vars[v].shown)
            .collect()
    }

    /// A reader's unknowns: withheld quantities and quantities no table shows.
    fn unknown(&self, v: usize) -> bool {
        self.vars[v].withheld || !self.vars[v].shown
    }

    /// Withheld quantities a reader can compute from the published ones.
    fn determined(&self) -> Vec<usize> {
        let mut basis = Basis::default();
        for equation in &self.equations {
            let row: Row = equation.iter().filter(|(v, _)| self.unknown(*v)).fold(
                Row::new(),
                |mut row, (v, k)| {
                    *row.entry(*v).or_insert(0.0) += k;
                    row
                },
            );
            basis.insert(row);
        }
        (0..self.vars.len())
            .filter(|&v| self.needs_protection(v))
            .filter(|&v| basis.spans_unit(v))
            .collect()
    }

    /// A withheld cell with persons in it. A withheld empty cell reveals nobody, and some empty
    /// cells are known to be empty whatever is withheld (a skill level with no record empties its
    /// major groups), so they are neither protected nor used as complements.
    fn needs_protection(&self, v: usize) -> bool {
        let var = &self.vars[v];
        var.withheld && var.shown && var.weight != 0
    }

    /// The quantities sharing an equation with `v` (itself included).
    fn neighbours(&self, v: usize) -> impl Iterator<Item = usize> + '_ {
        self.equations_of[v]
            .iter()
            .flat_map(|&e| self.equations[e].iter().map(|(u, _)| *u))
    }

    /// The published quantity to withhold next to `v`: in an equation with `v`, prefer inner cells
    /// (more codes: margins are the figures users need, and each margin is in many tables), then
    /// the one exposed by the fewest equations, then the smallest non-empty one.
    fn complement(&self, v: usize) -> Option<usize> {
        let usable = |u: usize| !self.unknown(u) && self.vars[u].weight != 0;
        // An equation in which `v` is the only unknown gives it away directly: break one of those.
        let alone: Vec<usize> = self.equations_of[v]
            .iter()
            .copied()
            .filter(|&e| {
                self.equations[e]
                    .iter()
                    .all(|(u, _)| *u == v || !self.unknown(*u))
            })
            .collect();
        let mut candidates: BTreeSet<usize> = alone
            .iter()
            .flat_map(|&e| self.equations[e].iter().map(|(u, _)| *u))
            .filter(|&u| usable(u))
            .collect();
        if candidates.is_empty() {
            candidates = self.neighbours(v).filter(|&u| usable(u)).collect();
        }
        if candidates.is_empty() {
            // `v` is determined through other equations: widen to every equation with an unknown.
            candidates = self
                .equations
                .iter()
                .filter(|e| e.iter().any(|(u, _)| self.unknown(*u)))
                .flat_map(|e| e.iter().map(|(u, _)| *u))
                .filter(|&u| usable(u))
                .collect();
        }
        // Cost of a complement: the equations in which it would be the only unknown, each of
        // which would give it away and ask for a complement in turn (the cascade to avoid).
        let exposed = |u: usize| {
            self.equations_of[u]
                .iter()
                .filter(|&&e| !self.equations[e].iter().any(|(w, _)| self.unknown(*w)))
                .count()
        };
        candidates.into_iter().min_by_key(|&u| {
            let var = &self.vars[u];
            (std::cmp::Reverse(var.depth), exposed(u), var.weight, u)
        })
    }
}

const EPS: f64 = 1e-9;

/// A sparse row: column (quantity) to coefficient.
type Row = BTreeMap<usize, f64>;

/// The row space of the equations restricted to the unknowns, kept in echelon form: each row is
/// normalised to 1 at its pivot, its smallest column, and no two rows share a pivot. Sparse, because
/// each equation touches a dozen of thousands of quantities.
#[derive(Default)]
struct Basis {
    rows: BTreeMap<usize, Row>,
}

impl Basis {
    /// Subtract basis rows until no pivot column is left: what `row` adds to the space.
    fn remainder(&self, mut row: Row) -> Row {
        let mut cursor = 0;
        while let Some((&c, &k)) = row.range(cursor..).next() {
            if k.abs() <= EPS {
                row.remove(&c);
                continue;
            }
            if let Some(pivot_row) = self.rows.get(&c) {
                // Pivot rows only reach columns >= their pivot, so columns below c stay clear.
                for (&col, &x) in pivot_row {
                    *row.entry(col).or_insert(0.0) -= k * x;
                }
                row.remove(&c);
            } else {
                cursor = c + 1;
            }
        }
        row.retain(|_, x| x.abs() > EPS);
        row
    }

    fn insert(&mut self, row: Row) {
        let row = self.remainder(row);
        if let Some((&pivot, &k)) = row.iter().next() {
            let normalised = row.into_iter().map(|(c, x)| (c, x / k)).collect();
            self.rows.insert(pivot, normalised);
        }
    }

    /// Whether the unit vector of column `v` lies in the space: `v` is determined.
    fn spans_unit(&self, v: usize) -> bool {
        self.remainder(Row::from([(v, 1.0)])).is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::{Basis, Row};

    #[test]
    fn a_cell_is_determined_alone_in_an_equation_and_not_in_a_pair() {
        // a + b = known, b = known: both determined.
        let mut basis = Basis::default();
        basis.insert(Row::from([(0, 1.0), (1, 1.0)]));
        basis.insert(Row::from([(1, 1.0)]));
        assert!(basis.spans_unit(0) && basis.spans_unit(1));
        // a + b = known, twice, and b - c = known: none determined.
        let mut basis = Basis::default();
        basis.insert(Row::from([(0, 1.0), (1, 1.0)]));
        basis.insert(Row::from([(0, -1.0), (1, -1.0)]));
        basis.insert(Row::from([(1, 1.0), (2, -1.0)]));
        assert!(!basis.spans_unit(0) && !basis.spans_unit(1) && !basis.spans_unit(2));
        // ... and c = known makes all three determined, through two equations.
        basis.insert(Row::from([(2, 1.0)]));
        assert!(basis.spans_unit(0));
    }
}
