-- The ilms job on the rich round (benches/rich_survey.py: one survey, RICH_LFS_2024, that gives every
-- variable in international codes as they are), written as a DuckDB SQL pipeline; benches/shapes.py
-- runs it with ${ROUND} and ${OUT} substituted, beside `ilms run`, and checks the cells with
-- run.same_work(). Same work as `ilms run`: read the CSV as text; harmonize it as the spec
-- (schemas/sources/rich_lfs_2024.toml) says, the `as_is` variables checked against the code lists
-- of the round's schemas/classifications (ISO 3166 alpha-3, ISCO-08 at every level, ISIC Rev.4 and
-- its sections, ISCED 2011, ICSE-93); derive the contract's columns (working age, place-of-birth and
-- citizenship status, migrant status as the round defines it, industry section, education
-- aggregate, age bands from the translation tables of schemas/classifications/groupings/); apply the
-- error rules in ilms's order (the domain rules of the maps in variable-name order, then
-- schemas/rules/records.toml in file order, then uniqueness); write the clean records (the full
-- contract: variables the source lacks as null columns, raw values beside the harmonized ones) and
-- the quarantine as zstd Parquet; tabulate the survey's indicator set (57 indicators of
-- schemas/indicators.toml: counts with every margin by CUBE in fixed-point weights, each version of
-- each breakdown, rates, distributions, shares, means and weighted medians of earnings, each cell of
-- a mean or median from its own records), flag them as ILO does for a sample survey (and the p% rule
-- on earnings), write them as a Hive-partitioned Parquet dataset and an ILOSTAT-style CSV, and the
-- coverage and validation reports.
--
-- What is written in here rather than read: the spec's constants (source id, area, year, the two
-- explicit maps), the groupings that schemas/indicators.toml declares inline (skill levels,
-- aggregate and broad sectors, status aggregates), the dimension value expressions of
-- indicators.toml (domestic work, the "other countries" codes) and the thresholds of
-- schemas/disclosure.toml (sample_survey: U below 15 records, S below 5, p% rule with p = 10).
SET preserve_insertion_order = true;

-- Code lists of the round's classifications (ilms: src/classifications.rs). Read with their columns
-- given: DuckDB's sniffer takes isco08_unit_groups.csv's fourth line for the header (all-digit
-- codes), losing the armed forces' unit groups.
CREATE TEMP TABLE codelists AS
    SELECT version, code, level, is_total
    FROM read_csv('${ROUND}/schemas/classifications/ilostat_codelists.csv', comment = '#', header = true, auto_detect = false,
                  columns = {'version': 'VARCHAR', 'code': 'VARCHAR', 'level': 'VARCHAR', 'is_total': 'VARCHAR', 'label': 'VARCHAR', 'sort': 'VARCHAR', 'origin': 'VARCHAR'});
CREATE TEMP TABLE iso3_codes AS
    SELECT DISTINCT iso3 AS code
    FROM read_csv('${ROUND}/schemas/classifications/countries_iso3.csv', comment = '#', header = true, auto_detect = false,
                  columns = {'iso3': 'VARCHAR', 'name': 'VARCHAR'});
-- ISCO-08: every unit group and every leading part of it (major, sub-major, minor groups).
CREATE TEMP TABLE isco08_codes AS
    SELECT DISTINCT left(code, d) AS code
    FROM read_csv('${ROUND}/schemas/classifications/isco08_unit_groups.csv', comment = '#', header = true, auto_detect = false,
                  columns = {'code': 'VARCHAR', 'major_group': 'VARCHAR', 'title': 'VARCHAR'}),
         range(1, 5) t(d)
    WHERE d <= length(code);
CREATE TEMP TABLE isic4_codes AS
    SELECT code, section
    FROM read_csv('${ROUND}/schemas/classifications/isic4_structure.csv', comment = '#', header = true, auto_detect = false,
                  columns = {'code': 'VARCHAR', 'level': 'VARCHAR', 'section': 'VARCHAR', 'title': 'VARCHAR'});
CREATE TEMP TABLE isced11_codes AS
    SELECT DISTINCT substr(code, length('EDU_ISCED11_') + 1) AS code FROM codelists WHERE version = 'EDU_ISCED11' AND is_total <> 'Y';
CREATE TEMP TABLE icse93_codes AS
    SELECT DISTINCT substr(code, length('STE_ICSE93_') + 1) AS code FROM codelists WHERE version = 'STE_ICSE93' AND is_total <> 'Y';
-- The translation tables that make the grouped record columns.
CREATE TEMP TABLE age_groups AS
    SELECT CAST(age AS INTEGER) AS age, age_5yr, age_10yr, age_aggregate, age_youth_adult
    FROM read_csv('${ROUND}/schemas/classifications/groupings/age.csv', comment = '#', header = true, auto_detect = false,
                  columns = {'age': 'VARCHAR', 'age_5yr': 'VARCHAR', 'age_10yr': 'VARCHAR', 'age_aggregate': 'VARCHAR', 'age_youth_adult': 'VARCHAR'});
CREATE TEMP TABLE education_groups AS
    SELECT education, education_aggregate
    FROM read_csv('${ROUND}/schemas/classifications/groupings/education.csv', comment = '#', header = true, auto_detect = false,
                  columns = {'education': 'VARCHAR', 'education_aggregate': 'VARCHAR'});

