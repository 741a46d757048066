//! The harmonized record contract (DESIGN.md, Contracts) as one table: every column, its type, and
//! what it comes from. The published column order, the schema indicator expressions are checked
//! against, and which columns a source provides are all read from [`RECORD_CONTRACT`].

use std::collections::BTreeSet;

use polars::prelude::{DataType, Field, Schema, IDX_DTYPE};

use crate::ingest::SOURCE_ROW;
use crate::spec::{SourceSpec, Variable};

/// A contract column's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    Text,
    Integer,
    Flag,
    Number,
    /// The record's row in its raw file (polars' index type).
    Row,
}

impl ColumnType {
    fn dtype(self) -> DataType {
        match self {
            ColumnType::Text => DataType::String,
            ColumnType::Integer => DataType::Int32,
            ColumnType::Flag => DataType::Boolean,
            ColumnType::Number => DataType::Float64,
            ColumnType::Row => IDX_DTYPE,
        }
    }
}

/// Where a contract column's values come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// Every source has it: where and when the record comes from.
    Always,
    /// The record's identity (a keyed hash or the raw id): published, never described by
    /// indicators.
    Identity,
    /// A harmonized variable, provided where the source's spec maps it.
    Variable(Variable),
    /// Derived from a harmonized variable (a grouping or a status), provided with it.
    DerivedFrom(Variable),
    /// The variable in the current classification version (ISCO-08, ISIC Rev.4): provided where
    /// the source codes in it, or where every code of an older version converts faithfully.
    Converted(Variable),
    /// The record's status under the migrant definition the round declares for its country
    /// (`spec::MigrantDefinition`): provided where there is one and the source gives the variable
    /// it reads.
    Migrant,
    /// The variable in an older classification version (`spec::ISCO88`, `spec::ISIC31`):
    /// provided only where the source codes in it.
    OwnVersion(Variable, &'static str),
}

/// One column of the harmonized record contract.
#[derive(Debug, Clone, Copy)]
pub struct ContractColumn {
    pub name: &'static str,
    pub column_type: ColumnType,
    pub basis: Basis,
}

const fn column(name: &'static str, column_type: ColumnType, basis: Basis) -> ContractColumn {
    ContractColumn {
        name,
        column_type,
        basis,
    }
}

use crate::spec::{ISCO88, ISIC31};
use Basis::{Always, Converted, DerivedFrom, Identity, OwnVersion};
use ColumnType::{Flag, Integer, Number, Row, Text};

/// The harmonized record columns, in publication order.
pub const RECORD_CONTRACT: [ContractColumn; 39] = [
    column("ref_area", Text, Always),
    column("time", Text, Always),
    column("source_id", Text, Always),
    column("source_type", Text, Always),
    column("record_id", Text, Identity),
    column(SOURCE_ROW, Row, Always),
    column("weight", Number, Always),
    column("sex", Text, Basis::Variable(Variable::Sex)),
    column("age", Integer, Basis::Variable(Variable::Age)),
    column("working_age", Flag, DerivedFrom(Variable::Age)),
    column(
        "country_of_birth",
        Text,
        Basis::Variable(Variable::CountryOfBirth),
    ),
    column("birth_status", Text, DerivedFrom(Variable::CountryOfBirth)),
    column("citizenship", Text, Basis::Variable(Variable::Citizenship)),
    column(
        "citizenship_status",
        Text,
        DerivedFrom(Variable::Citizenship),
    ),
    // "MIGRANT" or "NONMIG" under the country's own definition (ILOSTAT's MIG_STATUS).
    column("migrant_status", Text, Basis::Migrant),
    // A migrant's country of origin under that definition: of birth, or of citizenship.
    column("migrant_country", Text, Basis::Migrant),
    column("lf_status", Text, Basis::Variable(Variable::LfStatus)),
    // Occupation and industry in the source's own classification version (named beside them),
    // then in each version the tables read.
    column("occupation", Text, Basis::Variable(Variable::Occupation)),
    column(
        "occupation_version",
        Text,
        DerivedFrom(Variable::Occupation),
    ),
    column("occupation_isco08", Text, Converted(Variable::Occupation)),
    column(
        "occupation_isco88",
        Text,
        OwnVersion(Variable::Occupation, ISCO88),
    ),
    column("industry", Text, Basis::Variable(Variable::Industry)),
    column("industry_version", Text, DerivedFrom(Variable::Industry)),
    column("industry_isic4", Text, Converted(Variable::Industry)),
    column("industry_section", Text, Converted(Variable::Industry)),
    column(
        "industry_isic3_section",
        Text,
        OwnVersion(Variable::Industry, ISIC31),
    ),
    column("education", Text, Basis::Variable(Variable::Education)),
    column(
        "education_aggregate",
        Text,
        DerivedFrom(Variable::Education),
    ),
    column(
        "status_in_employment",
        Text,
        Basis::Variable(Variable::StatusInEmployment),
    ),
    // Monthly earnings from employment, in the source's local currency (its spec names it).
    column("earnings", Number, Basis::Variable(Variable::Earnings)),
    column("flow", Text, Basis::Variable(Variable::Flow)),
    column("destination", Text, Basis::Variable(Variable::Destination)),
    column("origin", Text, Basis::Variable(Variable::Origin)),
    // Why a national departs, where the source gives it per record; and whether the departure is
    // for employment, also where the source states that every record is (deployments).
    column("purpose", Text, Basis::Variable(Variable::Purpose)),
    column("for_employment", Flag, DerivedFrom(Variable::Purpose)),
    column("age_5yr", Text, DerivedFrom(Variable::Age)),
    column("age_10yr", Text, DerivedFrom(Variable::Age)),
    column("age_aggregate", Text, DerivedFrom(Variable::Age)),
    column("age_youth_adult", Text, DerivedFrom(Variable::Age)),
];

