#!/usr/bin/env python3
"""Independent cross-check of a finished run (used by tests/cli.rs and tests/formats.rs).

Recomputes every published indicator cell with DuckDB straight from the published harmonized
records, with the indicator definitions written out below in SQL by hand (not read from
schemas/indicators.toml; the aggregate age and education groups come from the harmonized records'
own derived columns, not from the engine's groupings). Checks, per cell:
  - counts: value and sample count exactly (weights summed in millionths of a person, as ilms does);
  - the flags, under each source's disclosure policy (run_log.json names it; thresholds from the
    round's schemas/disclosure.toml, the rules written out here): "S" (withheld, no value, no sample
    count) for every cell of 1 to withheld_below - 1 records (for an aggregate table, persons; under
    not_stated = "stated_attributes", judged by the cell with its not-stated codes at their totals),
    "primary" exactly for those where the policy reveals the reason, no other withheld cell where it
    has no secondary suppression, "confidential" for every withheld cell where it hides the reason;
    "U" exactly when a cell has unreliable_below - 1 records or fewer (and is not withheld);
  - rates, distributions and shares: 100 x part / whole from the DuckDB counts, withheld exactly when
    the part or the whole is withheld;
  - every total equals the sum of its parts wherever all of them are published;
  - sources that cannot give an indicator (run log: not available) publish no cell for it, and a
    source without sex publishes SEX_T only.

    python3 tests/crosscheck.py ROUND_DIR [--truth FILE]

--truth FILE writes the true values of the count cells (records, persons, whether each is primary
and withheld) as Parquet, for the attacker's audit (tests/recover.py); the file is the test's, never
published.
"""
import glob
import json
import os
import sys
import tomllib

import duckdb
import pandas as pd

SCALE = 1_000_000  # ilms sums weights in millionths of a person
# "Not stated" code of each classification (a cell with one is judged by its stated attributes).
NOT_STATED = {"SEX_X", "DOM_WORK_X", "OCU_ISCO08_X", "OCU_ISCO88_X", "OCU_SKILL_X", "ECO_ISIC4_X", "ECO_ISIC3_X", "ECO_AGGREGATE_X", "ECO_SECTOR_X",
              "STE_ICSE93_6", "STE_AGGREGATE_X", "EDU_ISCED11_9", "EDU_AGGREGATE_X", "CBR_BIR_X", "CCT_CIT_X", "MIG_STATUS_X"}

UNIVERSES = {
    "EMP": "working_age and lf_status = 'EMP'",
    "UNE": "working_age and lf_status = 'UNE'",
    "EAP": "working_age and lf_status in ('EMP', 'UNE')",
    "EIP": "working_age and lf_status = 'OLF'",
    "WAP": "working_age",
}


def case(column, groups, prefix, null):
    whens = " ".join(f"when {column} in ({', '.join(repr(m) for m in ms)}) then '{prefix}{g}'" for g, ms in groups.items())
    return f"(case {whens} else '{null}' end)"


SECTIONS = [chr(c) for c in range(ord("A"), ord("U") + 1)]
# ISIC Rev.3.1 tabulation categories by division (UN structure), from a source's own code.
ISIC3_DIVISIONS = {"A": (1, 2), "B": (5, 5), "C": (10, 14), "D": (15, 37), "E": (40, 41), "F": (45, 45), "G": (50, 52),
                   "H": (55, 55), "I": (60, 64), "J": (65, 67), "K": (70, 74), "L": (75, 75), "M": (80, 80), "N": (85, 85),
                   "O": (90, 93), "P": (95, 97), "Q": (99, 99)}
ISIC3_SECTION = "(case " + " ".join(
    f"when try_cast(left(industry, 2) as integer) between {lo} and {hi} then '{s}'" for s, (lo, hi) in ISIC3_DIVISIONS.items()
) + " end)"


def own_version(isic4, isic3):
    """A grouping computed from the source's own version: ISIC Rev.3.1 sources from their sections."""
    return f"(case when industry_version = 'ISIC3' then {isic3} else {isic4} end)"


D = {
    "SEX": "coalesce('SEX_' || sex, 'SEX_X')",
    "OCU": "coalesce('OCU_ISCO08_' || left(occupation_isco08, 1), 'OCU_ISCO08_X')",
    # Skill levels from the source's own codes (ISCO-08 or ISCO-88: the same grouping of major groups).
    "SKILL": case("left(occupation, 1)", {"L3-4": "123", "L2": "45678", "L1": "9"}, "OCU_SKILL_", "OCU_SKILL_X"),
    "OCU88": "coalesce('OCU_ISCO88_' || left(occupation, 1), 'OCU_ISCO88_X')",
    "ISIC": "coalesce('ECO_ISIC4_' || industry_section, 'ECO_ISIC4_X')",
    "ISIC3": f"coalesce('ECO_ISIC3_' || {ISIC3_SECTION}, 'ECO_ISIC3_X')",
    "ECO_AGG": own_version(
        case("industry_section", {"AGR": "A", "MAN": "C", "CON": "F", "MEL": "BDE", "MKT": "GHIJKLMN", "PUB": "OPQRSTU"},
             "ECO_AGGREGATE_", "ECO_AGGREGATE_X"),
        case(ISIC3_SECTION, {"AGR": "AB", "MAN": "D", "CON": "F", "MEL": "CE", "MKT": "GHIJK", "PUB": "LMNOPQ"},
             "ECO_AGGREGATE_", "ECO_AGGREGATE_X")),
    "ECO_SEC": own_version(
        case("industry_section", {"AGR": "A", "IND": "BCDEF", "SER": "GHIJKLMNOPQRSTU"}, "ECO_SECTOR_", "ECO_SECTOR_X"),
        case(ISIC3_SECTION, {"AGR": "AB", "IND": "CDEF", "SER": "GHIJKLMNOPQ"}, "ECO_SECTOR_", "ECO_SECTOR_X")),
    "STE": "coalesce('STE_ICSE93_' || status_in_employment, 'STE_ICSE93_6')",
    "STE_AGG": case("status_in_employment", {"EES": "1", "SLF": "2345"}, "STE_AGGREGATE_", "STE_AGGREGATE_X"),
    "AGE10": "'AGE_10YRBANDS_' || age_10yr",
    "AGE_AGG": "'AGE_AGGREGATE_' || age_aggregate",
    "AGE_YA": "'AGE_YTHADULT_' || age_youth_adult",
    "EDU": "coalesce('EDU_ISCED11_' || education, 'EDU_ISCED11_9')",
    "EDU_AGG": "coalesce('EDU_AGGREGATE_' || education_aggregate, 'EDU_AGGREGATE_X')",
    "CBR": "coalesce('CBR_BIR_' || birth_status, 'CBR_BIR_X')",
    "CCT": "coalesce('CCT_CIT_' || citizenship_status, 'CCT_CIT_X')",
    "CBR_C": "case when country_of_birth = 'XXX' then 'CBR_BRT_X' else 'CBR_BRT_' || country_of_birth end",
    "CCT_C": "case when citizenship in ('XXA', 'XXX') then 'CCT_CTZ_X' else 'CCT_CTZ_' || citizenship end",
    # Domestic workers (ILO statistical definition), from the source's own codes: households as
    # employers (ISIC Rev.4 division 97, Rev.3.1 division 95; section T / P where a source codes
    # sections only) or a domestic-work unit group of its own ISCO version; other workers where
    # the industry is stated or the occupation coded to 4 digits; else not classifiable.
    "DOM": """(case when (industry_version = 'ISIC4' and (industry like '97%' or industry = 'T'))
                      or (industry_version = 'ISIC3' and (industry like '95%' or industry = 'P'))
                      or (occupation_version = 'ISCO08' and occupation in ('5152', '5162', '5322', '9111'))
                      or (occupation_version = 'ISCO88' and occupation in ('5133', '5142', '9131'))
                    then 'DOM_WORK_DOM'
                    when industry is not null or length(occupation) >= 4 then 'DOM_WORK_NDOM'
                    else 'DOM_WORK_X' end)""",
    # Migrants as each country defines them, and a migrant's country of origin under that
    # definition: set from ilms.toml's [migrants] by main().
    "MIG": None,
    "MIG_C": None,
    "DES": "'CDS_DES_' || destination",
    "ORI": "'COU_ORI_' || origin",
    "PRV": "'CPR_PRV_' || origin",
}
# The total code of each dimension's classification.
TOTAL = {"SEX": "SEX_T", "AGE_YA": "AGE_YTHADULT_YGE15"}
# The records a version applies to: the older versions only to sources coded in them; ISCO-08 /
# ISIC Rev.4 to the others and to older-version sources whose codes all convert (run log).
APPLIES = {"OCU88": "occupation_version = 'ISCO88'", "ISIC3": "industry_version = 'ISIC3'"}
CONVERTED = {"OCU": "OCU_ISCO08", "ISIC": "ECO_ISIC4"}
CLASS = {"OCU": "OCU_ISCO08", "OCU88": "OCU_ISCO88", "ISIC3": "ECO_ISIC3", "SKILL": "OCU_SKILL", "ISIC": "ECO_ISIC4", "ECO_AGG": "ECO_AGGREGATE", "ECO_SEC": "ECO_SECTOR",
         "STE": "STE_ICSE93", "STE_AGG": "STE_AGGREGATE", "AGE10": "AGE_10YRBANDS", "AGE_AGG": "AGE_AGGREGATE",
         "EDU": "EDU_ISCED11", "EDU_AGG": "EDU_AGGREGATE", "CBR": "CBR_BIR", "CCT": "CCT_CIT", "CBR_C": "CBR_BRT",
         "CCT_C": "CCT_CTZ", "MIG": "MIG_STATUS", "MIG_C": "COU_ORI", "DOM": "DOM_WORK", "DES": "CDS_DES", "ORI": "COU_ORI", "PRV": "CPR_PRV"}