-- Harmonize and check every record. The spec: sex map {1: M, 2: F} (no entry for a blank: a blank
-- is unmapped), lf_status map {1: EMP, 2: UNE, 3: OLF, "": not stated}, cob / nat / isco / isic /
-- isced / ste as_is (a code of the classification, or a blank for not stated), wage monthly
-- earnings (a blank is not stated; no number, negative or 100 million or more: not stated and
-- counted by the warning rule number.earnings), wgt the weight, hhid and pid the id columns.
CREATE TEMP TABLE checked AS
WITH raw AS (
    SELECT row_number() OVER () AS source_row, *
    FROM read_csv('${ROUND}/raw/rich_lfs_2024.csv', header = true, all_varchar = true)
), repeated AS (
    SELECT coalesce(hhid, '') AS hhid, coalesce(pid, '') AS pid
    FROM raw GROUP BY ALL HAVING count(*) > 1
), harmonized AS (
    SELECT
        'THA' AS ref_area, '2024' AS time, 'RICH_LFS_2024' AS source_id, 'BA' AS source_type,
        coalesce(raw.hhid, '') || '-' || coalesce(raw.pid, '') AS record_id,
        CAST(source_row AS UINTEGER) AS source_row,
        -- A number as polars reads one: DuckDB's cast would also take surrounding blanks and digit
        -- separators (' 5', '1_000'), which ilms refuses.
        CASE WHEN NOT regexp_matches(raw.wgt, '[\s_]') THEN try_cast(raw.wgt AS DOUBLE) END AS weight,
        CASE coalesce(raw.sex, '') WHEN '1' THEN 'M' WHEN '2' THEN 'F' END AS sex,
        CASE WHEN regexp_full_match(raw.age, '[+-]?[0-9]+') THEN try_cast(raw.age AS INTEGER) END AS age,
        cb.code AS country_of_birth, ct.code AS citizenship,
        CASE coalesce(raw.lfs, '') WHEN '1' THEN 'EMP' WHEN '2' THEN 'UNE' WHEN '3' THEN 'OLF' END AS lf_status,
        oc.code AS occupation, ic.code AS industry, ic.section AS industry_section,
        ed.code AS education, st.code AS status_in_employment,
        -- Earnings are read with surrounding blanks stripped (DuckDB's cast ignores them too).
        CASE WHEN strpos(raw.wage, '_') = 0 THEN try_cast(raw.wage AS DOUBLE) END AS amount,
        coalesce(raw.wgt, '') AS weight_src, coalesce(raw.age, '') AS age_src,
        coalesce(raw.nat, '') AS citizenship_src, coalesce(raw.cob, '') AS country_of_birth_src,
        coalesce(raw.wage, '') AS earnings_src, coalesce(raw.isced, '') AS education_src,
        coalesce(raw.isic, '') AS industry_src, coalesce(raw.lfs, '') AS lf_status_src,
        coalesce(raw.isco, '') AS occupation_src, coalesce(raw.sex, '') AS sex_src,
        coalesce(raw.ste, '') AS status_in_employment_src,
        coalesce(raw.wage, '') = '' OR (try_cast(raw.wage AS DOUBLE) IS NULL AND regexp_full_match(raw.wage, '\s+')) AS earnings_blank,
        repeated.hhid IS NOT NULL AS repeated_id
    FROM raw
    LEFT JOIN iso3_codes cb ON raw.cob = cb.code
    LEFT JOIN iso3_codes ct ON raw.nat = ct.code
    LEFT JOIN isco08_codes oc ON raw.isco = oc.code
    LEFT JOIN isic4_codes ic ON raw.isic = ic.code
    LEFT JOIN isced11_codes ed ON raw.isced = ed.code
    LEFT JOIN icse93_codes st ON raw.ste = st.code
    LEFT JOIN repeated ON coalesce(raw.hhid, '') = repeated.hhid AND coalesce(raw.pid, '') = repeated.pid
), derived AS (
    SELECT h.*,
        h.age >= 15 AS working_age,
        CASE WHEN country_of_birth IS NULL THEN NULL WHEN country_of_birth = ref_area THEN 'NATIVE' ELSE 'FOREIGN' END AS birth_status,
        CASE WHEN citizenship IS NULL THEN NULL WHEN citizenship = ref_area THEN 'CITIZEN' ELSE 'NONCIT' END AS citizenship_status,
        CASE WHEN NOT earnings_blank AND amount >= 0 AND amount < 100000000 THEN amount END AS earnings,
        NOT earnings_blank AND NOT coalesce(amount >= 0 AND amount < 100000000, false) AS bad_earnings,
        eg.education_aggregate,
        ag.age_5yr, ag.age_10yr, ag.age_aggregate, ag.age_youth_adult
    FROM harmonized h
    LEFT JOIN education_groups eg ON h.education = eg.education
    LEFT JOIN age_groups ag ON h.age = ag.age
)
SELECT *,
    -- The round's migrants (ilms.toml [migrants] THA = "foreign_born"): the place-of-birth series.
    CASE WHEN birth_status IS NULL THEN NULL WHEN birth_status = 'FOREIGN' THEN 'MIGRANT' ELSE 'NONMIG' END AS migrant_status,
    CASE WHEN birth_status = 'FOREIGN' THEN country_of_birth END AS migrant_country,
    -- The first failing error rule: the maps' domain rules (variables in name order), records.toml
    -- in file order (range.age, required.weight), then unique.record_id.
    CASE
        WHEN citizenship IS NULL AND citizenship_src <> '' THEN 'unmapped_code.citizenship'
        WHEN country_of_birth IS NULL AND country_of_birth_src <> '' THEN 'unmapped_code.country_of_birth'
        WHEN education IS NULL AND education_src <> '' THEN 'unmapped_code.education'
        WHEN industry IS NULL AND industry_src <> '' THEN 'unmapped_code.industry'
        WHEN lf_status IS NULL AND lf_status_src <> '' THEN 'unmapped_code.lf_status'
        WHEN occupation IS NULL AND occupation_src <> '' THEN 'unmapped_code.occupation'
        WHEN sex IS NULL THEN 'unmapped_code.sex'
        WHEN status_in_employment IS NULL AND status_in_employment_src <> '' THEN 'unmapped_code.status_in_employment'
        WHEN NOT coalesce(age IS NOT NULL AND age BETWEEN 0 AND 120, false) THEN 'range.age'
        WHEN NOT coalesce(weight IS NOT NULL AND weight > 0 AND weight < 10000000, false) THEN 'required.weight'
        WHEN repeated_id THEN 'unique.record_id'
    END AS rule
FROM derived;

-- records:begin (left out when benchmarking runs without harmonized records)
COPY (
    SELECT ref_area, time, source_id, source_type, record_id, source_row, weight, sex, age, working_age,
           country_of_birth, birth_status, citizenship, citizenship_status, migrant_status, migrant_country,
           lf_status, occupation, 'ISCO08' AS occupation_version, occupation AS occupation_isco08,
           NULL::VARCHAR AS occupation_isco88,
           industry, 'ISIC4' AS industry_version, industry AS industry_isic4, industry_section,
           NULL::VARCHAR AS industry_isic3_section,
           education, education_aggregate, status_in_employment, earnings,
           NULL::VARCHAR AS flow, NULL::VARCHAR AS destination, NULL::VARCHAR AS origin, NULL::VARCHAR AS purpose,
           NULL::BOOLEAN AS for_employment,
           age_5yr, age_10yr, age_aggregate, age_youth_adult,
           weight_src, age_src, citizenship_src, country_of_birth_src, earnings_src, education_src, industry_src,
           lf_status_src, occupation_src, sex_src, status_in_employment_src
    FROM checked WHERE rule IS NULL
) TO '${OUT}/harmonized.parquet' (FORMAT parquet, COMPRESSION zstd);
-- records:end

COPY (
    SELECT source_id, source_row, record_id, rule,
           CASE rule WHEN 'unmapped_code.citizenship' THEN 'nat' WHEN 'unmapped_code.country_of_birth' THEN 'cob'
                     WHEN 'unmapped_code.education' THEN 'isced' WHEN 'unmapped_code.industry' THEN 'isic'
                     WHEN 'unmapped_code.lf_status' THEN 'lfs' WHEN 'unmapped_code.occupation' THEN 'isco'
                     WHEN 'unmapped_code.sex' THEN 'sex' WHEN 'unmapped_code.status_in_employment' THEN 'ste'
                     WHEN 'range.age' THEN 'age' WHEN 'required.weight' THEN 'wgt' ELSE 'hhid, pid' END AS column,
           CASE rule WHEN 'unmapped_code.citizenship' THEN citizenship_src WHEN 'unmapped_code.country_of_birth' THEN country_of_birth_src
                     WHEN 'unmapped_code.education' THEN education_src WHEN 'unmapped_code.industry' THEN industry_src
                     WHEN 'unmapped_code.lf_status' THEN lf_status_src WHEN 'unmapped_code.occupation' THEN occupation_src
                     WHEN 'unmapped_code.sex' THEN sex_src WHEN 'unmapped_code.status_in_employment' THEN status_in_employment_src
                     WHEN 'range.age' THEN age_src WHEN 'required.weight' THEN weight_src ELSE record_id END AS raw_value,
           CASE WHEN rule LIKE 'unmapped_code.%' THEN substr(rule, 15) || ': raw code not in the spec''s map; add it to the map or correct the record'
                WHEN rule = 'range.age' THEN 'age: missing or not a whole number from 0 to 120'
                WHEN rule = 'required.weight' THEN 'weight: missing, not a positive number, not finite (NaN, infinity) or 10 million or more (no record stands for that many persons); every survey record needs its weight'
                ELSE 'record_id: another record of the source has the same id columns' END AS message
    FROM checked WHERE rule IS NOT NULL
) TO '${OUT}/quarantine.parquet' (FORMAT parquet, COMPRESSION zstd);

-- Indicators. Each breakdown's value per clean record (the dimensions' `value` of indicators.toml,
-- a null value to the dimension's `unknown` code).
CREATE TEMP VIEW dims AS
SELECT working_age AS wa, lf_status AS lf, weight,
       CAST(round(weight * 1000000) AS BIGINT) AS w,
       coalesce(sex, 'X') AS sx, age_10yr AS age, coalesce(education, '9') AS edu,
       coalesce(birth_status, 'X') AS cbr, coalesce(citizenship_status, 'X') AS cct, coalesce(migrant_status, 'X') AS mig,
       coalesce(left(occupation, 1), 'X') AS ocu, coalesce(industry_section, 'X') AS eco,
       coalesce(status_in_employment, '6') AS ste,
       -- Domestic work (DOM_WORK; this source codes in ISIC Rev.4 and ISCO-08, so only those branches).
       coalesce(CASE WHEN left(industry, 2) = '97' OR industry = 'T'
                       OR occupation = '5152' OR occupation = '5162' OR occupation = '5322' OR occupation = '9111' THEN 'DOM'
                     WHEN industry_section IS NOT NULL OR length(occupation) >= 4 THEN 'NDOM' END, 'X') AS dom,
       CASE WHEN country_of_birth = 'XXX' THEN 'X' ELSE country_of_birth END AS cbr_country,
       CASE WHEN citizenship = 'XXA' OR citizenship = 'XXX' THEN 'X' ELSE citizenship END AS cct_country,
       CASE WHEN migrant_country IN ('XXA', 'XXX', 'ABW', 'AIA', 'ANT', 'ATG', 'ESH', 'FRO', 'GGY', 'GLP', 'GNQ', 'GUF', 'IMN',
                                     'JEY', 'LCA', 'MNP', 'MTQ', 'PLW', 'SCG', 'SHN', 'SPM', 'STP', 'TCA', 'VCT', 'VGB', 'VIR')
            THEN 'X' ELSE migrant_country END AS origin,
       earnings, status_in_employment
FROM checked WHERE rule IS NULL;

-- The clean records grouped by the breakdowns the count tables read, in three families (persons by
-- status, age and education; the employed by their job; migrants by country), each row with the
-- universes (populations) it is in.
CREATE TEMP TABLE fam AS
WITH grouped AS (
    SELECT 'P' AS family, wa, lf, sx, age, edu, cbr, cct, mig,
           NULL AS ocu, NULL AS eco, NULL AS ste, NULL AS dom, NULL AS cbr_country, NULL AS cct_country, NULL AS origin,
           sum(w) AS w, count(*) AS n
    FROM dims GROUP BY ALL
    UNION ALL
    SELECT 'E', wa, lf, sx, NULL, NULL, cbr, cct, mig, ocu, eco, ste, dom, NULL, NULL, NULL, sum(w), count(*)
    FROM dims WHERE wa AND lf = 'EMP' GROUP BY ALL
    UNION ALL
    SELECT 'C', wa, lf, sx, NULL, NULL, cbr, cct, mig, NULL, NULL, NULL, NULL, cbr_country, cct_country, origin, sum(w), count(*)
    FROM dims WHERE cbr = 'FOREIGN' OR cct = 'NONCIT' OR mig = 'MIGRANT' GROUP BY ALL
)
SELECT row_number() OVER () AS fid, *,
    list_filter([
        CASE WHEN family = 'P' THEN 'TPOP' END,
        CASE WHEN family = 'P' AND wa THEN 'XWAP' END,
        CASE WHEN family = 'P' AND wa AND (lf = 'EMP' OR lf = 'UNE') THEN 'TEAP' END,
        CASE WHEN family IN ('P', 'E') AND wa AND lf = 'EMP' THEN 'TEMP' END,
        CASE WHEN family = 'P' AND wa AND lf = 'UNE' THEN 'TUNE' END,
        CASE WHEN family = 'P' AND wa AND lf = 'OLF' THEN 'TEIP' END,
        CASE WHEN family = 'C' AND wa AND lf = 'EMP' AND cbr = 'FOREIGN' THEN 'FORE' END,
        CASE WHEN family = 'C' AND wa AND cbr = 'FOREIGN' THEN 'FORP' END,
        CASE WHEN family = 'C' AND wa AND lf = 'EMP' AND cct = 'NONCIT' THEN 'NCTE' END,
        CASE WHEN family = 'C' AND wa AND cct = 'NONCIT' THEN 'NCTP' END,
        CASE WHEN family = 'C' AND cct = 'NONCIT' THEN 'NCTT' END,
        CASE WHEN family = 'C' AND wa AND lf = 'EMP' AND mig = 'MIGRANT' THEN 'MEMP' END,
        CASE WHEN family = 'C' AND mig = 'MIGRANT' THEN 'MIGP' END], lambda u: u IS NOT NULL) AS universes
FROM grouped;

-- Each breakdown's categories per version: base code -> published code. Code lists and translation
-- tables from schemas/classifications; the inline groups of schemas/indicators.toml written here.
CREATE TEMP TABLE groups(basis VARCHAR, version VARCHAR, base VARCHAR, code VARCHAR);
INSERT INTO groups
    SELECT DISTINCT 'age', 'AGE_10YRBANDS', age_10yr, age_10yr FROM age_groups
    UNION ALL SELECT DISTINCT 'age', 'AGE_AGGREGATE', age_10yr, age_aggregate FROM age_groups
    -- Youth and adults: under 15 is `outside`.
    UNION ALL SELECT DISTINCT 'age', 'AGE_YTHADULT', age_10yr, age_youth_adult FROM age_groups WHERE age_youth_adult <> 'YLT15'
    UNION ALL SELECT 'edu', 'EDU_AGGREGATE', education, education_aggregate FROM education_groups
    -- ISCED's not-stated code (EDU_ISCED11's unknown, 9) goes to the aggregate's unknown, X.
    UNION ALL SELECT 'edu', 'EDU_AGGREGATE', '9', 'X'
    UNION ALL SELECT b.basis, b.version, substr(c.code, length(b.version) + 2), substr(c.code, length(b.version) + 2)
    FROM (VALUES ('edu', 'EDU_ISCED11'), ('cbr', 'CBR_BIR'), ('cct', 'CCT_CIT'), ('mig', 'MIG_STATUS'),
                 ('ocu', 'OCU_ISCO08'), ('eco', 'ECO_ISIC4'), ('ste', 'STE_ICSE93'), ('dom', 'DOM_WORK'),
                 ('cbr_country', 'CBR_BRT'), ('cct_country', 'CCT_CTZ'), ('origin', 'COU_ORI')) b(basis, version)
    JOIN codelists c ON c.version = b.version AND c.is_total <> 'Y' AND c.level = '1';
