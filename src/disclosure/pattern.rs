//! Secondary suppression by linear programming: for each primary cell, the cheapest set of
//! complementary cells that lets it move by the protection level, up and down, while every
//! published cell and every equation of the linked tables hold and no count goes below zero.
//!
//! This is the attacker's own problem turned round. A reader who knows every published cell and
//! the equations can narrow a withheld cell to [min, max] of that cell over all non-negative
//! tables that agree with what is published. A deviation `d` of the cells with `A d = 0`, zero on
//! every published cell, `d_p = +P` (or `-min(v_p, P)`) and `v + d >= 0` is a second table the
//! reader cannot tell from the true one: its existence proves the interval reaches `v_p + P` (or
//! `max(0, v_p - P)`). The pattern LP finds such a deviation, letting published cells move at
//! the cost of withholding them (cost per unit of movement: the cell's cost), so the cells it moves
//! are the complements (Kelly, Golden and Assad's network heuristic as used by tau-ARGUS and
//! sdcTable, on the full linked system rather than one table at a time). A final pass publishes
//! back, most costly first, every complement without which every primary cell's deviations
//! still exist.

use std::collections::{BTreeMap, BTreeSet};

use microlp::{ComparisonOp, OptimizationDirection, Problem};

use super::system::System;

const EPS: f64 = 1e-6;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Direction {
    Up,
    Down,
}

/// A deviation: per quantity it moves, by how much (persons).
type Deviation = BTreeMap<usize, f64>;

/// Which primary a deviation serves, in which direction, and the quantities it moves.
type Witness = ((usize, Direction), BTreeSet<usize>);

/// The quantities (and equations) of one connected part of the system.
type Part = (Vec<usize>, Vec<usize>);

/// How far primary `p` must be able to move in `direction`. A reader knows a withheld cell holds
/// at least 1 person (empty cells are published as 0), so downward it can only go to 1.
fn step(system: &System, p: usize, direction: Direction, protection: f64) -> f64 {
    match direction {
        Direction::Up => protection,
        Direction::Down => -protection
            .min(system.vars[p].persons() - system.vars[p].floor)
            .max(0.0),
    }
}

/// Per quantity, its LP variables, each with the sign it gives the quantity.
type Columns = BTreeMap<usize, Vec<(microlp::Variable, f64)>>;

/// Each of `equations` as a constraint over the quantities' `columns`; a quantity without a
/// column stands at `fixed(quantity)`.
fn add_equations(
    problem: &mut Problem,
    system: &System,
    equations: &[usize],
    columns: &Columns,
    fixed: impl Fn(usize) -> f64,
) {
    for &e in equations {
        let mut terms: Vec<(microlp::Variable, f64)> = Vec::new();
        let mut known = 0.0;
        for &(v, k) in &system.equations[e] {
            match columns.get(&v) {
                Some(column) => terms.extend(column.iter().map(|(x, sign)| (*x, k * sign))),
                None => known += k * fixed(v),
            }
        }
        if !terms.is_empty() {
            problem.add_constraint(&terms[..], ComparisonOp::Eq, -known);
        }
    }
}

/// The least `p` can hold, whatever is withheld, for a reader who knows that a withheld cell holds
/// 1 person or more and sees every empty cell: every non-empty quantity of its part free down to
/// 1, empty ones at 0.
fn floor(system: &System, (vars, equations): &Part, p: usize) -> Result<f64, String> {
    let mut problem = Problem::new(OptimizationDirection::Minimize);
    let mut columns: Columns = BTreeMap::new();
    for &v in vars {
        let var = &system.vars[v];
        if var.weight > 0 || !var.shown {
            let lowest = if var.shown { 1.0 } else { 0.0 };
            let objective = if v == p { 1.0 } else { 0.0 };
            let x = problem.add_var(objective, (lowest, f64::INFINITY));
            columns.insert(v, vec![(x, 1.0)]);
        }
    }
    // Empty cells are known: at their value (0).
    add_equations(&mut problem, system, equations, &columns, |v| {
        system.vars[v].persons()
    });
    match problem.solve() {
        Ok(outcome) => outcome
            .into_solution()
            .map(|s| s.objective().max(1.0))
            .map_err(|_| "the solver stopped before a solution".to_string()),
        Err(e) => Err(format!(
            "the solver failed on the least value of a cell: {e}"
        )),
    }
}

