//! The harmonized record contract (DESIGN.md, Contracts) as one table: every column, its type, and
//! what it comes from. The published column order, the schema indicator expressions are checked
//! against, the harmonized variables (their names and the classifications their maps may target)
//! and which columns a source provides (`SourceSpec::provided_columns`) are all read from
//! [`RECORD_CONTRACT`]. A new variable is a row here and a variant of [`Variable`]; a new
//! classification for it is a row of `classifications::CLASSIFICATIONS`.

use polars::prelude::{DataType, Field, Schema, IDX_DTYPE};

use crate::classifications::{Classifications, Grouping, Target};
use crate::error::{Error, Result};

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
    /// Derived from a harmonized variable (a status, a flag), provided with it.
    DerivedFrom(Variable),
    /// A grouping of a harmonized variable's codes by a translation table of
    /// `schemas/classifications/groupings/` (age bands, education aggregates), provided with it.
    GroupedFrom(Variable),
    /// The variable in the current classification version (ISCO-08, ISIC Rev.4): provided where
    /// the source codes in it, or where every code of an older version converts faithfully.
    Converted(Variable),
    /// The record's status under the migrant definition the round declares for its country
    /// (`spec::MigrantDefinition`): provided where there is one and the source gives the variable
    /// it reads.
    Migrant,
    /// The variable in an older classification version (ISCO-88, ISIC Rev.3.1, ISCO-68, ISIC
    /// Rev.2): provided only where the source codes in it.
    OwnVersion(Variable, Target),
}

/// One column of the harmonized record contract.
#[derive(Debug, Clone, Copy)]
pub struct ContractColumn {
    pub name: &'static str,
    pub column_type: ColumnType,
    pub basis: Basis,
    /// A harmonized variable's: the classifications a spec's map may target, the first the one
    /// ilms harmonizes to, the others through an official correspondence (none: numeric).
    pub classifications: &'static [Target],
}

const fn column(name: &'static str, column_type: ColumnType, basis: Basis) -> ContractColumn {
    ContractColumn {
        name,
        column_type,
        basis,
        classifications: &[],
    }
}

/// A harmonized variable holding codes of `classifications`.
const fn coded(
    name: &'static str,
    variable: Variable,
    classifications: &'static [Target],
) -> ContractColumn {
    ContractColumn {
        name,
        column_type: Text,
        basis: Basis::Variable(variable),
        classifications,
    }
}

/// The harmonized variables a spec may fill: each is one column of [`RECORD_CONTRACT`], which
/// gives its name, type and classifications.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumIter)]
pub enum Variable {
    Sex,
    Age,
    CountryOfBirth,
    Citizenship,
    LfStatus,
    Occupation,
    Industry,
    Education,
    StatusInEmployment,
    Flow,
    Destination,
    Origin,
    Purpose,
    Earnings,
}

impl Variable {
    /// Every harmonized variable, in the contract's order.
    pub fn all() -> impl Iterator<Item = Variable> {
        RECORD_CONTRACT.iter().filter_map(|c| match c.basis {
            Basis::Variable(v) => Some(v),
            _ => None,
        })
    }

    /// The variable's column of the contract (a unit test holds every variable to one).
    fn column(self) -> &'static ContractColumn {
        let own = RECORD_CONTRACT
            .iter()
            .find(|c| c.basis == Basis::Variable(self));
        own.unwrap_or(&RECORD_CONTRACT[0])
    }

    /// The harmonized column name, the variable's name in specs.
    pub fn name(self) -> &'static str {
        self.column().name
    }

    pub fn from_name(name: &str) -> Option<Variable> {
        Variable::all().find(|v| v.name() == name)
    }

    /// The classifications the variable's map may target (empty for a numeric variable).
    pub fn targets(self) -> &'static [Target] {
        self.column().classifications
    }
}

/// Name of the column holding a record's row in its raw file (every ingested frame carries it).
pub const SOURCE_ROW: &str = "source_row";

use Basis::{Always, Converted, DerivedFrom, GroupedFrom, Identity, OwnVersion};
use ColumnType::{Flag, Integer, Number, Row, Text};