INSERT INTO groups VALUES
    ('ocu', 'OCU_SKILL', '1', 'L3-4'), ('ocu', 'OCU_SKILL', '2', 'L3-4'), ('ocu', 'OCU_SKILL', '3', 'L3-4'),
    ('ocu', 'OCU_SKILL', '4', 'L2'), ('ocu', 'OCU_SKILL', '5', 'L2'), ('ocu', 'OCU_SKILL', '6', 'L2'),
    ('ocu', 'OCU_SKILL', '7', 'L2'), ('ocu', 'OCU_SKILL', '8', 'L2'), ('ocu', 'OCU_SKILL', '9', 'L1'),
    ('ocu', 'OCU_SKILL', '0', 'X'), ('ocu', 'OCU_SKILL', 'X', 'X'),
    ('ste', 'STE_AGGREGATE', '1', 'EES'), ('ste', 'STE_AGGREGATE', '2', 'SLF'), ('ste', 'STE_AGGREGATE', '3', 'SLF'),
    ('ste', 'STE_AGGREGATE', '4', 'SLF'), ('ste', 'STE_AGGREGATE', '5', 'SLF'), ('ste', 'STE_AGGREGATE', '6', 'X');
INSERT INTO groups
    SELECT 'eco', 'ECO_AGGREGATE', s, CASE WHEN s = 'A' THEN 'AGR' WHEN s = 'C' THEN 'MAN' WHEN s = 'F' THEN 'CON'
                                           WHEN s IN ('B', 'D', 'E') THEN 'MEL' WHEN s BETWEEN 'G' AND 'N' THEN 'MKT'
                                           WHEN s BETWEEN 'O' AND 'U' THEN 'PUB' ELSE 'X' END
    FROM unnest(['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', 'P', 'Q', 'R', 'S', 'T', 'U', 'X']) t(s)
    UNION ALL
    SELECT 'eco', 'ECO_SECTOR', s, CASE WHEN s = 'A' THEN 'AGR' WHEN s BETWEEN 'B' AND 'F' THEN 'IND'
                                        WHEN s BETWEEN 'G' AND 'U' THEN 'SER' ELSE 'X' END
    FROM unnest(['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', 'P', 'Q', 'R', 'S', 'T', 'U', 'X']) t(s);

