//! One source's count tables as linear equations over distinct quantities: what a reader knows
//! about the cells whatever is withheld.
//!
//! The tables of one universe are linked: a cell is the same quantity wherever it appears (the
//! margin "women, foreign-born" is in the occupation table and in the age table), every margin is
//! the sum of its categories, and a grouping version (skill levels, aggregate age bands) is the sum
//! of its base categories.

use std::collections::{BTreeMap, BTreeSet};

use crate::indicators::GroupedFrom;
use crate::tabulate::{PopulationLink, Table, WEIGHT_SCALE};

/// One distinct quantity.
#[derive(Debug, Clone)]
pub struct Var {
    /// Shown in some table (false: only implied, e.g. a base category no table shows).
    pub shown: bool,
    pub primary: bool,
    pub withheld: bool,
    /// Persons (fixed point, see [`WEIGHT_SCALE`]).
    pub weight: i64,
    /// Cost of withholding it: the information a reader loses.
    pub cost: f64,
    /// The least value a reader cannot rule out whatever is withheld (1 person: a withheld cell
    /// is never empty; more where withheld parts hold it up): its protection stops there.
    pub floor: f64,
}

impl Var {
    pub fn persons(&self) -> f64 {
        self.weight as f64 / WEIGHT_SCALE
    }

    /// Unknown to a reader: withheld, or shown nowhere.
    pub fn unknown(&self) -> bool {
        self.withheld || !self.shown
    }
}

/// Each equation: (quantity, coefficient) pairs whose sum is zero.
pub type Equation = Vec<(usize, f64)>;

pub struct System {
    pub vars: Vec<Var>,
    /// (table, cell) to its quantity.
    pub cell_var: BTreeMap<(usize, usize), usize>,
    pub equations: Vec<Equation>,
    /// Per quantity, the equations it is in.
    pub equations_of: Vec<Vec<usize>>,
    /// Per quantity, its connected part of the system (quantities linked through equations).
    pub component: Vec<usize>,
}

/// A quantity is its universe and its non-total codes: the same in every table that shows it.
type QuantityKey = (String, BTreeSet<String>);

impl System {
    /// The system of `tables` and the `links` between their universes, with each cell's cost of
    /// withholding from `cost(table, cell)`.
    pub fn new(
        tables: &[Table],
        links: &[PopulationLink],
        cost: impl Fn(usize, usize) -> f64,
    ) -> System {
        let mut builder = Builder::default();
        let links = builder.same_universes(links);
        let mut cell_var = BTreeMap::new();
        for (t, table) in tables.iter().enumerate() {
            for (c, key) in table.keys.iter().enumerate() {
                let v = builder.var_of(builder.quantity(table, key));
                let var = &mut builder.vars[v];
                var.shown = true;
                var.primary |= table.status[c] == crate::cells::Status::Primary;
                var.withheld |= table.status[c].withheld();
                var.weight = table.tallies[c].weight;
                var.cost = var.cost.max(cost(t, c));
                cell_var.insert((t, c), v);
            }
        }
        let mut equations: BTreeSet<Vec<(usize, i64)>> = BTreeSet::new();
        for (t, table) in tables.iter().enumerate() {
            builder.table_equations(t, table, &cell_var, &mut equations);
        }
        builder.link_equations(&links, &mut equations);
        let equations: Vec<Equation> = equations
            .into_iter()
            .map(|e| e.into_iter().map(|(v, k)| (v, k as f64)).collect())
            .collect();
        let mut system = System::from_parts(builder.vars, equations);
        system.cell_var = cell_var;
        system
    }

    /// A system of quantities and equations given directly (a table made outside ilms).
    pub fn from_parts(vars: Vec<Var>, equations: Vec<Equation>) -> System {
        let mut equations_of = vec![Vec::new(); vars.len()];
        for (i, equation) in equations.iter().enumerate() {
            for (v, _) in equation {
                equations_of[*v].push(i);
            }
        }
        let component = components(vars.len(), &equations);
        System {
            vars,
            cell_var: BTreeMap::new(),
            equations,
            equations_of,
            component,
        }
    }

    /// The quantities and equations of `v`'s connected part.
    pub fn part_of(&self, v: usize) -> (Vec<usize>, Vec<usize>) {
        let part = self.component[v];
        let vars: Vec<usize> = (0..self.vars.len())
            .filter(|&u| self.component[u] == part)
            .collect();
        let equations: BTreeSet<usize> = vars
            .iter()
            .flat_map(|&u| self.equations_of[u].iter().copied())
            .collect();
        (vars, equations.into_iter().collect())
    }
}

#[derive(Default)]
struct Builder {
    index: BTreeMap<QuantityKey, usize>,
    vars: Vec<Var>,
    /// A universe holding the same records as another, and that other: one name for the two.
    same: BTreeMap<String, String>,
}

