//! A variable's `expr`: a polars SQL expression over raw columns, compiled once and checked against
//! what the raw file really holds before any record is harmonized.
//!
//! Every raw column is text (ingest reads them so); a column of a Stata or SPSS file holds its codes,
//! or its value labels where a variable maps it with `key = "label"`. Two rules follow, and both are
//! checked when the round loads, so a mistake is an error naming the spec and the key instead of a
//! silently wrong figure:
//! - a column compared with (or computed with) a number is read as a number; every value it holds
//!   must then be a number or blank;
//! - a column compared with a text (`=`, `<>`, `IN`) must hold that text: a literal that is a value
//!   label where the expression sees codes, or that the column never holds, is refused; text is
//!   never ordered (`'9' > '15'`), so `<`, `>` against a text literal are refused too.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use polars::prelude::*;

use crate::error::{Error, Result};

/// Functions of polars SQL that read files: refused in specs, rules, indicators and queries
/// (they would read outside the round, and some panic inside an expression).
const FILE_FUNCTIONS: [&str; 5] = [
    "read_csv",
    "read_parquet",
    "read_ipc",
    "read_json",
    "read_ndjson",
];

/// The most boolean operators and parentheses one expression or query may have: far above any
/// real spec, far below what overflows the parser's stack (an OR of 10,000 terms).
const MAX_OPERATORS: usize = 2_000;

/// Refuse SQL text that reads files or is deep enough to overflow the parser; the problem, for a
/// message. Applied before polars sees the text.
pub fn guard(text: &str) -> std::result::Result<(), String> {
    let lower = text.to_ascii_lowercase();
    if let Some(f) = FILE_FUNCTIONS.iter().find(|f| lower.contains(*f)) {
        return Err(format!(
            "{f}(...) reads a file: expressions and queries read only the round's own data"
        ));
    }
    let operators = lower
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .filter(|w| *w == "or" || *w == "and")
        .count()
        + lower.matches('(').count();
    if operators > MAX_OPERATORS {
        return Err(format!(
            "{operators} operators and parentheses, more than the {MAX_OPERATORS} allowed: use IN (...) for a list of codes, or a map"
        ));
    }
    Ok(())
}

/// Compile an expression; the error names the spec and the key.
pub fn compile(spec_path: &Path, key: &str, text: &str) -> Result<Expr> {
    guard(text).map_err(|problem| {
        Error::new(
            spec_path,
            key,
            problem,
            "write a polars SQL expression over the raw columns",
        )
    })?;
    polars::sql::sql_expr(text).map_err(|e| {
        Error::new(
            spec_path,
            key,
            format!("not a valid expression: {e}"),
            "write a polars SQL expression over raw columns, e.g. CASE WHEN \"Q1\" = '1' THEN 'EMP' ELSE 'OLF' END (quote column names with double quotes)",
        )
    })
}

/// The raw columns an expression reads, each by name. Columns chosen by a pattern
/// (`COLUMNS('^PASS.*$')`) are refused, the problem returned: which columns a pattern reaches
/// depends on the file, and it could reach a personal identifier.
pub fn columns(expr: &Expr) -> std::result::Result<Vec<String>, String> {
    if expr.into_iter().any(|e| matches!(e, Expr::Selector(_))) {
        return Err(
            "the expression chooses columns by a pattern (COLUMNS(...)): name each raw column it reads"
                .into(),
        );
    }
    Ok(expr
        .clone()
        .meta()
        .root_names()
        .into_iter()
        .map(|n| n.to_string())
        .collect())
}

/// A literal a raw column is compared with.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Text(String),
    Number(f64),
}

/// One comparison of a raw column with a literal, as written in the expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub column: String,
    /// `<`, `<=`, `>`, `>=` (an order), rather than `=`, `<>` or `IN` (membership).
    pub ordering: bool,
    pub literal: Literal,
}

/// Every comparison (or arithmetic) of a bare raw column with a literal.
pub fn comparisons(expr: &Expr) -> Vec<Comparison> {
    let mut found = Vec::new();
    for node in expr {
        match node {
            Expr::BinaryExpr { left, op, right } => {
                let pair = match (left.as_ref(), right.as_ref()) {
                    (Expr::Column(c), Expr::Literal(l)) | (Expr::Literal(l), Expr::Column(c)) => {
                        Some((c, l))
                    }
                    _ => None,
                };
                if let Some((column, literal)) = pair.and_then(|(c, l)| Some((c, literal(l)?))) {
                    found.push(Comparison {
                        column: column.to_string(),
                        ordering: is_ordering(*op),
                        literal,
                    });
                }
            }
            Expr::Function { input, function } if function.to_string() == "is_in" => {
                if let [Expr::Column(column), set] = input.as_slice() {
                    found.extend(set_literals(set).into_iter().map(|literal| Comparison {
                        column: column.to_string(),
                        ordering: false,
                        literal,
                    }));
                }
            }
            _ => {}
        }
    }
    found
}