-- The breakdowns of the tables and their versions (a slot listing several versions gives a table
-- per version, all under the indicator's id; the versions an ISIC Rev.3.1 / ISCO-88 source would
-- add are not available from this source).
CREATE TEMP TABLE breakdowns(dim VARCHAR, basis VARCHAR, version VARCHAR);
INSERT INTO breakdowns VALUES
    ('AGE', 'age', 'AGE_10YRBANDS'), ('AGE', 'age', 'AGE_AGGREGATE'), ('AGE', 'age', 'AGE_YTHADULT'),
    ('AGE_YTHADULT', 'age', 'AGE_YTHADULT'),
    ('EDU', 'edu', 'EDU_ISCED11'), ('EDU', 'edu', 'EDU_AGGREGATE'),
    ('CBR', 'cbr', 'CBR_BIR'), ('CCT', 'cct', 'CCT_CIT'), ('MIG', 'mig', 'MIG_STATUS'),
    ('OCU', 'ocu', 'OCU_ISCO08'), ('OCU', 'ocu', 'OCU_SKILL'),
    ('ECO', 'eco', 'ECO_ISIC4'), ('ECO', 'eco', 'ECO_AGGREGATE'), ('ECO', 'eco', 'ECO_SECTOR'),
    ('STE', 'ste', 'STE_ICSE93'), ('STE', 'ste', 'STE_AGGREGATE'), ('STE_ICSE93', 'ste', 'STE_ICSE93'),
    ('DOM', 'dom', 'DOM_WORK'),
    ('CBR_COUNTRY', 'cbr_country', 'CBR_BRT'), ('CCT_COUNTRY', 'cct_country', 'CCT_CTZ'), ('ORIGIN', 'origin', 'COU_ORI');