for d, c in CLASS.items():
    TOTAL.setdefault(d, f"{c}_TOTAL")

OCUS, ECOS, STES, AGES, EDUS = ["OCU", "SKILL", "OCU88"], ["ISIC", "ECO_AGG", "ECO_SEC", "ISIC3"], ["STE", "STE_AGG"], ["AGE10", "AGE_AGG", "AGE_YA"], ["EDU", "EDU_AGG"]

# Departures for employment. `purpose` holds the record's stated purpose; a source stating one
# purpose for all its records (`source.purpose` in its spec) is matched by source id, filled in
# by main() from the specs.
EMPLOYMENT = "flow = 'OUTFLOW' and (purpose = 'EMPLOYMENT' or source_id in ({STATED_EMPLOYMENT}))"

# Count indicators: (stock or flow, universe SQL, versions per classif slot).
COUNTS = {}
for s, dim in [("CBR", "CBR"), ("CCT", "CCT")]:
    COUNTS[f"MST_TEMP_SEX_OCU_{s}_NB"] = ("stock", UNIVERSES["EMP"], [OCUS, [dim]])
    COUNTS[f"MST_TEMP_SEX_ECO_{s}_NB"] = ("stock", UNIVERSES["EMP"], [ECOS, [dim]])
    COUNTS[f"MST_TEMP_SEX_STE_{s}_NB"] = ("stock", UNIVERSES["EMP"], [STES, [dim]])
    for k, u in [("TEMP", "EMP"), ("TUNE", "UNE"), ("TEAP", "EAP"), ("TEIP", "EIP"), ("XWAP", "WAP")]:
        COUNTS[f"MST_{k}_SEX_AGE_{s}_NB"] = ("stock", UNIVERSES[u], [AGES, [dim]])
    COUNTS[f"MST_XWAP_SEX_EDU_{s}_NB"] = ("stock", UNIVERSES["WAP"], [EDUS, [dim]])