/// Whether `deviation` moves `q` as far as its protection asks in `direction`.
fn proves(
    system: &System,
    deviation: &Deviation,
    q: usize,
    direction: Direction,
    protection: f64,
) -> bool {
    let wanted = step(system, q, direction, protection);
    let moved = deviation.get(&q).copied().unwrap_or(0.0);
    match direction {
        Direction::Up => moved >= wanted - EPS,
        Direction::Down => moved <= wanted + EPS,
    }
}

/// Withhold complements in `system` until every primary quantity can move by `protection`
/// persons each way (down to 1). Errors say what the solver could not do.
pub fn suppress(system: &mut System, protection: f64) -> Result<(), String> {
    let mut primaries: Vec<usize> = (0..system.vars.len())
        .filter(|&v| system.vars[v].primary && system.vars[v].shown && system.vars[v].weight > 0)
        .collect();
    // Largest first: their patterns are the widest, and smaller cells often ride on them.
    primaries.sort_by_key(|&v| (std::cmp::Reverse(system.vars[v].weight), v));
    let mut parts: BTreeMap<usize, Part> = BTreeMap::new();
    let mut witnesses: BTreeMap<(usize, Direction), BTreeSet<usize>> = BTreeMap::new();
    for &p in &primaries {
        let part = parts
            .entry(system.component[p])
            .or_insert_with(|| system.part_of(p))
            .clone();
        for direction in [Direction::Up, Direction::Down] {
            if witnesses.contains_key(&(p, direction)) {
                continue; // another primary's deviation already moves it far enough
            }
            if direction == Direction::Down {
                // Withheld cells are known to hold 1 person or more: where withheld parts hold
                // p up, it cannot go down to 1, and its protection stops where they do.
                system.vars[p].floor = floor(system, &part, p)?;
            }
            let found = deviation(system, &part, p, direction, protection, true)?
                .ok_or_else(|| infeasible(p))?;
            for &v in found.keys() {
                system.vars[v].withheld = true;
            }
            // The deviation also proves every primary it moves far enough.
            let moved: BTreeSet<usize> = found.keys().copied().collect();
            for &q in &primaries {
                for d in [Direction::Up, Direction::Down] {
                    if !witnesses.contains_key(&(q, d)) && proves(system, &found, q, d, protection)
                    {
                        witnesses.insert((q, d), moved.clone());
                    }
                }
            }
        }
    }
    publish_back(system, &parts, &mut witnesses, protection)
}

/// Try each complement, most costly first: publish it again when every primary whose deviation
/// moved it still has one without it.
fn publish_back(
    system: &mut System,
    parts: &BTreeMap<usize, Part>,
    witnesses: &mut BTreeMap<(usize, Direction), BTreeSet<usize>>,
    protection: f64,
) -> Result<(), String> {
    let mut complements: Vec<usize> = (0..system.vars.len())
        .filter(|&v| {
            let var = &system.vars[v];
            var.withheld && var.shown && !var.primary
        })
        .collect();
    complements.sort_by(|&a, &b| {
        system.vars[b]
            .cost
            .total_cmp(&system.vars[a].cost)
            .then(a.cmp(&b))
    });
    let mut budget = PUBLISH_BACK_SOLVES;
    for s in complements {
        if budget == 0 {
            break; // the rest stay withheld: safe, if more than needed
        }
        system.vars[s].withheld = false;
        let affected: Vec<(usize, Direction)> = witnesses
            .iter()
            .filter(|(_, moved)| moved.contains(&s))
            .map(|(k, _)| *k)
            .collect();
        match rewitness(system, parts, &affected, protection, &mut budget)? {
            Some(found) => witnesses.extend(found),
            None => system.vars[s].withheld = true,
        }
    }
    Ok(())
}