-- Each version's total code (from the code lists: AGE_YTHADULT's is YGE15).
CREATE TEMP TABLE totals AS SELECT version, code AS total FROM codelists WHERE is_total = 'Y';

-- Every family row's code in every version of every breakdown.
CREATE TEMP TABLE codes AS
WITH bases AS (
    UNPIVOT (SELECT fid, age, edu, cbr, cct, mig, ocu, eco, ste, dom, cbr_country, cct_country, origin FROM fam)
    ON age, edu, cbr, cct, mig, ocu, eco, ste, dom, cbr_country, cct_country, origin INTO NAME basis VALUE base
)
SELECT fid, basis, version, code FROM bases JOIN groups USING (basis, base);

-- A value no category of its breakdown takes stops the run, as in ilms.
SELECT CASE WHEN count(*) > 0 THEN error('a value gives no category of its breakdown: ' || string_agg(DISTINCT basis || ' ' || base, ', ')) END
FROM (UNPIVOT (SELECT fid, age, edu, cbr, cct, mig, ocu, eco, ste, dom, cbr_country, cct_country, origin FROM fam)
      ON age, edu, cbr, cct, mig, ocu, eco, ste, dom, cbr_country, cct_country, origin INTO NAME basis VALUE base)
ANTI JOIN groups USING (basis, base);

-- The count tables (schemas/indicators.toml): family, universe, by sex or not, first and second
-- breakdown.
CREATE TEMP TABLE count_tables(indicator VARCHAR, family VARCHAR, universe VARCHAR, by_sex BOOLEAN, dim1 VARCHAR, dim2 VARCHAR);
INSERT INTO count_tables VALUES
    ('MST_TEMP_SEX_AGE_CBR_NB', 'P', 'TEMP', true, 'AGE', 'CBR'), ('MST_TUNE_SEX_AGE_CBR_NB', 'P', 'TUNE', true, 'AGE', 'CBR'),
    ('MST_TEAP_SEX_AGE_CBR_NB', 'P', 'TEAP', true, 'AGE', 'CBR'), ('MST_TEIP_SEX_AGE_CBR_NB', 'P', 'TEIP', true, 'AGE', 'CBR'),
    ('MST_XWAP_SEX_AGE_CBR_NB', 'P', 'XWAP', true, 'AGE', 'CBR'),
    ('MST_TEMP_SEX_AGE_CCT_NB', 'P', 'TEMP', true, 'AGE', 'CCT'), ('MST_TUNE_SEX_AGE_CCT_NB', 'P', 'TUNE', true, 'AGE', 'CCT'),
    ('MST_TEAP_SEX_AGE_CCT_NB', 'P', 'TEAP', true, 'AGE', 'CCT'), ('MST_TEIP_SEX_AGE_CCT_NB', 'P', 'TEIP', true, 'AGE', 'CCT'),
    ('MST_XWAP_SEX_AGE_CCT_NB', 'P', 'XWAP', true, 'AGE', 'CCT'),
    ('MST_XWAP_SEX_EDU_CBR_NB', 'P', 'XWAP', true, 'EDU', 'CBR'), ('MST_XWAP_SEX_EDU_CCT_NB', 'P', 'XWAP', true, 'EDU', 'CCT'),
    ('MST_TPOP_SEX_MIG_NB', 'P', 'TPOP', true, 'MIG', NULL), ('MST_XWAP_SEX_MIG_NB', 'P', 'XWAP', true, 'MIG', NULL),
    ('MST_XWAP_SEX_EDU_MIG_NB', 'P', 'XWAP', true, 'EDU', 'MIG'),
    ('MST_TEAP_SEX_AGE_MIG_NB', 'P', 'TEAP', true, 'AGE_YTHADULT', 'MIG'),
    ('MST_TEMP_SEX_AGE_MIG_NB', 'P', 'TEMP', true, 'AGE_YTHADULT', 'MIG'),
    ('MST_TEMP_SEX_OCU_CBR_NB', 'E', 'TEMP', true, 'OCU', 'CBR'), ('MST_TEMP_SEX_OCU_CCT_NB', 'E', 'TEMP', true, 'OCU', 'CCT'),
    ('MST_TEMP_SEX_ECO_CBR_NB', 'E', 'TEMP', true, 'ECO', 'CBR'), ('MST_TEMP_SEX_ECO_CCT_NB', 'E', 'TEMP', true, 'ECO', 'CCT'),
    ('MST_TEMP_SEX_STE_CBR_NB', 'E', 'TEMP', true, 'STE', 'CBR'), ('MST_TEMP_SEX_STE_CCT_NB', 'E', 'TEMP', true, 'STE', 'CCT'),
    ('MST_TEMP_SEX_STE_MIG_NB', 'E', 'TEMP', true, 'STE_ICSE93', 'MIG'),
    ('MST_TEMP_SEX_DOM_CBR_NB', 'E', 'TEMP', true, 'DOM', 'CBR'), ('MST_TEMP_SEX_DOM_CCT_NB', 'E', 'TEMP', true, 'DOM', 'CCT'),
    ('MST_TEMP_ECO_MIG_NB', 'E', 'TEMP', false, 'ECO', 'MIG'), ('MST_TEMP_OCU_MIG_NB', 'E', 'TEMP', false, 'OCU', 'MIG'),
    ('MST_FORE_SEX_CBR_NB', 'C', 'FORE', true, 'CBR_COUNTRY', NULL), ('MST_FORP_SEX_CBR_NB', 'C', 'FORP', true, 'CBR_COUNTRY', NULL),
    ('MST_NCTE_SEX_CCT_NB', 'C', 'NCTE', true, 'CCT_COUNTRY', NULL), ('MST_NCTP_SEX_CCT_NB', 'C', 'NCTP', true, 'CCT_COUNTRY', NULL),
    ('MST_NCTT_SEX_CCT_NB', 'C', 'NCTT', true, 'CCT_COUNTRY', NULL),
    ('MST_MEMP_COU_NB', 'C', 'MEMP', false, 'ORIGIN', NULL), ('MST_TPOP_COU_NB', 'C', 'MIGP', false, 'ORIGIN', NULL);