COUNTS.update({
    "MST_FORE_SEX_CBR_NB": ("stock", UNIVERSES["EMP"] + " and birth_status = 'FOREIGN'", [["CBR_C"]]),
    "MST_FORP_SEX_CBR_NB": ("stock", "working_age and birth_status = 'FOREIGN'", [["CBR_C"]]),
    "MST_NCTE_SEX_CCT_NB": ("stock", UNIVERSES["EMP"] + " and citizenship_status = 'NONCIT'", [["CCT_C"]]),
    "MST_NCTP_SEX_CCT_NB": ("stock", "working_age and citizenship_status = 'NONCIT'", [["CCT_C"]]),
    "MST_NCTT_SEX_CCT_NB": ("stock", "citizenship_status = 'NONCIT'", [["CCT_C"]]),
    # Departures for employment: those a source of every purpose gives as such, and every record of
    # a source that states that each departure is for employment (for_employment, from the spec).
    "MNA_OEMP_SEX_CDS_NB": ("flow", EMPLOYMENT, [["DES"]]),
    # Every departure, from the sources that give each departure's purpose (PURPOSE_GIVEN below).
    "MNA_OPOP_SEX_CDS_NB": ("flow", "flow = 'OUTFLOW'", [["DES"]]),
    "MST_TEMP_SEX_DOM_CBR_NB": ("stock", UNIVERSES["EMP"], [["DOM"], ["CBR"]]),
    "MST_TEMP_SEX_DOM_CCT_NB": ("stock", UNIVERSES["EMP"], [["DOM"], ["CCT"]]),
    "MNA_OEMP_SEX_DOM_NB": ("flow", EMPLOYMENT, [["DOM"]]),
    "MNA_OEMP_SEX_ECO_NB": ("flow", EMPLOYMENT, [ECOS]),
    "MNA_OEMP_SEX_EDU_NB": ("flow", EMPLOYMENT, [EDUS]),
    "MNA_OEMP_SEX_OCU_NB": ("flow", EMPLOYMENT, [OCUS]),
    "MNA_XRET_SEX_CPR_NB": ("flow", "flow = 'RETURN'", [["PRV"]]),
    "MFL_TPOP_SEX_COU_NB": ("flow", "flow = 'INFLOW'", [["ORI"]]),
    "MFL_NCIT_SEX_CCT_NB": ("flow", "flow = 'INFLOW' and working_age and citizenship_status = 'NONCIT'", [["CCT_C"]]),
    # Total and migrants ({MIG}: the record's code under its country's definition).
    "MST_TPOP_SEX_MIG_NB": ("stock", "true", [["MIG"]]),
    "MST_XWAP_SEX_MIG_NB": ("stock", UNIVERSES["WAP"], [["MIG"]]),
    "MST_XWAP_SEX_EDU_MIG_NB": ("stock", UNIVERSES["WAP"], [EDUS, ["MIG"]]),
    "MST_TEAP_SEX_AGE_MIG_NB": ("stock", UNIVERSES["EAP"], [["AGE_YA"], ["MIG"]]),
    "MST_TEMP_SEX_AGE_MIG_NB": ("stock", UNIVERSES["EMP"], [["AGE_YA"], ["MIG"]]),
    "MST_TEMP_SEX_STE_MIG_NB": ("stock", UNIVERSES["EMP"], [["STE"], ["MIG"]]),
    "MFL_XWAP_SEX_EDU_NB": ("flow", "flow = 'INFLOW' and working_age and {MIG} = 'MIG_STATUS_MIGRANT'", [EDUS]),
    # Published without sex (ILOSTAT's ids without _SEX_: SEXLESS below).
    "MST_TEMP_ECO_MIG_NB": ("stock", UNIVERSES["EMP"], [ECOS, ["MIG"]]),
    "MST_TEMP_OCU_MIG_NB": ("stock", UNIVERSES["EMP"], [OCUS, ["MIG"]]),
    "MST_MEMP_COU_NB": ("stock", UNIVERSES["EMP"] + " and {MIG} = 'MIG_STATUS_MIGRANT'", [["MIG_C"]]),
    "MST_TPOP_COU_NB": ("stock", "{MIG} = 'MIG_STATUS_MIGRANT'", [["MIG_C"]]),
    "MFL_TEMP_ECO_NB": ("flow", "flow = 'INFLOW' and {MIG} = 'MIG_STATUS_MIGRANT'", [ECOS]),
    "MFL_TEMP_OCU_NB": ("flow", "flow = 'INFLOW' and {MIG} = 'MIG_STATUS_MIGRANT'", [OCUS]),
})
SEXLESS = {"MST_TEMP_ECO_MIG_NB", "MST_TEMP_OCU_MIG_NB", "MST_MEMP_COU_NB", "MST_TPOP_COU_NB", "MFL_TEMP_ECO_NB",
           "MFL_TEMP_OCU_NB"}
# A migrant definition's status column, its migrant and non-migrant values, the part of the
# population a source covering only migrants covers (`source.covers`), ILOSTAT's note, and the
# column of a migrant's country of origin.
DEFINITIONS = {"non_citizen": ("citizenship_status", "NONCIT", "CITIZEN", "non-citizens", "T36:3215", "citizenship"),
               "foreign_born": ("birth_status", "FOREIGN", "NATIVE", "foreign-born", "T36:3214", "country_of_birth")}


def spans(migrants):
    """[migrants] as (country, first year, year after the last, definition): a country's one
    definition, or one per span from each year declared to the next."""
    out = []
    for country, declared in migrants.items():
        years = sorted((int(y), d) for y, d in declared.items()) if isinstance(declared, dict) else [(0, declared)]
        for (first, definition), (after, _) in zip(years, years[1:] + [(9999, None)]):
            out.append((country, first, after, definition))
    return out


def definition_of(migrants, country, time):
    """The definition declared for a country in the year a period starts in (None: none)."""
    year = int(str(time)[:4])
    found = [d for c, first, after, d in spans(migrants) if c == country and first <= year < after]
    return found[0] if found else None


def span_sql(country, first, after):
    return f"ref_area = '{country}' and cast(substr(time, 1, 4) as integer) between {first} and {after - 1}"


def migrant_code(migrants):
    """SQL giving a record's MIG_STATUS code under its country's definition (null: none declared)."""
    whens = " ".join(
        f"when {span_sql(country, first, after)} then (case {column} when '{mig}' then 'MIG_STATUS_MIGRANT' "
        f"when '{non}' then 'MIG_STATUS_NONMIG' else 'MIG_STATUS_X' end)"
        for country, first, after, definition in spans(migrants)
        for column, mig, non, *_ in [DEFINITIONS[definition]])
    return f"(case {whens} end)" if whens else "cast(null as varchar)"


def origin_code(migrants, root):
    """SQL giving a migrant's COU_ORI code under its country's definition: the country of birth or
    of citizenship; stateless persons, a foreign country not stated and a country ILOSTAT's COU_ORI
    list lacks are other countries (X)."""
    with open(f"{root}/schemas/classifications/ilostat_codelists.csv") as f:
        listed = [line.split(",")[1] for line in f if line.startswith("COU_ORI,")]
    known = ", ".join(f"'{code}'" for code in listed)
    whens = " ".join(
        f"when {span_sql(country, first, after)} and {column} = '{mig}' then (case when 'COU_ORI_' || {origin} in ({known}) "
        f"and {origin} not in ('XXA', 'XXX') then 'COU_ORI_' || {origin} else 'COU_ORI_X' end)"
        for country, first, after, definition in spans(migrants)
        for column, mig, _, _, _, origin in [DEFINITIONS[definition]])
    return f"(case {whens} end)" if whens else "cast(null as varchar)"


def check_migrant_notes(cells, migrants):
    """Every cell of a total-and-migrants table carries the note of its country's definition."""
    mig = cells[cells.indicator.isin([i for i, (_, u, slots) in COUNTS.items()
                                      if "{MIG}" in u or any(d in ("MIG", "MIG_C") for s in slots for d in s)])]
    def note(row):
        definition = definition_of(migrants, row.ref_area, row.time)
        return DEFINITIONS[definition][4] if definition else None
    want = mig.apply(note, axis=1) if not mig.empty else mig.ref_area
    off = mig[mig.note_indicator != want]
    if (migrants and mig.empty) or not off.empty:
        fail(f"total-and-migrants cells without their definition's note:\n{off.head()}")
# Ratios: numerator / denominator, same breakdowns. Shares: of, the dimension it is over (None: the
# last of the indicator's own), the one category kept (dropping that dimension), own slots.
RATIOS, SHARES = {}, {}
for s, dim, code in [("CBR", "CBR", "CBR_BIR_FOREIGN"), ("CCT", "CCT", "CCT_CIT_NONCIT")]:
    RATIOS[f"MST_TEAP_SEX_AGE_{s}_RT"] = (f"MST_TEAP_SEX_AGE_{s}_NB", f"MST_XWAP_SEX_AGE_{s}_NB")
    RATIOS[f"MST_TEMP_SEX_AGE_{s}_RT"] = (f"MST_TEMP_SEX_AGE_{s}_NB", f"MST_XWAP_SEX_AGE_{s}_NB")
    RATIOS[f"MST_TUNE_SEX_AGE_{s}_RT"] = (f"MST_TUNE_SEX_AGE_{s}_NB", f"MST_TEAP_SEX_AGE_{s}_NB")
    for b in ["ECO", "OCU", "STE"]:
        SHARES[f"MST_TEMP_SEX_{s}_{b}_DT"] = (f"MST_TEMP_SEX_{b}_{s}_NB", "swap", None)