impl Builder {
    /// Take the universes that hold the same records as others (`PopulationLink::Same`) and give
    /// the other links in the names the quantities use.
    fn same_universes(&mut self, links: &[PopulationLink]) -> Vec<PopulationLink> {
        for link in links {
            if let PopulationLink::Same { universe, as_ } = link {
                self.same.insert(universe.clone(), as_.clone());
            }
        }
        let name = |u: &String| self.same.get(u).unwrap_or(u).clone();
        links
            .iter()
            .filter_map(|link| match link {
                PopulationLink::Same { .. } => None,
                PopulationLink::Sum { whole, a, b } => Some(PopulationLink::Sum {
                    whole: name(whole),
                    a: name(a),
                    b: name(b),
                }),
                PopulationLink::Subset { part, full, code } => Some(PopulationLink::Subset {
                    part: name(part),
                    full: name(full),
                    code: code.clone(),
                }),
                PopulationLink::Relabel { .. } => Some(link.clone()),
            })
            .collect()
    }

    /// A quantity is its universe and its non-total codes: the same in every table that shows it.
    fn quantity(&self, table: &Table, key: &[String]) -> QuantityKey {
        let codes = key
            .iter()
            .zip(&table.indicator.dimensions)
            .filter(|(code, dim)| **code != dim.total)
            .map(|(code, _)| code.clone())
            .collect();
        let universe = &table.indicator.universe_text;
        let universe = self.same.get(universe).unwrap_or(universe);
        (universe.clone(), codes)
    }

    fn var_of(&mut self, key: QuantityKey) -> usize {
        let vars = &mut self.vars;
        *self.index.entry(key).or_insert_with(|| {
            vars.push(Var {
                shown: false,
                primary: false,
                withheld: false,
                weight: 0,
                cost: 0.0,
                floor: 1.0,
            });
            vars.len() - 1
        })
    }

    /// A universe that is the sum of two others, or another restricted to one category: the cells
    /// with the same codes are linked; a code that relabels another: the cells with either.
    fn link_equations(
        &self,
        links: &[PopulationLink],
        equations: &mut BTreeSet<Vec<(usize, i64)>>,
    ) {
        for ((universe, codes), &v) in &self.index {
            for link in links {
                let find =
                    |u: &String, codes: BTreeSet<String>| self.index.get(&(u.clone(), codes));
                let equation = match link {
                    PopulationLink::Sum { whole, a, b } if whole == universe => {
                        match (find(a, codes.clone()), find(b, codes.clone())) {
                            (Some(&x), Some(&y)) => vec![(v, 1), (x, -1), (y, -1)],
                            _ => continue,
                        }
                    }
                    // Between shown quantities only: one implied by a grouping has no value
                    // here (it is free for the reader), so an equation to it would pin the other.
                    PopulationLink::Relabel { a, b } if codes.contains(a) && self.vars[v].shown => {
                        let mut relabelled = codes.clone();
                        relabelled.remove(a);
                        relabelled.insert(b.clone());
                        match find(universe, relabelled) {
                            Some(&x) if self.vars[x].shown => vec![(v, 1), (x, -1)],
                            _ => continue,
                        }
                    }
                    PopulationLink::Subset { part, full, code } if part == universe => {
                        let mut with = codes.clone();
                        with.insert(code.clone());
                        match find(full, with) {
                            Some(&x) => vec![(v, 1), (x, -1)],
                            None => continue,
                        }
                    }
                    _ => continue,
                };
                let mut equation = equation;
                equation.sort();
                equations.insert(equation);
            }
        }
    }

    /// Margins (a total is the sum of the categories shown along one dimension: those not shown
    /// are empty) and groupings (a group is the sum of its base categories, same other codes).
    fn table_equations(
        &mut self,
        t: usize,
        table: &Table,
        cell_var: &BTreeMap<(usize, usize), usize>,
        equations: &mut BTreeSet<Vec<(usize, i64)>>,
    ) {
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
            let Some(GroupedFrom { groups, .. }) = &dim.grouping else {
                continue;
            };
            for (c, key) in table.keys.iter().enumerate() {
                let Some(members) = groups.get(&key[d]) else {
                    continue;
                };
                let mut equation = vec![(cell_var[&(t, c)], 1)];
                for member in members {
                    let mut part = key.clone();
                    part[d] = member.clone();
                    equation.push((self.var_of(self.quantity(table, &part)), -1));
                }
                equation.sort();
                equations.insert(equation);
            }
        }
    }
}

/// Connected parts of the system (union-find over the equations), numbered by smallest member.
fn components(n: usize, equations: &[Equation]) -> Vec<usize> {
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(parent: &mut [usize], mut v: usize) -> usize {
        while parent[v] != v {
            parent[v] = parent[parent[v]];
            v = parent[v];
        }
        v
    }
    for equation in equations {
        for pair in equation.windows(2) {
            let (a, b) = (root(&mut parent, pair[0].0), root(&mut parent, pair[1].0));
            if a != b {
                parent[a.max(b)] = a.min(b);
            }
        }
    }
    (0..n).map(|v| root(&mut parent, v)).collect()
}