-- Every count table, each version, every margin by CUBE, in fixed-point weights (millionths of a
-- person); a table without sex, or without a second breakdown, keeps only that breakdown's total.
CREATE TEMP TABLE counts AS
WITH rolled AS (
    SELECT t.indicator, t.by_sex, t.dim2 IS NOT NULL AS two, a.version AS version1, b.version AS version2,
           f.sx, a.code AS code1, b.code AS code2, sum(f.w) AS w, sum(f.n) AS n
    FROM fam f
    JOIN count_tables t ON t.family = f.family AND list_contains(f.universes, t.universe)
    JOIN breakdowns d1 ON d1.dim = t.dim1
    JOIN codes a ON a.fid = f.fid AND a.basis = d1.basis AND a.version = d1.version
    LEFT JOIN breakdowns d2 ON d2.dim = t.dim2
    LEFT JOIN codes b ON b.fid = f.fid AND b.basis = d2.basis AND b.version = d2.version
    GROUP BY t.indicator, t.by_sex, t.dim2, a.version, b.version, CUBE(f.sx, a.code, b.code)
    HAVING (t.by_sex OR grouping(f.sx) = 1) AND (t.dim2 IS NOT NULL OR grouping(b.code) = 1)
)
SELECT r.indicator, r.version1, r.version2, t1.total AS total1, t2.total AS total2,
       CASE WHEN r.by_sex THEN coalesce('SEX_' || r.sx, 'SEX_T') END AS sex,
       coalesce(r.version1 || '_' || r.code1, t1.total) AS classif1,
       CASE WHEN r.two THEN coalesce(r.version2 || '_' || r.code2, t2.total) END AS classif2,
       r.w, r.n
FROM rolled r JOIN totals t1 ON t1.version = r.version1 LEFT JOIN totals t2 ON t2.version = r.version2;

-- Means and medians of monthly earnings, by sex and place of birth / citizenship (employees,
-- ICSE-93 group 1) or migrant status (all the employed), over the records that state an amount,
-- weighted by the survey weight; each cell, margins included, from its own records. The median is
-- the smallest amount at or below which half the summed weight lies (src/magnitude.rs).
CREATE TEMP TABLE amounts AS
SELECT 'CBR' AS series, sx, cbr AS code, earnings AS v, weight AS wt FROM dims
WHERE wa AND lf = 'EMP' AND status_in_employment = '1' AND earnings IS NOT NULL
UNION ALL
SELECT 'CCT', sx, cct, earnings, weight FROM dims
WHERE wa AND lf = 'EMP' AND status_in_employment = '1' AND earnings IS NOT NULL
UNION ALL
SELECT 'MIG', sx, mig, earnings, weight FROM dims
WHERE wa AND lf = 'EMP' AND earnings IS NOT NULL;

CREATE TEMP TABLE magnitudes AS
WITH means AS (
    SELECT series, sx, code, series || '|' || coalesce(sx, '*') || '|' || coalesce(code, '*') AS cell,
           sum(v * wt) / sum(wt) AS mean, count(*) AS n,
           -- The p% rule (p = 10): the amounts after the two largest add up to less than p% of the largest.
           max(v, 2) AS top, sum(v) AS total
    FROM amounts GROUP BY series, CUBE(sx, code)
), distribution AS (
    -- Each cell's weight per amount (the cell as one key: partitioning on it is twice as fast).
    SELECT series || '|' || coalesce(sx, '*') || '|' || coalesce(code, '*') AS cell, v, sum(wt) AS wt
    FROM amounts GROUP BY series, v, CUBE(sx, code)
), medians AS (
    SELECT cell, min(v) FILTER (WHERE below >= half) AS median
    FROM (SELECT *, sum(wt) OVER (PARTITION BY cell ORDER BY v ROWS UNBOUNDED PRECEDING) AS below,
                 sum(wt) OVER (PARTITION BY cell) / 2 AS half
          FROM distribution)
    GROUP BY cell
)
SELECT m.series, coalesce('SEX_' || m.sx, 'SEX_T') AS sex,
       coalesce(v.version || '_' || m.code, t.total) AS classif1,
       round(m.mean * 100) / 100 AS mean, round(d.median * 100) / 100 AS median, m.n,
       m.top[1] > 0 AND m.total - m.top[1] - greatest(coalesce(m.top[2], 0), 0) < 10 / 100 * m.top[1] AS dominated
FROM means m
JOIN medians d USING (cell)
JOIN (VALUES ('CBR', 'CBR_BIR'), ('CCT', 'CCT_CIT'), ('MIG', 'MIG_STATUS')) v(series, version) ON v.series = m.series
JOIN totals t ON t.version = v.version;