SHARES["MST_WFOR_SEX_AGE_RT"] = ("MST_XWAP_SEX_AGE_CBR_NB", "classif2", "CBR_BIR_FOREIGN")
SHARES["MST_WFOR_SEX_EDU_RT"] = ("MST_XWAP_SEX_EDU_CBR_NB", "classif2", "CBR_BIR_FOREIGN")
SHARES["MST_WNCT_SEX_AGE_RT"] = ("MST_XWAP_SEX_AGE_CCT_NB", "classif2", "CCT_CIT_NONCIT")
SHARES["MST_WNCT_SEX_EDU_RT"] = ("MST_XWAP_SEX_EDU_CCT_NB", "classif2", "CCT_CIT_NONCIT")
KEYS = ["ref_area", "time", "source", "sex", "classif1", "classif2"]


def fail(msg):
    print(f"crosscheck FAILED: {msg}", file=sys.stderr)
    sys.exit(1)


def classification(code):
    if code is None or code != code:
        return None
    return "SEX" if code.startswith("SEX_") else "_".join(code.split("_")[:2])


MIRRORED = {"MNA_TPOP_SEX_CRS_NB"}
BREAK_NOTES = {"OCU": "I11:267", "ECO": "I11:271", "EDU": "I11:2114", "STE": "I11:266"}


def check_breaks(cells):
    """Breaks in series, recomputed from the cells: a period of a country's indicator whose source
    types share none with its previous period's of the same frequency (among the cells with a
    figure) carries I11:266 on every such cell; one whose occupation, industry, education or
    status classification shares no edition (ISCO-88, ISCO-08: a name ending in a number, not the
    groupings beside them) with the previous period's, that family's I11 note; one whose
    definitions differ (the note_indicator values, the sources' statements of their population and
    coverage in note_source) I11:269. "B" only on such cells, never beside another flag (a
    perturbed cell keeps none)."""
    shown = cells[cells.obs_value.notna()].copy()
    shown["stype"] = shown.source.str.split(":").str[0]
    shown["frequency"] = shown.time.str.extract(r"([A-Z])", expand=False).fillna("A")
    # Mirror data (nationals abroad) is a series per country of residence: another country's sources.
    shown["residence"] = shown.classif1.where(shown.indicator.isin(MIRRORED), "")
    def editions(frame):
        found = {}
        for code in pd.concat([frame.classif1, frame.classif2]).dropna():
            parts = code.split("_")
            if len(parts) >= 3 and parts[0] in BREAK_NOTES and parts[1][-1].isdigit():
                found.setdefault(parts[0], set()).add(parts[1])
        return found
    def definitions(frame):
        """Per source of the period, the set of what defines its figures."""
        by_source = {}
        for row in frame.itertuples():
            found = by_source.setdefault(row.source, set())
            if isinstance(row.note_indicator, str):
                found.add(row.note_indicator)
            if isinstance(row.note_source, str):
                found |= {n for n in row.note_source.split("; ")
                          if n == "ilms:source.population_stated" or n.startswith("ilms:source.covers_")}
        return {frozenset(d) for d in by_source.values()}
    expected = {}
    for (area, indicator, _, residence), series in shown.groupby(["ref_area", "indicator", "frequency", "residence"]):
        periods = sorted(series.time.unique())
        for before, period in zip(periods, periods[1:]):
            a, b = series[series.time == before], series[series.time == period]
            notes = set()
            if not set(a.stype) & set(b.stype):
                notes.add("I11:266")
            if not definitions(a) & definitions(b):
                notes.add("I11:269")
            va, vb = editions(a), editions(b)
            for family in vb:
                if family in va and not va[family] & vb[family]:
                    notes.add(BREAK_NOTES[family])
            if notes:
                expected[(area, indicator, residence, period)] = notes
    flagged = 0
    for row in cells.itertuples():
        text = row.note_source if isinstance(row.note_source, str) else ""
        notes = {n for n in text.split("; ") if n.startswith("I11:")}
        residence = row.classif1 if row.indicator in MIRRORED else ""
        want = expected.get((row.ref_area, row.indicator, residence, row.time), set()) if row.obs_value == row.obs_value else set()
        if notes != want:
            fail(f"{row.ref_area} {row.indicator} {row.time} {row.source}: break notes {notes}, expected {want}")
        if row.obs_status == "B" and not want:
            fail(f"{row.ref_area} {row.indicator} {row.time}: flagged B with no break")
        perturbed = "ilms:cell_key" in text.split("; ")  # a perturbed cell keeps its own (no) flag
        if want and row.obs_status not in ("B", "U") and not perturbed:
            fail(f"{row.ref_area} {row.indicator} {row.time}: a break not flagged (obs_status {row.obs_status})")
        flagged += bool(want)
    print(f"crosscheck: {flagged} cells after a break in series, as recomputed from the cells")


def published_cells(root):
    """The published indicator cells: a Hive-partitioned dataset (ref_area=/time=), read by DuckDB
    and by pandas (pyarrow), which must both recognise the partitions and agree."""
    path = f"{root}/processed/indicators"
    cells = duckdb.execute(f"select * from read_parquet('{path}/**/*.parquet', hive_partitioning = true, "
                           f"hive_types = {{'time': VARCHAR}})").df()
    via_pandas = pd.read_parquet(path)
    for frame in (cells, via_pandas):
        if not {"ref_area", "time"} <= set(frame.columns):
            fail("the partition columns ref_area and time are not recognised")
    via_pandas = via_pandas.astype({"ref_area": str, "time": str})
    order = ["ref_area", "time", "indicator", "source", "sex", "classif1", "classif2"]
    a = cells.sort_values(order).reset_index(drop=True)
    b = via_pandas[list(cells.columns)].sort_values(order).reset_index(drop=True)
    if len(a) != len(b) or not a[order + ["obs_value"]].equals(b[order + ["obs_value"]]):
        fail("pandas and DuckDB read the indicator dataset differently")
    return cells


def records_sql(root):
    """The harmonized records of every source: published ones, and those of protected sources,
    which ilms keeps out of the release (.ilms/private/harmonized/)."""
    files = sorted(glob.glob(f"{root}/processed/harmonized/*.parquet") +
                   glob.glob(f"{root}/.ilms/private/harmonized/*.parquet"))
    if not files:
        fail("no harmonized records (run without --no-records)")
    return f"read_parquet({files!r}, union_by_name = true)"