/// Read the columns compared with (or computed with) a number as numbers; a blank is null.
pub fn with_numbers_as_numbers(expr: Expr) -> Expr {
    expr.map_expr(|node| match node {
        Expr::BinaryExpr { left, op, right } => {
            let as_number = |side: Arc<Expr>, other: &Expr| match (side.as_ref(), other) {
                (Expr::Column(_), Expr::Literal(l))
                    if matches!(literal(l), Some(Literal::Number(_))) =>
                {
                    Arc::new(side.as_ref().clone().cast(DataType::Float64))
                }
                _ => side,
            };
            let (l, r) = (left.clone(), right.clone());
            Expr::BinaryExpr {
                left: as_number(l, &right),
                op,
                right: as_number(r, &left),
            }
        }
        // `"age" IN (15, 16)`: the column is read as a number too.
        Expr::Function {
            mut input,
            function,
        } if function.to_string() == "is_in"
            && matches!(input.first(), Some(Expr::Column(_)))
            && input.get(1).is_some_and(|set| {
                set_literals(set)
                    .iter()
                    .any(|l| matches!(l, Literal::Number(_)))
            }) =>
        {
            input[0] = input[0].clone().cast(DataType::Float64);
            Expr::Function { input, function }
        }
        other => other,
    })
}

/// What a raw column holds, as an expression sees it.
#[derive(Debug, Default)]
pub struct ColumnValues {
    /// Its distinct values ("" for blank).
    pub values: BTreeSet<String>,
    /// Value labels of its codes, where the expression sees codes that carry labels.
    pub labels: BTreeMap<String, String>,
    /// Distinct non-blank values that are not numbers.
    pub not_numbers: Vec<String>,
}

/// Check an expression's comparisons against what its columns hold.
pub fn check(
    spec_path: &Path,
    key: &str,
    expr: &Expr,
    holds: &BTreeMap<String, ColumnValues>,
) -> Result<()> {
    for comparison in comparisons(expr) {
        let Some(column) = holds.get(&comparison.column) else {
            continue;
        };
        let name = &comparison.column;
        let problem = match &comparison.literal {
            Literal::Number(n) if !column.not_numbers.is_empty() => Some((
                format!(
                    "column '{name}' is compared with the number {n} but holds values that are not numbers: {}",
                    quoted(&column.not_numbers)
                ),
                "compare it with its text values ('...'), or clean the column".to_string(),
            )),
            Literal::Number(_) => None,
            Literal::Text(t) if comparison.ordering && t.trim().parse::<f64>().is_ok() => Some((
                format!("column '{name}' is ordered against the text '{t}': text order is not number order ('9' comes after '15')"),
                format!("compare with a number, e.g. \"{name}\" < {t} (a column compared with a number is read as a number)"),
            )),
            // Ordered text that is not a number (ISO dates sort as text) is the spec's choice.
            Literal::Text(_) if comparison.ordering => None,
            Literal::Text(t) if t.is_empty() || column.values.contains(t) => None,
            // A file with no record holds no value to check against (the source fails later).
            Literal::Text(_) if column.values.is_empty() => None,
            Literal::Text(t) if column.labels.contains_key(t) => None,
            Literal::Text(t) => Some(match column.labels.iter().find(|(_, l)| *l == t) {
                Some((code, _)) => (
                    format!("'{t}' is a value label of column '{name}'; expressions see its codes"),
                    format!("compare with the code: \"{name}\" = '{code}' ('{t}')"),
                ),
                None => (
                    format!(
                        "column '{name}' never holds '{t}' (its values: {})",
                        quoted(&column.values.iter().cloned().collect::<Vec<_>>())
                    ),
                    "compare with one of the values the column holds (see `ilms inspect`)".to_string(),
                ),
            }),
        };
        if let Some((what, fix)) = problem {
            return Err(Error::new(spec_path, key, what, fix));
        }
    }
    Ok(())
}

fn is_ordering(op: Operator) -> bool {
    matches!(
        op,
        Operator::Lt | Operator::LtEq | Operator::Gt | Operator::GtEq
    )
}

fn literal(value: &LiteralValue) -> Option<Literal> {
    if let Some(text) = value.extract_str() {
        return Some(Literal::Text(text.to_string()));
    }
    let any = value.to_any_value()?;
    any.dtype()
        .is_primitive_numeric()
        .then(|| any.extract::<f64>())
        .flatten()
        .map(Literal::Number)
}

/// The literals of an `IN (...)` list.
fn set_literals(set: &Expr) -> Vec<Literal> {
    let mut found = Vec::new();
    for node in set {
        if let Expr::Literal(LiteralValue::Series(series)) = node {
            let numeric = series.dtype().is_primitive_numeric();
            let Ok(text) = series.cast(&DataType::String) else {
                continue;
            };
            if let Ok(text) = text.str() {
                for value in text.iter().flatten() {
                    found.push(match value.parse::<f64>() {
                        Ok(n) if numeric => Literal::Number(n),
                        _ => Literal::Text(value.to_string()),
                    });
                }
            }
        }
    }
    found
}