-- Published: counts (in thousands), rates (100 x numerator / denominator, same cell, where the
-- denominator is not 0), distributions (100 x cell / its breakdown's total), the shares of
-- migrants, and the earnings; sample_count the records behind the cell (the numerator's).
CREATE TEMP TABLE published AS
SELECT indicator, sex, classif1, classif2, w / 1e9 AS obs_value, n AS sample_count, false AS dominated, 'PS' AS unit, 3 AS unit_mult
FROM counts
UNION ALL
SELECT r.indicator, a.sex, a.classif1, a.classif2, 100.0::DOUBLE * a.w / b.w, a.n, false, 'PT', 0
FROM (VALUES ('MST_TEAP_SEX_AGE_CBR_RT', 'MST_TEAP_SEX_AGE_CBR_NB', 'MST_XWAP_SEX_AGE_CBR_NB'),
             ('MST_TEMP_SEX_AGE_CBR_RT', 'MST_TEMP_SEX_AGE_CBR_NB', 'MST_XWAP_SEX_AGE_CBR_NB'),
             ('MST_TUNE_SEX_AGE_CBR_RT', 'MST_TUNE_SEX_AGE_CBR_NB', 'MST_TEAP_SEX_AGE_CBR_NB'),
             ('MST_TEAP_SEX_AGE_CCT_RT', 'MST_TEAP_SEX_AGE_CCT_NB', 'MST_XWAP_SEX_AGE_CCT_NB'),
             ('MST_TEMP_SEX_AGE_CCT_RT', 'MST_TEMP_SEX_AGE_CCT_NB', 'MST_XWAP_SEX_AGE_CCT_NB'),
             ('MST_TUNE_SEX_AGE_CCT_RT', 'MST_TUNE_SEX_AGE_CCT_NB', 'MST_TEAP_SEX_AGE_CCT_NB')) r(indicator, num, den)
JOIN counts a ON a.indicator = r.num
JOIN counts b ON b.indicator = r.den AND b.sex = a.sex AND b.classif1 = a.classif1 AND b.classif2 = a.classif2
WHERE b.w > 0
UNION ALL
SELECT s.indicator, c.sex, c.classif2, c.classif1, 100.0::DOUBLE * c.w / t.w, c.n, false, 'PT', 0
FROM (VALUES ('MST_TEMP_SEX_CBR_ECO_DT', 'MST_TEMP_SEX_ECO_CBR_NB'), ('MST_TEMP_SEX_CBR_OCU_DT', 'MST_TEMP_SEX_OCU_CBR_NB'),
             ('MST_TEMP_SEX_CBR_STE_DT', 'MST_TEMP_SEX_STE_CBR_NB'), ('MST_TEMP_SEX_CCT_ECO_DT', 'MST_TEMP_SEX_ECO_CCT_NB'),
             ('MST_TEMP_SEX_CCT_OCU_DT', 'MST_TEMP_SEX_OCU_CCT_NB'), ('MST_TEMP_SEX_CCT_STE_DT', 'MST_TEMP_SEX_STE_CCT_NB')) s(indicator, "of")
JOIN counts c ON c.indicator = s."of" AND c.classif1 <> c.total1
JOIN counts t ON t.indicator = s."of" AND t.sex = c.sex AND t.classif2 = c.classif2 AND t.classif1 = c.total1
WHERE t.w > 0
UNION ALL
SELECT s.indicator, c.sex, c.classif1, NULL, 100.0::DOUBLE * c.w / t.w, c.n, false, 'PT', 0
FROM (VALUES ('MST_WFOR_SEX_AGE_RT', 'MST_XWAP_SEX_AGE_CBR_NB', 'CBR_BIR_FOREIGN', ['AGE_10YRBANDS', 'AGE_AGGREGATE']),
             ('MST_WFOR_SEX_EDU_RT', 'MST_XWAP_SEX_EDU_CBR_NB', 'CBR_BIR_FOREIGN', ['EDU_ISCED11', 'EDU_AGGREGATE']),
             ('MST_WNCT_SEX_AGE_RT', 'MST_XWAP_SEX_AGE_CCT_NB', 'CCT_CIT_NONCIT', ['AGE_10YRBANDS', 'AGE_AGGREGATE']),
             ('MST_WNCT_SEX_EDU_RT', 'MST_XWAP_SEX_EDU_CCT_NB', 'CCT_CIT_NONCIT', ['EDU_ISCED11', 'EDU_AGGREGATE'])) s(indicator, "of", keep, versions)
JOIN counts c ON c.indicator = s."of" AND c.classif2 = s.keep AND list_contains(s.versions, c.version1)
JOIN counts t ON t.indicator = s."of" AND t.sex = c.sex AND t.classif1 = c.classif1 AND t.classif2 = c.total2
WHERE t.w > 0
UNION ALL
SELECT CASE m.series WHEN 'CBR' THEN 'MST_EARA_SEX_CBR_NB' WHEN 'CCT' THEN 'MST_EARA_SEX_CCT_NB' ELSE 'MST_EARA_SEX_MIG_NB' END,
       m.sex, m.classif1, NULL, m.mean, m.n, m.dominated, 'LC', 0
FROM magnitudes m
UNION ALL
SELECT CASE m.series WHEN 'CBR' THEN 'MST_EARB_SEX_CBR_NB' WHEN 'CCT' THEN 'MST_EARB_SEX_CCT_NB' ELSE 'MST_EARB_SEX_MIG_NB' END,
       m.sex, m.classif1, NULL, m.median, m.n, m.dominated, 'LC', 0
FROM magnitudes m;

-- The source's gates and cell rules, judged as ilms judges them before it publishes: more than 5% of
-- the records quarantined, or none clean (source.quarantined_share, schemas/rules/records.toml); a
-- count table whose universe holds no record (plausible.universe_not_empty); a count table whose
-- categories do not add up to their total (part_whole.*, schemas/rules/cells.toml: exact here, the
-- weights being summed in fixed point). Each is an error that fails the source: the run stops, as
-- `ilms run` does without --keep-going. The ranges of plausibility.toml are warnings: reported.
CREATE TEMP TABLE source_checks AS
WITH gate AS (
    SELECT 'source.quarantined_share' AS rule, count_if(rule IS NULL) > 0 AND count_if(rule IS NOT NULL) <= 0.05 * count(*) AS ok
    FROM checked
), tables AS (
    SELECT t.indicator, d1.version AS version1, d2.version AS version2
    FROM count_tables t JOIN breakdowns d1 ON d1.dim = t.dim1 LEFT JOIN breakdowns d2 ON d2.dim = t.dim2
), universes AS (
    SELECT 'plausible.universe_not_empty' AS rule, c.n IS NOT NULL AS ok
    FROM tables t LEFT JOIN counts c ON c.indicator = t.indicator AND c.version1 = t.version1
        AND c.version2 IS NOT DISTINCT FROM t.version2
        AND coalesce(c.sex, 'SEX_T') = 'SEX_T' AND c.classif1 = c.total1 AND c.classif2 IS NOT DISTINCT FROM c.total2
), parts AS (
    SELECT 'part_whole.sex' AS rule, indicator, 'SEX' AS classification, classif1 AS a, classif2 AS b, sex = 'SEX_T' AS is_total, w
    FROM counts WHERE sex IS NOT NULL
    UNION ALL SELECT 'part_whole.classif1', indicator, version1, sex, classif2, classif1 = total1, w FROM counts
    UNION ALL SELECT 'part_whole.classif2', indicator, version2, sex, classif1, classif2 = total2, w FROM counts WHERE classif2 IS NOT NULL
), part_whole AS (
    SELECT rule, CASE WHEN total IS NOT NULL AND n > 0 THEN abs(total - parts) / 1e9 <= 0.0000005 END AS ok
    FROM (SELECT rule, indicator, classification, a, b, sum(w) FILTER (WHERE NOT is_total) AS parts,
                 count(*) FILTER (WHERE NOT is_total) AS n, any_value(w) FILTER (WHERE is_total) AS total
          FROM parts GROUP BY ALL)
), ranges AS (
    SELECT r.rule, p.obs_value BETWEEN r.min AND r.max AS ok
    FROM (VALUES ('plausible.unemployment_rate', 'MST_TUNE_SEX_AGE_CBR_RT', 0.0, 40.0),
                 ('plausible.participation_rate', 'MST_TEAP_SEX_AGE_CBR_RT', 10.0, 95.0),
                 ('plausible.employment_ratio', 'MST_TEMP_SEX_AGE_CBR_RT', 5.0, 95.0)) r(rule, indicator, min, max)
    JOIN published p ON p.indicator = r.indicator AND p.classif1 LIKE '%\_TOTAL' ESCAPE '\' AND p.classif2 LIKE '%\_TOTAL' ESCAPE '\'
)
SELECT rule, count_if(ok)::BIGINT AS passes, count_if(NOT ok)::BIGINT AS fails, count_if(ok IS NULL)::BIGINT AS missing
FROM (SELECT * FROM gate UNION ALL SELECT * FROM universes UNION ALL SELECT rule, ok FROM part_whole UNION ALL SELECT * FROM ranges)
GROUP BY rule;
SELECT CASE WHEN count(*) > 0 THEN error('the source fails: ' || string_agg(rule || ' (' || fails || ' failing)', ', ')) END
FROM source_checks WHERE fails > 0 AND rule NOT IN ('plausible.unemployment_rate', 'plausible.participation_rate', 'plausible.employment_ratio');

-- Published as ilms publishes them: ILO's reliability flags on the records behind a cell (sample
-- survey: fewer than 5 withheld, S; fewer than 15 unreliable, U; a mean or median dominated by one
-- amount withheld; a withheld cell shows neither its value nor its records), a Hive partitioned
-- Parquet dataset and an ILOSTAT-style CSV.
CREATE TEMP TABLE flagged AS
SELECT *, CASE WHEN (sample_count > 0 AND sample_count < 5) OR dominated THEN 'S'
               WHEN sample_count > 0 AND sample_count < 15 THEN 'U' END AS obs_status
FROM published;
COPY (
    SELECT 'RICH_LFS_2024' AS source, indicator, sex, classif1, classif2,
           CASE WHEN obs_status IS DISTINCT FROM 'S' THEN obs_value END AS obs_value, obs_status,
           CASE WHEN obs_status IS DISTINCT FROM 'S' THEN CAST(sample_count AS BIGINT) END AS sample_count,
           unit, unit_mult, 'THA' AS ref_area, 2024 AS time
    FROM flagged
) TO '${OUT}/indicators' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (ref_area, time), OVERWRITE_OR_IGNORE true);
COPY (
    SELECT 'THA' AS ref_area, 'BA:RICH_LFS_2024' AS source, indicator, sex, classif1, classif2, 2024 AS time,
           CASE WHEN obs_status IS DISTINCT FROM 'S' THEN obs_value END AS obs_value, obs_status
    FROM flagged ORDER BY indicator, sex, classif1, classif2
) TO '${OUT}/indicators_ilostat.csv' (HEADER);