def check_record_files(root):
    """The harmonized records open as text in pyarrow and pandas (ilms writes its coded columns
    from `Enum`s, declared as text), and every column chunk's statistics bound its values, so a
    reader that skips row groups by them (DuckDB, pyarrow filters) loses no record."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq
    files = sorted(glob.glob(f"{root}/processed/harmonized/*.parquet"))
    chunks = 0
    for path in files:
        parquet = pq.ParquetFile(path)
        for field in parquet.schema_arrow:
            if str(field.type).startswith("dictionary"):
                fail(f"{path}: {field.name} reads as {field.type}, not as text")
        for g in range(parquet.metadata.num_row_groups):
            table = parquet.read_row_group(g)
            for i, name in enumerate(table.column_names):
                stats = parquet.metadata.row_group(g).column(i).statistics
                values = table.column(name)
                if stats is None or not stats.has_min_max or values.null_count == len(values):
                    continue
                low, high = pc.min_max(values).values()
                if low.as_py() < stats.min or high.as_py() > stats.max:
                    fail(f"{path}: row group {g}, {name}: values {low}..{high} outside the "
                         f"statistics {stats.min}..{stats.max}")
                chunks += 1
        dtypes = set(pd.read_parquet(path).dtypes.astype(str))
        if "category" in dtypes:
            fail(f"{path}: pandas reads a column as category, not as text")
    print(f"crosscheck: {len(files)} harmonized record files read as text; the statistics of "
          f"{chunks} column chunks bound their values")


def source_policies(root, log):
    """Each source's disclosure policy (by ILOSTAT source code), as the run log names it."""
    with open(f"{root}/schemas/disclosure.toml", "rb") as f:
        policies = tomllib.load(f)["policies"]
    codes = {c.split(":")[1]: c for c in duckdb.execute(
        f"select distinct source from read_parquet('{root}/processed/indicators/**/*.parquet')").fetchall() for c in c}
    return {codes[s["id"]]: policies[s["disclosure"]["policy"]] for s in log["sources"] if s["id"] in codes}


def stated(codes):
    """The cell with its not-stated codes at their totals."""
    def total(c):
        return "SEX_T" if c == "SEX_X" else f"{classification(c)}_TOTAL"
    return tuple(total(c) if c in NOT_STATED else c for c in codes)


PERTURBED = {"cells": 0, "changed": 0}


def check_perturbed(indicator, rows, policies, seen):
    """Cell-key sources: every cell published within the table's largest perturbation of its true
    value, a whole number, never below 0, empty cells empty, no sample count, the note on each
    perturbed cell, and the same quantity (population, codes) the same value in every table."""
    for r in rows.itertuples():
        ptable = policies[r.source]["ptable"]
        largest = max(abs(p) for row in ptable for p in row["perturbation"])
        true = r.w / SCALE
        if r.obs_status is not None and r.obs_status == r.obs_status:
            fail(f"{indicator}: a perturbed cell is flagged {r.obs_status}")
        if r.persons != round(r.persons) or r.persons < 0 or abs(r.persons - true) > largest \
                or (true == 0 and r.persons != 0):
            fail(f"{indicator}: {r.source} {r.sex} {r.classif1} {r.classif2}: {r.persons} published, {true} true: "
                 f"not within {largest} persons, or an empty cell not empty")
        if not pd.isna(r.sample_count):
            fail(f"{indicator}: a cell of a perturbed source shows its sample count")
        if "ilms:cell_key" not in str(r.note_source):
            fail(f"{indicator}: a perturbed cell lacks the note ilms:cell_key")
        codes = frozenset(c for c in (r.sex, r.classif1, r.classif2)
                          if c == c and c is not None and not (c == "SEX_T" or c.endswith("_TOTAL") or c == "AGE_YTHADULT_YGE15"))
        PERTURBED["cells"] += 1
        PERTURBED["changed"] += int(r.persons != true)
        quantity = (r.source, COUNTS[indicator][1], codes)
        if seen.setdefault(quantity, r.persons) != r.persons:
            fail(f"{indicator}: {sorted(codes)} of {r.source} is {r.persons} here, {seen[quantity]} in another table")


def check_flags(indicator, merged, policies):
    """Withheld and unreliable flags against each source's policy; returns the primary cells."""
    sizes = {tuple(None if v != v else v for v in k): s for k, s in
             zip(merged[KEYS].itertuples(index=False, name=None), merged["size"])}
    primary = pd.Series(False, index=merged.index)
    unreliable = pd.Series(False, index=merged.index)
    for i, row in merged.iterrows():
        policy = policies[row.source]
        size = row["size"]
        judged = size
        if policy.get("not_stated", "stated_attributes") == "stated_attributes":
            key = tuple(None if v != v else v for v in row[KEYS])
            judged = sizes.get(key[:3] + stated(key[3:]), size)
        primary[i] = size > 0 and judged < policy.get("withheld_below", 0)
        unreliable[i] = size > 0 and size < policy.get("unreliable_below", 0)
    withheld = merged.obs_status == "S"
    if (primary & ~withheld).any():
        fail(f"{indicator}: cells of 1 to withheld_below - 1 records published:\n{merged[primary & ~withheld][KEYS + ['size']].head()}")
    for source, rows in merged.groupby("source"):
        policy = policies[source]
        p, w = primary[rows.index], withheld[rows.index]
        if policy.get("reveal_reason", False):
            if (p != (rows.suppressed == "primary")).any():
                fail(f"{indicator}, {source}: 'primary' differs from the policy's small cells:\n"
                     f"{rows[p != (rows.suppressed == 'primary')][KEYS + ['size', 'suppressed']].head()}")
        elif (rows[w].suppressed != "confidential").any():
            fail(f"{indicator}, {source}: a withheld cell tells its reason under a policy that hides it")
        if policy["secondary"] == "off" and (w & ~p).any():
            fail(f"{indicator}, {source}: cells withheld beyond the small ones, without secondary suppression")
    if (withheld != merged.suppressed.notna()).any() or merged[withheld].obs_value.notna().any() \
            or merged[withheld].sample_count.notna().any():
        fail(f"{indicator}: a withheld cell shows a value or sample count, or lacks its reason")
    if (merged[~withheld].obs_status == "U").ne(unreliable[~withheld]).any():
        fail(f"{indicator}: 'U' flags differ from the policy's unreliable_below")
    return primary


# The codes a source covering part of the population cannot give (`source.covers`): published "O".
NOT_COVERED = {"non-citizens": {"CCT_CIT_TOTAL", "CCT_CIT_CITIZEN"}, "foreign-born": {"CBR_BIR_TOTAL", "CBR_BIR_NATIVE"}}
# The codes of a variable a source gives at its total only (`source.total_only`), by prefix.
PREFIX_OF = {"age": "AGE_", "destination": "CDS_", "origin": "COU_", "occupation": "OCU_", "industry": "ECO_",
             "education": "EDU_", "status_in_employment": "STE_"}