/// Up to 20 values, quoted, for a message.
fn quoted(values: &[String]) -> String {
    let shown: Vec<String> = values.iter().take(20).map(|v| format!("'{v}'")).collect();
    let more = values.len().saturating_sub(20);
    match more {
        0 => shown.join(", "),
        _ => format!("{} and {more} more", shown.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compiled(text: &str) -> Expr {
        compile(Path::new("spec.toml"), "variables.x.expr", text).expect("compiles")
    }

    #[test]
    fn file_functions_and_huge_expressions_are_refused_before_parsing() {
        assert!(guard("read_csv('/etc/passwd')")
            .unwrap_err()
            .contains("reads a file"));
        assert!(guard("\"A\" = READ_PARQUET('x')").is_err());
        let huge = vec!["\"a\" = '1'"; 10_000].join(" OR ");
        assert!(guard(&huge)
            .unwrap_err()
            .contains("more than the 2000 allowed"));
        assert!(guard("CASE WHEN \"Q1\" = '1' OR \"Q2\" = '1' THEN 'EMP' END").is_ok());
        // A column named like a function word is fine.
        assert!(guard("\"reader\" = 'x'").is_ok());
    }

    #[test]
    fn finds_comparisons_with_literals() {
        let found = comparisons(&compiled(
            r#"CASE WHEN "a" = '1' OR "b" <> 'x' THEN 'EMP' WHEN "age" < 15 THEN '' WHEN "c" IN ('7', '8') THEN 'UNE' ELSE 'OLF' END"#,
        ));
        let text = |c: &str, t: &str| Comparison {
            column: c.into(),
            ordering: false,
            literal: Literal::Text(t.into()),
        };
        for expected in [
            text("a", "1"),
            text("b", "x"),
            text("c", "7"),
            text("c", "8"),
            Comparison {
                column: "age".into(),
                ordering: true,
                literal: Literal::Number(15.0),
            },
        ] {
            assert!(found.contains(&expected), "{expected:?} not in {found:?}");
        }
        // The THEN/ELSE results are not comparisons.
        assert!(!found
            .iter()
            .any(|c| c.literal == Literal::Text("EMP".into())));
    }

    #[test]
    fn a_column_compared_with_a_number_is_read_as_a_number() {
        let frame = df!("age" => ["9", "15", "", "40"]).expect("frame");
        let expr = with_numbers_as_numbers(compiled(r#""age" < 15"#));
        let out = frame
            .lazy()
            .select([expr.alias("child")])
            .collect()
            .expect("evaluates");
        let child: Vec<Option<bool>> = out
            .column("child")
            .unwrap()
            .bool()
            .unwrap()
            .iter()
            .collect();
        assert_eq!(child, [Some(true), Some(false), None, Some(false)]);
        let expr = with_numbers_as_numbers(compiled(r#""age" IN (9, 40)"#));
        let out = df!("age" => ["9", "15", "", "40"])
            .expect("frame")
            .lazy()
            .select([expr.alias("listed")])
            .collect()
            .expect("evaluates");
        let listed: Vec<Option<bool>> = out
            .column("listed")
            .unwrap()
            .bool()
            .unwrap()
            .iter()
            .collect();
        assert_eq!(listed[0], Some(true));
        assert_eq!(listed[1], Some(false));
        assert_eq!(listed[3], Some(true));
    }

    #[test]
    fn labels_unknown_values_and_text_order_are_refused() {
        let mut holds = BTreeMap::new();
        holds.insert(
            "worked".to_string(),
            ColumnValues {
                values: ["1", "2"].map(String::from).into(),
                labels: [("1".to_string(), "Sim".to_string())].into(),
                not_numbers: vec![],
            },
        );
        holds.insert(
            "age".to_string(),
            ColumnValues {
                values: ["9", "2024-01-05"].map(String::from).into(),
                labels: BTreeMap::new(),
                not_numbers: vec!["2024-01-05".into()],
            },
        );
        let message = |text: &str| {
            check(
                Path::new("s.toml"),
                "variables.x.expr",
                &compiled(text),
                &holds,
            )
            .err()
            .map(|e| e.to_string())
        };
        assert!(message(r#""worked" = '1'"#).is_none());
        assert!(message(r#""worked" = ''"#).is_none());
        assert!(message(r#""worked" = 'Sim'"#).unwrap().contains("= '1'"));
        assert!(message(r#""worked" = 'yes'"#).unwrap().contains("'1', '2'"));
        assert!(message(r#""worked" < '15'"#)
            .unwrap()
            .contains("text order"));
        assert!(
            message(r#""age" >= '2024-01-01'"#).is_none(),
            "ISO dates sort as text"
        );
        assert!(message(r#""age" < 15"#).unwrap().contains("2024-01-05"));
        assert!(message(r#""unknown" = 'x'"#).is_none());
    }
}