-- The mapping coverage report: records and weights (fixed point) per raw code of every coded variable
-- (one grouping per variable, in one pass).
COPY (
    SELECT CASE WHEN grouping(citizenship_src) = 0 THEN 'citizenship' WHEN grouping(country_of_birth_src) = 0 THEN 'country_of_birth'
                WHEN grouping(education_src) = 0 THEN 'education' WHEN grouping(industry_src) = 0 THEN 'industry'
                WHEN grouping(lf_status_src) = 0 THEN 'lf_status' WHEN grouping(occupation_src) = 0 THEN 'occupation'
                WHEN grouping(sex_src) = 0 THEN 'sex' ELSE 'status_in_employment' END AS variable,
           coalesce(citizenship_src, country_of_birth_src, education_src, industry_src, lf_status_src, occupation_src,
                    sex_src, status_in_employment_src) AS raw_code,
           count(*) AS records, coalesce(sum(TRY_CAST(round(weight * 1000000) AS BIGINT)), 0) / 1e6 AS weighted
    FROM checked
    GROUP BY GROUPING SETS ((citizenship_src), (country_of_birth_src), (education_src), (industry_src), (lf_status_src),
                            (occupation_src), (sex_src), (status_in_employment_src))
    ORDER BY ALL
) TO '${OUT}/coverage.parquet' (FORMAT parquet, COMPRESSION zstd);

-- The validation report: every applied rule's records passing, failing and missing (as ilms counts
-- them: a null check is missing), the completeness shares, and the ids carried by more than one record.
CREATE TEMP MACRO tally(rule, ok) AS
    {'rule': rule, 'passes': count_if(ok)::BIGINT, 'fails': count_if(NOT ok)::BIGINT, 'missing': count_if(ok IS NULL)::BIGINT};
CREATE TEMP MACRO stated(rule, universe, ok) AS
    {'rule': rule, 'passes': count_if(universe AND ok)::BIGINT, 'fails': count_if(universe AND NOT ok)::BIGINT, 'missing': 0::BIGINT};
COPY (
    SELECT unnest(counts, recursive := true) FROM (
        SELECT [tally('unmapped_code.citizenship', citizenship IS NOT NULL OR citizenship_src = ''),
                tally('unmapped_code.country_of_birth', country_of_birth IS NOT NULL OR country_of_birth_src = ''),
                tally('unmapped_code.education', education IS NOT NULL OR education_src = ''),
                tally('unmapped_code.industry', industry IS NOT NULL OR industry_src = ''),
                tally('unmapped_code.lf_status', lf_status IS NOT NULL OR lf_status_src = ''),
                tally('unmapped_code.occupation', occupation IS NOT NULL OR occupation_src = ''),
                tally('unmapped_code.sex', sex IS NOT NULL),
                tally('unmapped_code.status_in_employment', status_in_employment IS NOT NULL OR status_in_employment_src = ''),
                tally('number.earnings', NOT bad_earnings),
                tally('range.age', age IS NOT NULL AND age BETWEEN 0 AND 120),
                tally('required.weight', weight IS NOT NULL AND weight > 0 AND weight < 10000000),
                tally('conditional.employed_has_occupation', lf_status <> 'EMP' OR occupation IS NOT NULL),
                tally('conditional.lf_status_of_working_age', lf_status IS NULL OR working_age),
                tally('unique.record_id', NOT repeated_id),
                stated('completeness.sex', true, sex IS NOT NULL),
                stated('completeness.occupation.employed', lf_status = 'EMP', occupation IS NOT NULL),
                stated('completeness.earnings.employed', lf_status = 'EMP', earnings IS NOT NULL)] AS counts
        FROM checked)
    UNION ALL
    SELECT * FROM source_checks
) TO '${OUT}/validation.parquet' (FORMAT parquet);
COPY (
    SELECT record_id, count(*) AS n FROM checked WHERE repeated_id GROUP BY record_id
) TO '${OUT}/duplicates.parquet' (FORMAT parquet);