def source_statements(root):
    """Per source ("type:id"), what its spec states: the codes it does not cover, and the prefixes
    of the variables it gives at their total only (read from the specs, not from ilms's outputs)."""
    with open(f"{root}/ilms.toml", "rb") as f:
        manifest = tomllib.load(f)
    not_covered, total_only, unpivots = {}, {}, {}
    for path in manifest["round"]["sources"]:
        with open(f"{root}/{path}", "rb") as f:
            spec = tomllib.load(f)
        source = spec["source"]
        key = f"{source['source_type']}:{source['id']}"
        not_covered[key] = set(NOT_COVERED.get(source.get("covers"), set()))
        definition = DEFINITIONS.get(definition_of(manifest.get("migrants", {}), source["ref_area"], source["time"]))
        if definition and source.get("covers") == definition[3]:
            not_covered[key] |= {"MIG_STATUS_TOTAL", "MIG_STATUS_NONMIG"}
        total_only[key] = [PREFIX_OF[v] for v in source.get("total_only", [])]
        if "unpivot" in spec["file"]:
            unpivots[source["id"]] = spec["file"]["unpivot"]
    return not_covered, total_only, unpivots


def purpose_statements(root):
    """Source ids whose spec states every departure is for employment (`source.purpose`), and
    those that give each departure's purpose (`[variables.purpose]`): only these give the outflow
    for every purpose."""
    with open(f"{root}/ilms.toml", "rb") as f:
        manifest = tomllib.load(f)
    stated, given = set(), set()
    for path in manifest["round"]["sources"]:
        with open(f"{root}/{path}", "rb") as f:
            spec = tomllib.load(f)
        if spec["source"].get("purpose") == "employment":
            stated.add(spec["source"]["id"])
        if "purpose" in spec.get("variables", {}):
            given.add(spec["source"]["id"])
    return stated, given


def records_of_wide_rows(rows, unpivot):
    """The records a wide table's rows give: one per unpivoted column, and one more per row whose
    stated total differs from its parts where the total is authoritative (the difference)."""
    records = len(rows) * len(unpivot["columns"])
    if unpivot.get("authoritative") == "total":
        number = lambda c: pd.to_numeric(rows[c].str.replace(",", ""), errors="coerce")
        parts = sum(number(c) for c in unpivot["columns"])
        records += int((number(unpivot["total"]) != parts).sum())
    return records


def not_covered_rows(frame, not_covered):
    """Rows whose classif1 or classif2 is a code their source does not cover."""
    codes = frame.source.map(lambda s: not_covered.get(s, set()))
    return pd.Series([c1 in cs or c2 in cs for c1, c2, cs in zip(frame.classif1, frame.classif2, codes)],
                     index=frame.index, dtype=bool)


def broken_down_total_only(frame, total_only):
    """Rows breaking down a variable their source gives at its total only (never published)."""
    prefixes = frame.source.map(lambda s: total_only.get(s, []))
    return pd.Series([any(isinstance(c, str) and c.startswith(p) and not c.endswith("_TOTAL") and c != "AGE_YTHADULT_YGE15"
                          for p in ps for c in (c1, c2))
                      for c1, c2, ps in zip(frame.classif1, frame.classif2, prefixes)], index=frame.index, dtype=bool)


def without_unclassifiable(indicator, merged):
    """A breakdown none of a source's records can be placed in (every record not classifiable,
    e.g. domestic work from major groups only) is not available for it: its categories other than
    the total and the not-classifiable one are published O with no value, never 0. Checked here and
    left out of the comparison."""
    drop = pd.Series(False, index=merged.index)
    for field in ["classif1", "classif2"]:
        frame = pd.DataFrame({"source": merged.source, "code": merged[field].fillna(""), "w": merged.w})
        frame["cls"] = frame.code.map(lambda c: classification(c) if c else "")
        frame["unknown"] = frame.code.isin(NOT_STATED)
        frame["placed"] = (frame.code != "") & ~frame.code.str.endswith("_TOTAL") & ~frame.unknown
        for (source, cls), rows in frame[frame.cls != ""].groupby(["source", "cls"]):
            if (rows.w[rows.placed] > 0).any() or not (rows.w[rows.unknown] > 0).any():
                continue
            cells = merged.loc[rows.index[rows.placed]]
            shown = cells[cells.obs_value.notna() | (cells.obs_status != "O")]
            if not shown.empty:
                fail(f"{indicator}: {source} places no record in {cls} yet publishes figures:\n{shown.head()}")
            drop[cells.index] = True
    return merged[~drop]


