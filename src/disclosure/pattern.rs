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

/// Withhold complements in `system` until every primary quantity can move by `protection`
/// persons each way (down to zero). Errors say what the solver could not do.
pub fn suppress(system: &mut System, protection: f64) -> Result<(), String> {
    let mut primaries: Vec<usize> = (0..system.vars.len())
        .filter(|&v| system.vars[v].primary && system.vars[v].shown && system.vars[v].weight > 0)
        .collect();
    // Largest first: their patterns are the widest, and smaller cells often ride on them.
    primaries.sort_by_key(|&v| (std::cmp::Reverse(system.vars[v].weight), v));
    let mut parts: BTreeMap<usize, (Vec<usize>, Vec<usize>)> = BTreeMap::new();
    let mut witnesses: BTreeMap<(usize, Direction), BTreeSet<usize>> = BTreeMap::new();
    for &p in &primaries {
        let part = parts
            .entry(system.component[p])
            .or_insert_with(|| system.part_of(p))
            .clone();
        for direction in [Direction::Up, Direction::Down] {
            let moved = deviation(system, &part, p, direction, protection, true)?
                .ok_or_else(|| infeasible(p))?;
            for &v in &moved {
                system.vars[v].withheld = true;
            }
            witnesses.insert((p, direction), moved);
        }
    }
    publish_back(system, &parts, &mut witnesses, protection)
}

/// Try each complement, most costly first: publish it again when every primary whose deviation
/// moved it still has one without it.
fn publish_back(
    system: &mut System,
    parts: &BTreeMap<usize, (Vec<usize>, Vec<usize>)>,
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
    for s in complements {
        system.vars[s].withheld = false;
        let affected: Vec<(usize, Direction)> = witnesses
            .iter()
            .filter(|(_, moved)| moved.contains(&s))
            .map(|(k, _)| *k)
            .collect();
        let mut found = Vec::new();
        for &(p, direction) in &affected {
            let part = &parts[&system.component[p]];
            match deviation(system, part, p, direction, protection, false)? {
                Some(moved) => found.push(((p, direction), moved)),
                None => break,
            }
        }
        if found.len() == affected.len() {
            witnesses.extend(found);
        } else {
            system.vars[s].withheld = true;
        }
    }
    Ok(())
}

/// A deviation that moves primary `p` by the protection level in `direction`, within `part`
/// (quantities, equations). Unknown quantities move freely; with `may_withhold`, published
/// non-empty ones may move at their cost. Returns the quantities it moves (p excluded), or None
/// when no deviation exists.
fn deviation(
    system: &System,
    (vars, equations): &(Vec<usize>, Vec<usize>),
    p: usize,
    direction: Direction,
    protection: f64,
    may_withhold: bool,
) -> Result<Option<BTreeSet<usize>>, String> {
    let mut problem = Problem::new(OptimizationDirection::Minimize);
    // Per quantity: its LP variables (up, down) with the coefficient each gives its deviation.
    let mut columns: BTreeMap<usize, Vec<(microlp::Variable, f64)>> = BTreeMap::new();
    for &v in vars {
        let var = &system.vars[v];
        let value = var.persons();
        let column = if v == p {
            let step = match direction {
                Direction::Up => protection,
                Direction::Down => -protection.min(value),
            };
            vec![(problem.add_var(0.0, (step, step)), 1.0)]
        } else if var.unknown() {
            vec![(problem.add_var(0.0, (-value, f64::INFINITY)), 1.0)]
        } else if may_withhold && var.weight > 0 {
            vec![
                (problem.add_var(var.cost, (0.0, f64::INFINITY)), 1.0),
                (problem.add_var(var.cost, (0.0, value)), -1.0),
            ]
        } else {
            continue;
        };
        columns.insert(v, column);
    }
    for &e in equations {
        let terms: Vec<(microlp::Variable, f64)> = system.equations[e]
            .iter()
            .filter_map(|(v, k)| columns.get(v).map(|c| (v, k, c)))
            .flat_map(|(_, k, column)| column.iter().map(move |(x, sign)| (*x, k * sign)))
            .collect();
        if terms.is_empty() {
            continue;
        }
        problem.add_constraint(&terms[..], ComparisonOp::Eq, 0.0);
    }
    let solution = match problem.solve() {
        Ok(outcome) => outcome
            .into_solution()
            .map_err(|_| "the solver stopped before a solution".to_string())?,
        Err(microlp::Error::Infeasible) => return Ok(None),
        Err(e) => return Err(format!("the solver failed: {e}")),
    };
    let moved = columns
        .iter()
        .filter(|(&v, _)| v != p)
        .filter(|(_, column)| {
            column
                .iter()
                .map(|(x, _)| solution.var_value(*x).abs())
                .sum::<f64>()
                > EPS
        })
        .map(|(&v, _)| v)
        .collect();
    Ok(Some(moved))
}

fn infeasible(p: usize) -> String {
    format!("no pattern protects quantity {p}: its tables have no cell left to withhold")
}