/// Linear programs the publish-back pass may solve per source: it only saves cells, so a large
/// table stops trying (deterministically) rather than taking minutes.
const PUBLISH_BACK_SOLVES: usize = 300;

/// New deviations, within the withheld cells, for every primary of `affected`; a deviation found
/// for one serves every other it moves far enough. None when one has none.
fn rewitness(
    system: &System,
    parts: &BTreeMap<usize, Part>,
    affected: &[(usize, Direction)],
    protection: f64,
    budget: &mut usize,
) -> Result<Option<Vec<Witness>>, String> {
    let mut found: Vec<Witness> = Vec::new();
    for &(p, direction) in affected {
        if found.iter().any(|(k, _)| *k == (p, direction)) {
            continue;
        }
        *budget = budget.saturating_sub(1);
        let part = &parts[&system.component[p]];
        let Some(deviation) = deviation(system, part, p, direction, protection, false)? else {
            return Ok(None);
        };
        let moved: BTreeSet<usize> = deviation.keys().copied().collect();
        for &(q, d) in affected {
            if proves(system, &deviation, q, d, protection)
                && !found.iter().any(|(k, _)| *k == (q, d))
            {
                found.push(((q, d), moved.clone()));
            }
        }
    }
    Ok(Some(found))
}

/// A deviation that moves primary `p` by its protection in `direction`, within `part`
/// (quantities, equations). Unknown quantities move freely (a withheld one not below 1 person);
/// with `may_withhold`, published non-empty ones may move at their cost. Returns what it moves
/// (p included), or None when no deviation exists.
fn deviation(
    system: &System,
    (vars, equations): &Part,
    p: usize,
    direction: Direction,
    protection: f64,
    may_withhold: bool,
) -> Result<Option<Deviation>, String> {
    let mut problem = Problem::new(OptimizationDirection::Minimize);
    let mut columns: Columns = BTreeMap::new();
    for &v in vars {
        let column = column(
            &mut problem,
            system,
            v,
            p,
            direction,
            protection,
            may_withhold,
        );
        if !column.is_empty() {
            columns.insert(v, column);
        }
    }
    // A quantity without a column does not move.
    add_equations(&mut problem, system, equations, &columns, |_| 0.0);
    let solution = match problem.solve() {
        Ok(outcome) => outcome
            .into_solution()
            .map_err(|_| "the solver stopped before a solution".to_string())?,
        Err(microlp::Error::Infeasible) => return Ok(None),
        Err(e) => return Err(format!("the solver failed: {e}")),
    };
    let moved = columns
        .iter()
        .map(|(&v, column)| {
            let d: f64 = column
                .iter()
                .map(|(x, sign)| sign * solution.var_value(*x))
                .sum();
            (v, d)
        })
        .filter(|(_, d)| d.abs() > EPS)
        .collect();
    Ok(Some(moved))
}

/// The LP variables of quantity `v`, each with the sign it gives the quantity's deviation: the
/// primary fixed at its step; an unknown quantity free down to 1 person (0 if shown nowhere);
/// a published non-empty one, when it may be withheld, up and down at its cost.
fn column(
    problem: &mut Problem,
    system: &System,
    v: usize,
    p: usize,
    direction: Direction,
    protection: f64,
    may_withhold: bool,
) -> Vec<(microlp::Variable, f64)> {
    let var = &system.vars[v];
    let value = var.persons();
    if v == p {
        let step = step(system, p, direction, protection);
        vec![(problem.add_var(0.0, (step, step)), 1.0)]
    } else if var.unknown() {
        let floor = if var.shown { 1.0 } else { 0.0 };
        vec![(
            problem.add_var(0.0, (-(value - floor).max(0.0), f64::INFINITY)),
            1.0,
        )]
    } else if may_withhold && var.weight > 0 {
        vec![
            (problem.add_var(var.cost, (0.0, f64::INFINITY)), 1.0),
            (problem.add_var(var.cost, (0.0, value - 1.0)), -1.0),
        ]
    } else {
        Vec::new()
    }
}

fn infeasible(p: usize) -> String {
    format!("no pattern protects quantity {p}: its tables have no cell left to withhold")
}