def main(root, truth_file=None):
    con = duckdb.connect()
    not_covered, total_only, unpivots = source_statements(root)
    cells = published_cells(root)
    check_breaks(cells)
    with open(f"{root}/ilms.toml", "rb") as f:
        migrants = tomllib.load(f).get("migrants", {})
    D["MIG"] = migrant_code(migrants)
    D["MIG_C"] = origin_code(migrants, root)
    check_migrant_notes(cells, migrants)
    # A part of the population a source does not cover is not available (O, no value), never a
    # figure: those cells are checked here and left out of every comparison below.
    outside = not_covered_rows(cells, not_covered)
    shown_outside = cells[outside & (cells.obs_value.notna() | (cells.obs_status != "O"))]
    if not shown_outside.empty:
        fail(f"a source publishes a figure for a part it does not cover:\n{shown_outside.head()}")
    cells = cells[~outside]
    records = records_sql(root)
    columns = set(con.execute(f"select * from {records} limit 0").df().columns)
    persons = "coalesce(weight, count)" if "count" in columns else "weight"
    aggregate_sources = set() if "count" not in columns else {
        r[0] for r in con.execute(f"select distinct source_type || ':' || source_id from {records} where count is not null").fetchall()}
    sample_sources = {r[0] for r in con.execute(
        f"select source_type || ':' || source_id from {records} group by all having bool_or({persons} <> 1)").fetchall()} - aggregate_sources
    all_sources = {r[0] for r in con.execute(f"select distinct source_id from {records}").fetchall()}
    flow_sources = {r[0] for r in con.execute(f"select distinct source_id from {records} where flow is not null").fetchall()}
    log = json.load(open(f"{root}/processed/run_log.json"))
    # A source that lacks a variable an indicator needs publishes no cells for it ("not available").
    not_available = {(n["indicator"], n["source_id"]) for n in log["not_available"] if n["dimension"] is None}
    no_sex = {n["source_id"] for n in log["not_available"] if n["dimension"] == "SEX"}
    # Tables in a version an older-version source's codes do not all convert to (with the reason).
    unconverted = {(n["indicator"], n["source_id"], n["dimension"]) for n in log["not_available"]
                   if n["dimension"] in CONVERTED.values() and n.get("reason")}
    checked = 0
    expected_counts = {}
    policies = source_policies(root, log)
    perturbed_values = {}
    truth = [] if truth_file else None
    stated_employment, purpose_given = purpose_statements(root)
    for indicator, (population, universe, slots) in COUNTS.items():
        universe = universe.replace("{STATED_EMPLOYMENT}", ", ".join(f"'{x}'" for x in stated_employment) or "''")
        published = cells[cells.indicator == indicator]
        by_sex = indicator not in SEXLESS
        if published.sex.isna().any() if by_sex else published.sex.notna().any():
            fail(f"{indicator}: cells {'without' if by_sex else 'with'} a sex code")
        skipped = {sid for (ind, sid) in not_available if ind == indicator}
        # A source of movements gives no stock, a survey no movement.
        skipped |= flow_sources if population == "stock" else all_sources - flow_sources
        if indicator == "MNA_OPOP_SEX_CDS_NB":
            skipped |= all_sources - purpose_given
        leaked = published[published.source.str.split(":").str[1].isin(skipped)]
        if not leaked.empty:
            fail(f"{indicator}: cells published for sources that cannot give it:\n{leaked.head()}")
        frames = []
        versions = [[v] for v in slots[0]] if len(slots) == 1 else [[a, b] for a in slots[0] for b in slots[1]]
        for dims in versions:
            off = {sid for (ind, sid, version) in unconverted for d in dims if ind == indicator and CONVERTED.get(d) == version}
            select = ", ".join(f"{D[d]} as c{i + 1}" for i, d in enumerate(dims))
            cube = ", ".join(f"c{i + 1}" for i in range(len(dims)))
            coalesced = ", ".join(f"coalesce(c{i + 1}, '{TOTAL[d]}') as classif{i + 1}" for i, d in enumerate(dims))
            frame = con.execute(f"""
                with base as (
                    select ref_area, time, source_type || ':' || source_id as source, source_id,
                           {D['SEX'] if by_sex else 'cast(null as varchar)'} as sex, {select},
                           cast(round({persons} * {SCALE}) as bigint) as w
                    from {records}
                    where ({universe.replace("{MIG}", D["MIG"])}) and source_id not in ({", ".join(f"'{x}'" for x in skipped | off) or "''"})
                      and {" and ".join(APPLIES.get(d, "true") for d in dims)}
                )
                select ref_area, time, source, source_id, {"coalesce(sex, 'SEX_T')" if by_sex else "sex"} as sex,
                       {coalesced}, sum(w) as w, count(*) as n
                from base group by ref_area, time, source, source_id, {"" if by_sex else "sex, "}cube({"sex, " if by_sex else ""}{cube})
                -- a value the records do not give (a variable at its total only) is no category
                having {" and ".join(f"not (grouping(c{i + 1}) = 0 and c{i + 1} is null)" for i in range(len(dims)))}
            """).df()
            if len(dims) == 1:
                frame["classif2"] = None
            frames.append(frame)
        expected = pd.concat(frames)
        if by_sex:
            expected = expected[~expected.source_id.isin(no_sex) | (expected.sex == "SEX_T")]
        expected = expected.drop(columns="source_id")
        expected = expected[~broken_down_total_only(expected, total_only)]
        expected = expected[~not_covered_rows(expected, not_covered)]
        if published.empty and not expected.empty:
            fail(f"{indicator}: no cells published, DuckDB finds {len(expected)}")
        merged = published.merge(expected, on=KEYS, how="outer", indicator=True)
        missing = merged[merged._merge == "right_only"]
        if not missing.empty:
            fail(f"{indicator}: DuckDB finds cells ilms did not publish:\n{missing[KEYS + ['w']].head()}")
        merged["w"] = merged["w"].fillna(0).astype("int64")
        merged["n"] = merged["n"].fillna(0).astype("int64")
        merged = without_unclassifiable(indicator, merged)
        aggregate = merged.source.isin(aggregate_sources)
        merged["size"] = merged.n.where(~aggregate, (merged.w / SCALE).round())
        primary = check_flags(indicator, merged, policies)
        withheld = merged.obs_status == "S"
        perturbed = merged.source.map(lambda s: "perturbation" in policies[s])
        if perturbed.any():
            check_perturbed(indicator, merged[perturbed], policies, perturbed_values)
            # Rates and shares of these sources are computed from the published (perturbed) counts.
            merged.loc[perturbed, "w"] = (merged.loc[perturbed, "persons"] * SCALE).round().astype("int64")
        if truth is not None:
            truth.append(merged.assign(indicator=indicator, primary=primary, withheld=withheld)[
                ["indicator"] + KEYS + ["w", "size", "primary", "withheld"]])
        shown = merged[~withheld & ~perturbed]
        value_off = shown[shown.obs_value != shown.w / (SCALE * 10 ** shown.unit_mult)]
        if not value_off.empty:
            fail(f"{indicator}: obs_value differs from DuckDB:\n{value_off[['sex', 'classif1', 'classif2', 'obs_value', 'w']].head()}")
        persons_off = shown[shown.persons != shown.w / SCALE]
        if not persons_off.empty:
            fail(f"{indicator}: persons differs from DuckDB:\n{persons_off[['sex', 'classif1', 'classif2', 'persons', 'w']].head()}")
        if merged[withheld].persons.notna().any():
            fail(f"{indicator}: a withheld cell shows its persons")
        if shown[shown.source.isin(aggregate_sources)].sample_count.notna().any():
            fail(f"{indicator}: an aggregate source's cells carry sample counts")
        count_off = shown[~shown.source.isin(aggregate_sources) & (shown.sample_count != shown.n)]
        if not count_off.empty:
            fail(f"{indicator}: sample_count differs from DuckDB:\n{count_off.head()}")
        checked += len(merged)
        expected_counts[indicator] = merged
        exact = ~published.source.map(lambda s: "perturbation" in policies[s]).astype(bool)
        check_totals(indicator, published[exact])

    for indicator, (numerator, denominator) in RATIOS.items():
        part = expected_counts[numerator].set_index(KEYS)
        whole = expected_counts[denominator].set_index(KEYS)
        checked += check_derived(cells, indicator, part, whole.reindex(part.index))
    for indicator, (of, over, only) in SHARES.items():
        counts = expected_counts[of][KEYS + ["w", "obs_status"]]
        pos = "classif1" if over == "swap" else "classif2"
        part = counts[~counts[pos].str.endswith("_TOTAL")]
        if only:
            part = part[part[pos] == only]
        if indicator.endswith("_AGE_RT") and only:
            # ILMS publishes the shares by 10-year and aggregate bands, not by youth / adults.
            part = part[~part.classif1.str.startswith("AGE_YTHADULT")]
        whole = part[KEYS].assign(**{pos: part[pos].map(lambda c: f"{classification(c)}_TOTAL")}).merge(
            counts, on=KEYS, how="left")
        out = part[KEYS].copy()
        if over == "swap":
            # Distribution by occupation within sex x place of birth: the NB's classif1 and classif2 swap.
            out["classif1"], out["classif2"] = part["classif2"].values, part["classif1"].values
        else:
            out["classif2"] = None
        part = part.set_index(pd.MultiIndex.from_frame(out))
        whole = whole.set_index(part.index)
        checked += check_derived(cells, indicator, part, whole)

    checked += check_mirror(root, cells)
    check_record_files(root)

    # Nothing lost: every raw record is either harmonized or quarantined.
    for source, raw in zip(log["sources"], log["provenance"]["inputs"]):
        if not raw["path"].endswith(".csv"):
            continue  # other formats are compared with their CSV twin by tests/formats.rs
        try:
            rows = pd.read_csv(f"{root}/{raw['path']}", dtype=str, keep_default_na=False, sep=None,
                               engine="python", encoding="utf-8-sig")
        except UnicodeDecodeError:
            continue  # not UTF-8: same as above
        unpivot = unpivots.get(source["id"])
        raw_rows = records_of_wide_rows(rows, unpivot) if unpivot else len(rows)
        harmonized = con.execute(f"select count(*) from {records} where source_id = '{source['id']}'").fetchone()[0]
        quarantine = next(p for p in [f"{root}/processed/quarantine/{source['id']}.parquet",
                                      f"{root}/.ilms/private/quarantine/{source['id']}.parquet"] if os.path.exists(p))
        quarantined = con.execute(f"select count(*) from read_parquet('{quarantine}')").fetchone()[0]
        if raw_rows != harmonized + quarantined or raw_rows != source["read"]:
            fail(f"{source['id']}: {raw_rows} raw rows but {harmonized} harmonized + {quarantined} quarantined (log says read {source['read']})")

    if truth is not None:
        pd.concat(truth).to_parquet(truth_file)
    if perturbed_values and PERTURBED["changed"] == 0:
        fail(f"none of {PERTURBED['cells']} cells of cell-key sources is perturbed")
    if perturbed_values:
        print(f"crosscheck: {PERTURBED['changed']} of {PERTURBED['cells']} cells of cell-key sources perturbed")
        print(f"crosscheck: {len(perturbed_values)} quantities of cell-key sources within their largest perturbation "
              f"of DuckDB's value, each the same in every table")
    print(f"crosscheck ok: {checked} cells match DuckDB (values, sample counts, flags); "
          f"every published total equals the sum of its published parts")