/// The type of a harmonized variable's column.
pub fn variable_type(variable: Variable) -> DataType {
    RECORD_CONTRACT
        .iter()
        .find(|c| c.basis == Basis::Variable(variable))
        .map_or(DataType::String, |c| c.column_type.dtype())
}

/// The schema of the contract that indicator expressions may refer to (`record_id` is left out:
/// it identifies records, it does not describe them).
pub fn record_schema() -> Schema {
    RECORD_CONTRACT
        .iter()
        .filter(|c| c.basis != Identity)
        .map(|c| Field::new(c.name.into(), c.column_type.dtype()))
        .collect()
}

/// Harmonized columns this source actually provides. The others are null because the source does
/// not have them: an indicator that needs one is "not available" for the source, never zero.
pub fn provided_columns(spec: &SourceSpec) -> BTreeSet<String> {
    let mapped = |v: Variable| spec.variable(v).is_some();
    // A source that states its population is of working age provides working_age without age.
    let stated_working_age = spec
        .source
        .population
        .as_ref()
        .is_some_and(|p| p.working_age);
    let crosswalk = |v: Variable| spec.variable(v).and_then(|m| m.crosswalk.as_ref());
    RECORD_CONTRACT
        .iter()
        .filter(|c| match c.basis {
            Always => true,
            Identity => false,
            _ if c.name == "working_age" && stated_working_age => true,
            // A source of departures for another purpose only gives no departure for employment.
            _ if c.name == "for_employment" => {
                spec.source.purpose == Some(crate::spec::Purpose::Employment)
                    || mapped(Variable::Purpose)
            }
            Basis::Variable(v) | DerivedFrom(v) => mapped(v),
            Converted(v) => mapped(v) && crosswalk(v).is_none_or(|c| c.faithful()),
            OwnVersion(v, version) => crosswalk(v).is_some_and(|c| c.version == version),
            Basis::Migrant => spec
                .migrant_definition
                .is_some_and(|d| mapped(d.variable())),
        })
        .map(|c| c.name.to_string())
        .collect()
}

/// The harmonized variable a contract column holds or is derived from (None: a column every
/// source has, or the record's identity).
pub fn variable_of(column: &str) -> Option<Variable> {
    RECORD_CONTRACT
        .iter()
        .find(|c| c.name == column)
        .and_then(|c| match c.basis {
            Basis::Variable(v) | DerivedFrom(v) | Converted(v) | OwnVersion(v, _) => Some(v),
            // Which variable depends on the country's definition: see `spec::MigrantDefinition`.
            Always | Identity | Basis::Migrant => None,
        })
}

/// The variables a set of contract columns reads, each once, in the order first read.
pub fn variables_of(columns: &[String]) -> Vec<Variable> {
    let mut variables = Vec::new();
    for variable in columns.iter().filter_map(|c| variable_of(c)) {
        if !variables.contains(&variable) {
            variables.push(variable);
        }
    }
    variables
}

/// Harmonized columns of the variables a source gives at their total only (`source.total_only`),
/// with the columns derived from them: breakdowns over them are published at their total.
pub fn total_only_columns(spec: &SourceSpec) -> BTreeSet<String> {
    let total_only = |v: Variable| spec.source.total_only.iter().any(|n| n == v.name());
    RECORD_CONTRACT
        .iter()
        .filter(|c| match c.basis {
            Basis::Variable(v) | DerivedFrom(v) => total_only(v),
            Basis::Migrant => spec
                .migrant_definition
                .is_some_and(|d| total_only(d.variable())),
            _ => false,
        })
        .map(|c| c.name.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_variable_is_one_column_of_its_own_name() {
        for variable in Variable::ALL {
            let columns: Vec<&str> = RECORD_CONTRACT
                .iter()
                .filter(|c| c.basis == Basis::Variable(variable))
                .map(|c| c.name)
                .collect();
            assert_eq!(columns, [variable.name()], "{variable:?}");
        }
    }

    #[test]
    fn names_are_unique() {
        let names: BTreeSet<&str> = RECORD_CONTRACT.iter().map(|c| c.name).collect();
        assert_eq!(names.len(), RECORD_CONTRACT.len());
    }
}