#[cfg(test)]
mod tests {
    use super::super::system::{System, Var};
    use super::{deviation, suppress, Direction};

    fn var(persons: i64, primary: bool) -> Var {
        Var {
            shown: true,
            primary,
            withheld: primary,
            weight: persons * 1_000_000,
            cost: persons as f64 + 5.0,
            floor: 1.0,
        }
    }

    /// A 2 x 2 table with its margins: cells a b / c d, row totals r1 r2, column totals k1 k2,
    /// grand total g. Quantities 0..9: a b c d r1 r2 k1 k2 g.
    fn table(values: [i64; 4], primary: usize) -> System {
        let [a, b, c, d] = values;
        let persons = [a, b, c, d, a + b, c + d, a + c, b + d, a + b + c + d];
        let vars = persons
            .iter()
            .enumerate()
            .map(|(i, &p)| var(p, i == primary))
            .collect();
        let eq = |total: usize, parts: &[usize]| {
            let mut e = vec![(total, 1.0)];
            e.extend(parts.iter().map(|&p| (p, -1.0)));
            e
        };
        let equations = vec![
            eq(4, &[0, 1]),
            eq(5, &[2, 3]),
            eq(6, &[0, 2]),
            eq(7, &[1, 3]),
            eq(8, &[4, 5]),
            eq(8, &[6, 7]),
        ];
        System::from_parts(vars, equations)
    }

    fn withheld(system: &System) -> Vec<usize> {
        (0..system.vars.len())
            .filter(|&v| system.vars[v].withheld)
            .collect()
    }

    #[test]
    fn a_small_inner_cell_is_protected_by_the_other_three_inner_cells() {
        let mut system = table([2, 30, 40, 50], 0);
        suppress(&mut system, 5.0).expect("a pattern");
        assert_eq!(withheld(&system), vec![0, 1, 2, 3]);
    }

    #[test]
    fn when_a_neighbour_is_too_small_to_move_the_primary_still_moves_both_ways() {
        // b holds 3: it cannot go down by 5, so the pattern needs more than the 2 x 2 box.
        let mut system = table([2, 3, 40, 50], 0);
        suppress(&mut system, 5.0).expect("a pattern");
        let part = system.part_of(0);
        for direction in [Direction::Up, Direction::Down] {
            let moved = deviation(&system, &part, 0, direction, 5.0, false).expect("solved");
            assert!(
                moved.is_some(),
                "{direction:?}: no deviation within the withheld cells"
            );
        }
        // The box through b alone would not do: b cannot go down by 5 (a reader knows it holds 1 or
        // more).
        assert_ne!(withheld(&system), vec![0, 1, 2, 3]);
    }

    #[test]
    fn a_relabelled_copy_of_a_table_is_withheld_with_it() {
        // The same 2 x 2 table under other codes (migrants under a citizenship definition, and
        // non-citizens): quantities 9..17 equal 0..8 one by one (PopulationLink::Relabel).
        let mut system = table([2, 30, 40, 50], 0);
        let copy = table([2, 30, 40, 50], usize::MAX);
        let mut vars = system.vars.clone();
        vars.extend(copy.vars.iter().cloned());
        let mut equations = system.equations.clone();
        for equation in &copy.equations {
            equations.push(equation.iter().map(|&(v, k)| (v + 9, k)).collect());
        }
        equations.extend((0..9).map(|v| vec![(v, 1.0), (v + 9, -1.0)]));
        system = System::from_parts(vars, equations);
        suppress(&mut system, 5.0).expect("a pattern");
        assert_eq!(withheld(&system), vec![0, 1, 2, 3, 9, 10, 11, 12]);
    }

    #[test]
    fn cells_already_protected_by_each_other_need_no_complement() {
        // Four primary inner cells, each able to move by 5 both ways against the others.
        let mut system = table([6, 30, 40, 50], 0);
        for v in [1, 2, 3] {
            system.vars[v].primary = true;
            system.vars[v].withheld = true;
        }
        suppress(&mut system, 5.0).expect("a pattern");
        assert_eq!(withheld(&system), vec![0, 1, 2, 3]);
    }
}