def check_mirror(root, cells):
    """Nationals abroad (MNA_TPOP_SEX_CRS_NB) from mirror data: every cell of a destination's
    non-citizens by citizenship (MST_NCTT_SEX_CCT_NB, checked against DuckDB above) whose country
    of citizenship is a country of the round, other than the destination, is published under that
    country with the destination as the country of residence: same source, year, sex, value, flags
    and sample count, its notes and ilms:mirror; no other cell, and no total over destinations."""
    with open(f"{root}/ilms.toml", "rb") as f:
        paths = tomllib.load(f)["round"]["sources"]
    countries = set()
    for path in paths:
        with open(f"{root}/{path}", "rb") as f:
            countries.add(tomllib.load(f)["source"]["ref_area"])
    counts = cells[cells.indicator == "MST_NCTT_SEX_CCT_NB"]
    origin = counts.classif1.str.removeprefix("CCT_CTZ_")
    wanted = counts[origin.isin(countries) & (origin != counts.ref_area)].copy()
    wanted["destination"] = wanted.ref_area
    wanted["ref_area"] = wanted.classif1.str.removeprefix("CCT_CTZ_")
    wanted["classif1"] = "CRS_RES_" + wanted.destination
    mirrored = cells[cells.indicator == "MNA_TPOP_SEX_CRS_NB"]
    merged = mirrored.merge(wanted, on=KEYS, how="outer", suffixes=("", "_of"), indicator=True)
    if (merged._merge != "both").any():
        fail(f"mirror cells differ from the destinations' cells by citizenship:\n{merged[merged._merge != 'both'][KEYS].head()}")
    # A break in series ("B", I11 notes) is the series' own: the mirrored one has its own years.
    for column in ["obs_status", "obs_status_of"]:
        merged[column] = merged[column].where(merged[column] != "B", None)
    same = lambda a, b: (merged[a] == merged[b]) | (merged[a].isna() & merged[b].isna())
    for column in ["obs_value", "obs_status", "suppressed", "sample_count", "persons"]:
        if not same(column, f"{column}_of").all():
            fail(f"mirror cells' {column} differs from the destination's cell:\n{merged[~same(column, column + '_of')].head()}")
    def notes(text):
        return {n for n in (text if isinstance(text, str) else "").split("; ") if n and not n.startswith("I11:")}
    off = [r for r in merged.itertuples() if notes(r.note_source) != notes(r.note_source_of) | {"ilms:mirror"}]
    if off:
        fail(f"a mirror cell's notes are not its destination cell's and ilms:mirror: {off[0]}")
    print(f"crosscheck: {len(merged)} mirror cells (nationals abroad) equal their destinations' cells "
          f"by citizenship, from {merged.source.nunique()} sources, for {merged.ref_area.nunique()} countries")
    return len(merged)


def check_derived(cells, indicator, part, whole):
    """A rate or share: 100 x part / whole, withheld when either is; no cell where the whole is 0."""
    published = cells[cells.indicator == indicator].set_index(KEYS)
    defined = whole.w.fillna(0) > 0
    part, whole = part[defined], whole[defined]
    if set(published.index) != set(part.index):
        extra = set(published.index) - set(part.index)
        lacking = set(part.index) - set(published.index)
        fail(f"{indicator}: published cells differ from DuckDB's: {len(extra)} extra {list(extra)[:3]}, "
             f"{len(lacking)} lacking {list(lacking)[:3]}")
    published = published.reindex(part.index)
    withheld = (part.obs_status == "S") | (whole.obs_status == "S")
    if (withheld != (published.obs_status == "S")).any():
        fail(f"{indicator}: withheld cells are not exactly those whose part or whole is withheld")
    expected = 100 * part.w / whole.w
    shown = ~withheld
    off = (published.obs_value[shown] - expected[shown]).abs() > 1e-9 * expected[shown].abs().clip(lower=1)
    if off.any():
        fail(f"{indicator}: values differ from 100 x part / whole:\n{published[shown][off].head()}")
    if published[withheld].obs_value.notna().any():
        fail(f"{indicator}: a withheld cell shows a value")
    return len(published)


def check_totals(indicator, published):
    """Totals equal the sum of their parts (exact integer units) where every one is published."""
    published = published.assign(units=(published.obs_value * SCALE * 10 ** published.unit_mult).round(),
                                 withheld=published.obs_status.isin(["S", "O"]))
    for field in ["sex", "classif1", "classif2"]:
        others = [k for k in KEYS if k != field]
        frame = published[published[field].notna()].copy()
        frame[others] = frame[others].fillna("")
        frame["cls"] = frame[field].map(classification)
        frame["is_total"] = frame[field].str.endswith("_TOTAL") | frame[field].isin(["SEX_T", "AGE_YTHADULT_YGE15"])
        group = others + ["cls"]
        totals = frame[frame.is_total].set_index(group)
        parts = frame[~frame.is_total].groupby(group).agg(units=("units", "sum"), withheld=("withheld", "any"))
        joined = totals[["units", "withheld"]].merge(parts, left_index=True, right_index=True, suffixes=("", "_parts"))
        joined = joined[~joined.withheld & ~joined.withheld_parts]
        bad = joined[joined.units != joined.units_parts]
        if not bad.empty:
            fail(f"{indicator}: a total differs from the sum of its parts ({field}):\n{bad.head()}")


if __name__ == "__main__":
    args = sys.argv[1:]
    truth_at = args.index("--truth") + 1 if "--truth" in args else None
    main(args[0], args[truth_at] if truth_at else None)