/// The harmonized record columns, in publication order.
pub const RECORD_CONTRACT: [ContractColumn; 41] = [
    column("ref_area", Text, Always),
    column("time", Text, Always),
    column("source_id", Text, Always),
    column("source_type", Text, Always),
    column("record_id", Text, Identity),
    column(SOURCE_ROW, Row, Always),
    column("weight", Number, Always),
    coded("sex", Variable::Sex, &[Target::Sex]),
    column("age", Integer, Basis::Variable(Variable::Age)),
    column("working_age", Flag, DerivedFrom(Variable::Age)),
    coded(
        "country_of_birth",
        Variable::CountryOfBirth,
        &[Target::Iso3],
    ),
    column("birth_status", Text, DerivedFrom(Variable::CountryOfBirth)),
    coded("citizenship", Variable::Citizenship, &[Target::Iso3]),
    column(
        "citizenship_status",
        Text,
        DerivedFrom(Variable::Citizenship),
    ),
    // "MIGRANT" or "NONMIG" under the country's own definition (ILOSTAT's MIG_STATUS).
    column("migrant_status", Text, Basis::Migrant),
    // A migrant's country of origin under that definition: of birth, or of citizenship.
    column("migrant_country", Text, Basis::Migrant),
    coded("lf_status", Variable::LfStatus, &[Target::LfStatus]),
    // Occupation and industry in the source's own classification version (named beside them),
    // then in each version the tables read.
    coded(
        "occupation",
        Variable::Occupation,
        &[Target::Isco08, Target::Isco88, Target::Isco68],
    ),
    column(
        "occupation_version",
        Text,
        DerivedFrom(Variable::Occupation),
    ),
    column("occupation_isco08", Text, Converted(Variable::Occupation)),
    column(
        "occupation_isco88",
        Text,
        OwnVersion(Variable::Occupation, Target::Isco88),
    ),
    column(
        "occupation_isco68",
        Text,
        OwnVersion(Variable::Occupation, Target::Isco68),
    ),
    coded(
        "industry",
        Variable::Industry,
        &[Target::Isic4, Target::Isic31, Target::Isic2],
    ),
    column("industry_version", Text, DerivedFrom(Variable::Industry)),
    column("industry_isic4", Text, Converted(Variable::Industry)),
    column("industry_section", Text, Converted(Variable::Industry)),
    column(
        "industry_isic3_section",
        Text,
        OwnVersion(Variable::Industry, Target::Isic31),
    ),
    column(
        "industry_isic2",
        Text,
        OwnVersion(Variable::Industry, Target::Isic2),
    ),
    coded("education", Variable::Education, &[Target::Isced11]),
    column(
        "education_aggregate",
        Text,
        GroupedFrom(Variable::Education),
    ),
    coded(
        "status_in_employment",
        Variable::StatusInEmployment,
        &[Target::Icse93],
    ),
    // Monthly earnings from employment, in the source's local currency (its spec names it).
    column("earnings", Number, Basis::Variable(Variable::Earnings)),
    coded("flow", Variable::Flow, &[Target::Flow]),
    coded("destination", Variable::Destination, &[Target::Iso3]),
    coded("origin", Variable::Origin, &[Target::Iso3]),
    // Why a national departs, where the source gives it per record; and whether the departure is
    // for employment, also where the source states that every record is (deployments).
    coded("purpose", Variable::Purpose, &[Target::Purpose]),
    column("for_employment", Flag, DerivedFrom(Variable::Purpose)),
    column("age_5yr", Text, GroupedFrom(Variable::Age)),
    column("age_10yr", Text, GroupedFrom(Variable::Age)),
    column("age_aggregate", Text, GroupedFrom(Variable::Age)),
    column("age_youth_adult", Text, GroupedFrom(Variable::Age)),
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

/// The harmonized variable a contract column holds or is derived from (None: a column every
/// source has, or the record's identity).
pub fn variable_of(column: &str) -> Option<Variable> {
    RECORD_CONTRACT
        .iter()
        .find(|c| c.name == column)
        .and_then(|c| match c.basis {
            Basis::Variable(v)
            | DerivedFrom(v)
            | GroupedFrom(v)
            | Converted(v)
            | OwnVersion(v, _) => Some(v),
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

/// The translation tables of `groupings/` against the contract: each grouped column made by
/// exactly one table of its variable, no table column the contract does not have, and a numeric
/// variable's codes whole numbers.
pub fn check_groupings(cl: &Classifications) -> Result<()> {
    let folder = cl.dir.join(crate::classifications::GROUPINGS_FOLDER);
    for grouping in &cl.groupings {
        let grouped = RECORD_CONTRACT.iter().find(|c| c.name == grouping.column);
        let variable = match grouped.map(|c| c.basis) {
            Some(GroupedFrom(v)) if v.name() == grouping.variable => v,
            _ => {
                return Err(Error::new(
                    &grouping.path,
                    &grouping.column,
                    format!(
                        "the record contract has no column '{}' grouping '{}'",
                        grouping.column, grouping.variable
                    ),
                    "name the first column after the harmonized variable and the others after the record columns grouping it (see src/contract.rs)",
                ))
            }
        };
        check_numeric_codes(grouping, variable)?;
    }
    for column in RECORD_CONTRACT.iter() {
        let GroupedFrom(variable) = column.basis else {
            continue;
        };
        let tables = cl
            .groupings
            .iter()
            .filter(|g| g.column == column.name)
            .count();
        if tables != 1 {
            return Err(Error::new(
                &folder,
                column.name,
                format!(
                    "{tables} translation tables give the record column '{}'",
                    column.name
                ),
                format!(
                    "give it in one table whose first column is '{}' (ilms' own are in its schemas/classifications/groupings/, written by tools/build_classifications.py: copy them into the round's classifications)",
                    variable.name()
                ),
            ));
        }
    }
    Ok(())
}

/// The codes of a grouping of a numeric variable (age) must be whole numbers.
fn check_numeric_codes(grouping: &Grouping, variable: Variable) -> Result<()> {
    if variable.column().column_type != ColumnType::Integer {
        return Ok(());
    }
    match grouping.codes.keys().find(|c| c.parse::<u16>().is_err()) {
        Some(code) => Err(Error::new(
            &grouping.path,
            &grouping.variable,
            format!("'{code}' is not a whole number of {}", grouping.variable),
            "give each whole number on a row of its own",
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn each_variable_is_one_column_of_its_own_name() {
        use strum::IntoEnumIterator;
        for variable in Variable::iter() {
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
