//! Which years a table shows: the conventions of annual publications.

use super::TableSpec;

/// A table's reference period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reference {
    /// Each country's latest year (no year given); the table's year is the latest of them.
    Latest,
    /// One year: a country without a figure for it has none in the table.
    Year(u32),
    /// Each country's latest year up to `to` ("Y or the nearest earlier year"), from `from` when
    /// given (a period such as "2018/2019").
    UpTo { from: Option<u32>, to: u32 },
    /// Several years side by side.
    Years(Vec<u32>),
}

/// The years one column group accepts; a country shows its latest year inside them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Window {
    pub from: Option<u32>,
    pub to: Option<u32>,
}

impl Window {
    pub fn fits(self, time: &str) -> bool {
        let Some(year) = year_of(time) else {
            return false;
        };
        self.from.is_none_or(|f| f <= year) && self.to.is_none_or(|t| year <= t)
    }
}

/// A cell's year as a number (None for a quarter or a month: annual tables take years).
pub(super) fn year_of(time: &str) -> Option<u32> {
    (time.len() == 4 && time.bytes().all(|b| b.is_ascii_digit()))
        .then(|| time.parse().ok())
        .flatten()
}

impl TableSpec {
    /// The table's reference period, from `year`, `latest`, `from` and `years`.
    pub fn reference(&self) -> Reference {
        if !self.years.is_empty() {
            let mut years = self.years.clone();
            years.sort_unstable();
            years.dedup();
            return Reference::Years(years);
        }
        match (self.year, self.latest) {
            (None, _) => Reference::Latest,
            (Some(year), false) => Reference::Year(year),
            (Some(to), true) => Reference::UpTo {
                from: self.from,
                to,
            },
        }
    }
}

/// Whether a spec's year keys go together.
pub(super) fn check(spec: &TableSpec) -> std::result::Result<(), (String, String)> {
    let refuse = |problem: &str, fix: &str| Err((problem.to_string(), fix.to_string()));
    if !spec.years.is_empty() && (spec.year.is_some() || spec.latest || spec.from.is_some()) {
        return refuse(
            "`years` (several years side by side) is given with `year`, `latest` or `from`",
            "give either `years = [2022, 2023, 2024]` or `year` (with `latest` and `from`)",
        );
    }
    if spec.from.is_some() && !(spec.latest && spec.year.is_some()) {
        return refuse(
            "`from` is given without `year` and `latest = true`",
            "a period is the latest year from `from` up to `year`: set both and `latest = true`",
        );
    }
    if let (Some(from), Some(to)) = (spec.from, spec.year) {
        if from > to {
            return Err((
                format!("`from` ({from}) is after `year` ({to})"),
                "give the period's first year in `from` and its last in `year`".into(),
            ));
        }
    }
    Ok(())
}

impl Reference {
    /// The column groups: each one's window and heading (the year, in a table of several).
    pub(super) fn groups(&self) -> Vec<(Window, String)> {
        let one = |from, to| vec![(Window { from, to }, String::new())];
        match self {
            Reference::Latest => one(None, None),
            Reference::Year(y) => one(Some(*y), Some(*y)),
            Reference::UpTo { from, to } => one(*from, Some(*to)),
            Reference::Years(years) => years
                .iter()
                .map(|y| {
                    let w = Window {
                        from: Some(*y),
                        to: Some(*y),
                    };
                    (w, y.to_string())
                })
                .collect(),
        }
    }

    /// The table's year as the title gives it, and as the file name does; `latest` is the
    /// latest year a row shows (for a table of each country's latest year).
    pub(super) fn texts(&self, latest: Option<u32>) -> Option<(String, String)> {
        match self {
            Reference::Latest => latest.map(|y| (y.to_string(), y.to_string())),
            Reference::Year(y) | Reference::UpTo { from: None, to: y } => {
                Some((y.to_string(), y.to_string()))
            }
            Reference::UpTo {
                from: Some(from),
                to,
            } => Some(period_texts(*from, *to)),
            Reference::Years(years) => {
                let (first, last) = (*years.first()?, *years.last()?);
                if years.len() as u32 == last - first + 1 {
                    Some((format!("{first}–{last}"), format!("{first}-{last}")))
                } else {
                    let list: Vec<String> = years.iter().map(u32::to_string).collect();
                    Some((list.join(", "), list.join("_")))
                }
            }
        }
    }

    /// The year a row's figure is compared with for a footnote ("Reference year 2021."): None
    /// where every row's year is footnoted (a period) or none is (one year, several years).
    pub(super) fn footnote_unless(&self, table_year: Option<u32>) -> YearNotes {
        match self {
            Reference::Latest => YearNotes::Unless(table_year),
            Reference::UpTo { from: None, to } => YearNotes::Unless(Some(*to)),
            Reference::UpTo { from: Some(_), .. } => YearNotes::Every,
            Reference::Year(_) | Reference::Years(_) => YearNotes::None,
        }
    }

    /// "for 2023", "for 2023 or an earlier year", "for 2018/2019": what a country without data lacks.
    pub(super) fn no_data(&self, table_year: Option<u32>) -> String {
        match (self, self.texts(table_year)) {
            (Reference::UpTo { from: None, .. }, Some((year, _))) => {
                format!("No data for {year} or an earlier year.")
            }
            (_, Some((year, _))) => format!("No data for {year}."),
            (_, None) => "No data in this round.".into(),
        }
    }
}

/// Which rows get a footnote with their year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum YearNotes {
    /// Rows whose year is not this one.
    Unless(Option<u32>),
    Every,
    None,
}

/// "2018/2019" for two years, "2016–2019" for more; the file name's "2018-2019".
fn period_texts(from: u32, to: u32) -> (String, String) {
    match to - from {
        0 => (to.to_string(), to.to_string()),
        1 => (format!("{from}/{to}"), format!("{from}-{to}")),
        _ => (format!("{from}–{to}"), format!("{from}-{to}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_and_years_are_named_as_publications_do() {
        let period = Reference::UpTo {
            from: Some(2018),
            to: 2019,
        };
        assert_eq!(
            period.texts(None),
            Some(("2018/2019".into(), "2018-2019".into()))
        );
        assert_eq!(period.no_data(None), "No data for 2018/2019.");
        let window = period.groups()[0].0;
        assert!(window.fits("2018") && window.fits("2019"));
        assert!(!window.fits("2017") && !window.fits("2020") && !window.fits("2019Q1"));
        let years = Reference::Years(vec![2022, 2023, 2024]);
        assert_eq!(years.texts(None).unwrap().1, "2022-2024");
        assert_eq!(years.groups().len(), 3);
        assert_eq!(
            Reference::Years(vec![2020, 2024]).texts(None).unwrap().0,
            "2020, 2024"
        );
        let up_to = Reference::UpTo {
            from: None,
            to: 2023,
        };
        assert_eq!(up_to.no_data(None), "No data for 2023 or an earlier year.");
        assert_eq!(Reference::Latest.texts(Some(2024)).unwrap().0, "2024");
    }
}
