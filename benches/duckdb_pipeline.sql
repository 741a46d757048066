-- The ilms job on a generated round (`ilms generate`: one survey, MYS_LFS_2024, a Malaysian-style
-- labour force survey in national codes), written as a DuckDB SQL pipeline (benches/run.py runs it
-- with ${ROUND} and ${OUT} substituted). Same work as `ilms run`: read the CSV as text; harmonize it
-- as the spec (schemas/sources/mys_lfs_2024.toml) says, the national codes through the same code
-- maps (sex and labour force status inline, countries and occupations from the round's
-- schemas/classifications/national/); derive the contract's columns (working age, place-of-birth
-- and citizenship status, age bands from the translation table of schemas/classifications/groupings/);
-- apply the error rules in ilms's order (the domain rules of the maps in variable-name order, then
-- schemas/rules/records.toml in file order, then uniqueness); write the clean records (the full
-- contract: variables the source lacks as null columns, raw values beside the harmonized ones) and
-- the quarantine as Parquet (zstd); tabulate the survey's indicator set (29 indicators of
-- schemas/indicators.toml: counts with every margin by CUBE in fixed-point weights, each version of
-- each breakdown, rates, distributions, shares), flag reliability, write them as Parquet and CSV,
-- and the coverage and validation reports.
--
-- What is written in here rather than read: the spec's constants (source id, area, year, the two
-- inline maps), the groupings that schemas/indicators.toml declares inline (skill levels), the
-- dimension value expressions of indicators.toml (domestic work, the "other countries" codes) and
-- the thresholds of schemas/disclosure.toml (sample_survey: U below 15 records, S below 5).
SET preserve_insertion_order = true;

-- The spec's maps: a target of "" (null here) is "not stated"; a raw code without an entry is
-- unmapped (quarantined). The map files are read with their columns given (no sniffing).
CREATE TEMP TABLE sex_map(code VARCHAR, value VARCHAR);
INSERT INTO sex_map VALUES ('1', 'M'), ('2', 'F'), ('9', NULL);
CREATE TEMP TABLE lf_map(code VARCHAR, value VARCHAR);
INSERT INTO lf_map VALUES ('1', 'EMP'), ('2', 'UNE'), ('3', 'OLF'), ('', NULL);
CREATE TEMP TABLE country_map AS
    SELECT coalesce(national_code, '') AS code, nullif(iso3, '') AS value
    FROM read_csv('${ROUND}/schemas/classifications/national/mys_lfs_countries.csv', comment = '#', header = true, auto_detect = false,
                  columns = {'national_code': 'VARCHAR', 'iso3': 'VARCHAR', 'label': 'VARCHAR'});
CREATE TEMP TABLE occupation_map AS
    SELECT coalesce(national_code, '') AS code, nullif(isco08, '') AS value
    FROM read_csv('${ROUND}/schemas/classifications/national/mys_lfs_occupations.csv', comment = '#', header = true, auto_detect = false,
                  columns = {'national_code': 'VARCHAR', 'isco08': 'VARCHAR', 'label': 'VARCHAR'});
-- The translation table that makes the age bands, and the code lists' total codes.
CREATE TEMP TABLE age_groups AS
    SELECT CAST(age AS INTEGER) AS age, age_5yr, age_10yr, age_aggregate, age_youth_adult
    FROM read_csv('${ROUND}/schemas/classifications/groupings/age.csv', comment = '#', header = true, auto_detect = false,
                  columns = {'age': 'VARCHAR', 'age_5yr': 'VARCHAR', 'age_10yr': 'VARCHAR', 'age_aggregate': 'VARCHAR', 'age_youth_adult': 'VARCHAR'});
CREATE TEMP TABLE totals AS
    SELECT version, code AS total
    FROM read_csv('${ROUND}/schemas/classifications/ilostat_codelists.csv', comment = '#', header = true, auto_detect = false,
                  columns = {'version': 'VARCHAR', 'code': 'VARCHAR', 'level': 'VARCHAR', 'is_total': 'VARCHAR', 'label': 'VARCHAR', 'sort': 'VARCHAR', 'origin': 'VARCHAR'})
    WHERE is_total = 'Y';

-- Harmonize and check every record: JANTINA sex, UMUR age, NEGARA_LAHIR / WARGANEGARA country of
-- birth / citizenship, STATUS_AKTIVITI labour force status, PEKERJAAN occupation (ISCO-08),
-- PENDAPATAN monthly earnings (a blank is not stated; no number, negative or 100 million or more:
-- not stated and counted by the warning rule number.earnings), PEMBERAT the weight, HH_ID and
-- PERSON_NO the id columns. A blank field is read as '' (ilms reads it so, not as null).
CREATE TEMP TABLE checked AS
WITH raw AS (
    SELECT row_number() OVER () AS source_row, *
    FROM read_csv('${ROUND}/raw/mys_lfs_2024.csv', header = true, all_varchar = true)
), repeated AS (
    SELECT coalesce(HH_ID, '') AS hh_id, coalesce(PERSON_NO, '') AS person_no
    FROM raw GROUP BY ALL HAVING count(*) > 1
), harmonized AS (
    SELECT
        'MYS' AS ref_area, '2024' AS time, 'MYS_LFS_2024' AS source_id, 'BA' AS source_type,
        coalesce(raw.HH_ID, '') || '-' || coalesce(raw.PERSON_NO, '') AS record_id,
        CAST(source_row AS UINTEGER) AS source_row,
        -- A number as polars reads one: DuckDB's cast would also take surrounding blanks and digit
        -- separators (' 5', '1_000'), which ilms refuses.
        CASE WHEN NOT regexp_matches(raw.PEMBERAT, '[\s_]') THEN try_cast(raw.PEMBERAT AS DOUBLE) END AS weight,
        sx.value AS sex,
        CASE WHEN regexp_full_match(raw.UMUR, '[+-]?[0-9]+') THEN try_cast(raw.UMUR AS INTEGER) END AS age,
        cb.value AS country_of_birth, ct.value AS citizenship, lf.value AS lf_status, oc.value AS occupation,
        -- Earnings are read with surrounding blanks stripped (DuckDB's cast ignores them too).
        CASE WHEN strpos(raw.PENDAPATAN, '_') = 0 THEN try_cast(raw.PENDAPATAN AS DOUBLE) END AS amount,
        coalesce(raw.PEMBERAT, '') AS weight_src, coalesce(raw.UMUR, '') AS age_src,
        coalesce(raw.WARGANEGARA, '') AS citizenship_src, coalesce(raw.NEGARA_LAHIR, '') AS country_of_birth_src,
        coalesce(raw.PENDAPATAN, '') AS earnings_src, coalesce(raw.STATUS_AKTIVITI, '') AS lf_status_src,
        coalesce(raw.PEKERJAAN, '') AS occupation_src, coalesce(raw.JANTINA, '') AS sex_src,
        coalesce(raw.PENDAPATAN, '') = '' OR (try_cast(raw.PENDAPATAN AS DOUBLE) IS NULL AND regexp_full_match(raw.PENDAPATAN, '\s+')) AS earnings_blank,
        sx.code IS NULL AS unmapped_sex, cb.code IS NULL AS unmapped_cb, ct.code IS NULL AS unmapped_ct,
        lf.code IS NULL AS unmapped_lf, oc.code IS NULL AS unmapped_oc,
        repeated.hh_id IS NOT NULL AS repeated_id
    FROM raw
    LEFT JOIN sex_map sx ON coalesce(raw.JANTINA, '') = sx.code
    LEFT JOIN country_map cb ON coalesce(raw.NEGARA_LAHIR, '') = cb.code
    LEFT JOIN country_map ct ON coalesce(raw.WARGANEGARA, '') = ct.code
    LEFT JOIN lf_map lf ON coalesce(raw.STATUS_AKTIVITI, '') = lf.code
    LEFT JOIN occupation_map oc ON coalesce(raw.PEKERJAAN, '') = oc.code
    LEFT JOIN repeated ON coalesce(raw.HH_ID, '') = repeated.hh_id AND coalesce(raw.PERSON_NO, '') = repeated.person_no
)
SELECT h.*,
    h.age >= 15 AS working_age,
    CASE WHEN country_of_birth IS NULL THEN NULL WHEN country_of_birth = ref_area THEN 'NATIVE' ELSE 'FOREIGN' END AS birth_status,
    CASE WHEN citizenship IS NULL THEN NULL WHEN citizenship = ref_area THEN 'CITIZEN' ELSE 'NONCIT' END AS citizenship_status,
    CASE WHEN NOT earnings_blank AND amount >= 0 AND amount < 100000000 THEN amount END AS earnings,
    NOT earnings_blank AND NOT coalesce(amount >= 0 AND amount < 100000000, false) AS bad_earnings,
    ag.age_5yr, ag.age_10yr, ag.age_aggregate, ag.age_youth_adult,
    -- The first failing error rule: the maps' domain rules (variables in name order), records.toml
    -- in file order (range.age, required.weight), then unique.record_id.
    CASE
        WHEN unmapped_ct THEN 'unmapped_code.citizenship'
        WHEN unmapped_cb THEN 'unmapped_code.country_of_birth'
        WHEN unmapped_lf THEN 'unmapped_code.lf_status'
        WHEN unmapped_oc THEN 'unmapped_code.occupation'
        WHEN unmapped_sex THEN 'unmapped_code.sex'
        WHEN NOT coalesce(h.age IS NOT NULL AND h.age BETWEEN 0 AND 120, false) THEN 'range.age'
        WHEN NOT coalesce(weight IS NOT NULL AND weight > 0 AND weight < 10000000, false) THEN 'required.weight'
        WHEN repeated_id THEN 'unique.record_id'
    END AS rule
FROM harmonized h
LEFT JOIN age_groups ag ON h.age = ag.age;

-- records:begin (left out when benchmarking runs without harmonized records)
COPY (
    SELECT ref_area, time, source_id, source_type, record_id, source_row, weight, sex, age, working_age,
           country_of_birth, birth_status, citizenship, citizenship_status,
           -- The round declares no migrant definition for MYS ([migrants] in ilms.toml).
           NULL::VARCHAR AS migrant_status, NULL::VARCHAR AS migrant_country,
           lf_status, occupation, 'ISCO08' AS occupation_version, occupation AS occupation_isco08,
           NULL::VARCHAR AS occupation_isco88,
           NULL::VARCHAR AS industry, NULL::VARCHAR AS industry_version, NULL::VARCHAR AS industry_isic4,
           NULL::VARCHAR AS industry_section, NULL::VARCHAR AS industry_isic3_section,
           NULL::VARCHAR AS education, NULL::VARCHAR AS education_aggregate, NULL::VARCHAR AS status_in_employment,
           earnings,
           NULL::VARCHAR AS flow, NULL::VARCHAR AS destination, NULL::VARCHAR AS origin, NULL::VARCHAR AS purpose,
           NULL::BOOLEAN AS for_employment,
           age_5yr, age_10yr, age_aggregate, age_youth_adult,
           weight_src, age_src, citizenship_src, country_of_birth_src, earnings_src, lf_status_src, occupation_src, sex_src
    FROM checked WHERE rule IS NULL
) TO '${OUT}/harmonized.parquet' (FORMAT parquet, COMPRESSION zstd);
-- records:end

COPY (
    SELECT source_id, source_row, record_id, rule,
           CASE rule WHEN 'unmapped_code.citizenship' THEN 'WARGANEGARA' WHEN 'unmapped_code.country_of_birth' THEN 'NEGARA_LAHIR'
                     WHEN 'unmapped_code.lf_status' THEN 'STATUS_AKTIVITI' WHEN 'unmapped_code.occupation' THEN 'PEKERJAAN'
                     WHEN 'unmapped_code.sex' THEN 'JANTINA' WHEN 'range.age' THEN 'UMUR' WHEN 'required.weight' THEN 'PEMBERAT'
                     ELSE 'HH_ID, PERSON_NO' END AS column,
           CASE rule WHEN 'unmapped_code.citizenship' THEN citizenship_src WHEN 'unmapped_code.country_of_birth' THEN country_of_birth_src
                     WHEN 'unmapped_code.lf_status' THEN lf_status_src WHEN 'unmapped_code.occupation' THEN occupation_src
                     WHEN 'unmapped_code.sex' THEN sex_src WHEN 'range.age' THEN age_src WHEN 'required.weight' THEN weight_src
                     ELSE record_id END AS raw_value,
           CASE WHEN rule LIKE 'unmapped_code.%' THEN substr(rule, 15) || ': raw code not in the spec''s map; add it to the map or correct the record'
                WHEN rule = 'range.age' THEN 'age: missing or not a whole number from 0 to 120'
                WHEN rule = 'required.weight' THEN 'weight: missing, not a positive number, not finite (NaN, infinity) or 10 million or more (no record stands for that many persons); every survey record needs its weight'
                ELSE 'record_id: another record of the source has the same id columns' END AS message
    FROM checked WHERE rule IS NOT NULL
) TO '${OUT}/quarantine.parquet' (FORMAT parquet, COMPRESSION zstd);

-- Indicators, the set ilms publishes for this survey: those of the variables it lacks (industry,
-- education, status in employment, hence also the earnings of employees) are not available, and
-- those of migrants as the country defines them need a [migrants] entry for MYS in the round's
-- ilms.toml, which a generated round has not. As ilms does it: one aggregation of the clean records
-- into their finest cells (each with its breakdowns' values, the dimensions' `value` of
-- indicators.toml, a null value to the dimension's `unknown` code), then every table (each version
-- of each breakdown, every margin by CUBE) from those cells, in fixed-point weights.
CREATE TEMP TABLE cells AS
SELECT working_age AS wa, lf_status, coalesce(sex, 'X') AS sex, age_10yr, coalesce(birth_status, 'X') AS cbr,
       coalesce(citizenship_status, 'X') AS cct, coalesce(left(occupation, 1), 'X') AS ocu,
       -- Domestic work (DOM_WORK; this source codes occupations in ISCO-08 and has no industry, so
       -- only that branch: the domestic-work unit groups, other workers coded to a unit group).
       CASE WHEN occupation = '5152' OR occupation = '5162' OR occupation = '5322' OR occupation = '9111' THEN 'DOM'
            WHEN length(occupation) >= 4 THEN 'NDOM' ELSE 'X' END AS dom,
       CASE WHEN country_of_birth = 'XXX' THEN 'X' ELSE country_of_birth END AS cbr_country,
       CASE WHEN citizenship = 'XXA' OR citizenship = 'XXX' THEN 'X' ELSE citizenship END AS cct_country,
       sum(CAST(round(weight * 1000000) AS BIGINT)) AS w, count(*) AS n
FROM checked WHERE rule IS NULL GROUP BY ALL;

-- The populations (labour force status of their working-age records), and the versions of the
-- breakdowns: the age bands from the translation table (youth and adults: under 15 is outside),
-- the skill levels as indicators.toml groups the ISCO-08 major groups.
CREATE TEMP TABLE populations(pop VARCHAR, lf_status VARCHAR);
INSERT INTO populations VALUES ('XWAP', 'EMP'), ('XWAP', 'UNE'), ('XWAP', 'OLF'), ('XWAP', NULL),
    ('TEAP', 'EMP'), ('TEAP', 'UNE'), ('TEMP', 'EMP'), ('TUNE', 'UNE'), ('TEIP', 'OLF');
CREATE TEMP TABLE age_versions AS
    SELECT DISTINCT age_10yr, 'AGE_10YRBANDS' AS version, age_10yr AS code FROM age_groups
    UNION ALL SELECT DISTINCT age_10yr, 'AGE_AGGREGATE', age_aggregate FROM age_groups
    UNION ALL SELECT DISTINCT age_10yr, 'AGE_YTHADULT', age_youth_adult FROM age_groups WHERE age_youth_adult <> 'YLT15';
CREATE TEMP TABLE ocu_versions(ocu VARCHAR, version VARCHAR, code VARCHAR);
INSERT INTO ocu_versions
    SELECT d, 'OCU_ISCO08', d FROM unnest(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'X']) t(d)
    UNION ALL SELECT * FROM (VALUES ('1', 'OCU_SKILL', 'L3-4'), ('2', 'OCU_SKILL', 'L3-4'), ('3', 'OCU_SKILL', 'L3-4'),
        ('4', 'OCU_SKILL', 'L2'), ('5', 'OCU_SKILL', 'L2'), ('6', 'OCU_SKILL', 'L2'), ('7', 'OCU_SKILL', 'L2'),
        ('8', 'OCU_SKILL', 'L2'), ('9', 'OCU_SKILL', 'L1'), ('0', 'OCU_SKILL', 'X'), ('X', 'OCU_SKILL', 'X'));

-- Counts: populations by sex, age and migrant status (place of birth; citizenship), employment by
-- sex, occupation or domestic work and migrant status, migrants by country of birth or citizenship.
CREATE TEMP TABLE counts AS
WITH by_series AS (
    SELECT 'CBR' AS series, 'CBR_BIR' AS status_version, cbr AS status, * FROM cells
    UNION ALL
    SELECT 'CCT', 'CCT_CIT', cct, * FROM cells
)
SELECT 'AGE' AS kind, p.pop, s.series, a.version, 'MST_' || p.pop || '_SEX_AGE_' || s.series || '_NB' AS indicator,
       coalesce('SEX_' || s.sex, 'SEX_T') AS sex, coalesce(a.version || '_' || a.code, t1.total) AS classif1,
       coalesce(s.status_version || '_' || s.status, t2.total) AS classif2, sum(s.w) AS w, sum(s.n) AS n
FROM by_series s JOIN populations p ON s.lf_status IS NOT DISTINCT FROM p.lf_status JOIN age_versions a USING (age_10yr)
JOIN totals t1 ON t1.version = a.version JOIN totals t2 ON t2.version = s.status_version
WHERE s.wa
GROUP BY p.pop, s.series, s.status_version, a.version, t1.total, t2.total, CUBE(s.sex, a.code, s.status)
UNION ALL
SELECT 'OCU', 'TEMP', s.series, o.version, 'MST_TEMP_SEX_OCU_' || s.series || '_NB',
       coalesce('SEX_' || s.sex, 'SEX_T'), coalesce(o.version || '_' || o.code, t1.total),
       coalesce(s.status_version || '_' || s.status, t2.total), sum(s.w), sum(s.n)
FROM by_series s JOIN ocu_versions o USING (ocu) JOIN totals t1 ON t1.version = o.version JOIN totals t2 ON t2.version = s.status_version
WHERE s.wa AND s.lf_status = 'EMP'
GROUP BY s.series, s.status_version, o.version, t1.total, t2.total, CUBE(s.sex, o.code, s.status)
UNION ALL
SELECT 'DOM', 'TEMP', s.series, 'DOM_WORK', 'MST_TEMP_SEX_DOM_' || s.series || '_NB',
       coalesce('SEX_' || s.sex, 'SEX_T'), coalesce('DOM_WORK_' || s.dom, t1.total),
       coalesce(s.status_version || '_' || s.status, t2.total), sum(s.w), sum(s.n)
FROM by_series s JOIN totals t1 ON t1.version = 'DOM_WORK' JOIN totals t2 ON t2.version = s.status_version
WHERE s.wa AND s.lf_status = 'EMP'
GROUP BY s.series, s.status_version, t1.total, t2.total, CUBE(s.sex, s.dom, s.status)
UNION ALL
SELECT 'COUNTRY', NULL, NULL, NULL, u.indicator, coalesce('SEX_' || sex, 'SEX_T'),
       coalesce('CBR_BRT_' || cbr_country, t.total), NULL, sum(w), sum(n)
FROM cells
JOIN (VALUES ('MST_FORE_SEX_CBR_NB', true), ('MST_FORP_SEX_CBR_NB', false)) u(indicator, employed_only)
    ON NOT u.employed_only OR lf_status = 'EMP'
JOIN totals t ON t.version = 'CBR_BRT'
WHERE wa AND cbr = 'FOREIGN' GROUP BY u.indicator, t.total, CUBE(sex, cbr_country)
UNION ALL
-- Non-citizens: employed and of working age, of working age, and all ages (NCTT).
SELECT 'COUNTRY', NULL, NULL, NULL, u.indicator, coalesce('SEX_' || sex, 'SEX_T'),
       coalesce('CCT_CTZ_' || cct_country, t.total), NULL, sum(w), sum(n)
FROM cells
JOIN (VALUES ('MST_NCTE_SEX_CCT_NB', true, true), ('MST_NCTP_SEX_CCT_NB', true, false),
             ('MST_NCTT_SEX_CCT_NB', false, false)) u(indicator, working_age_only, employed_only)
    ON (NOT u.working_age_only OR wa) AND (NOT u.employed_only OR lf_status = 'EMP')
JOIN totals t ON t.version = 'CCT_CTZ'
WHERE cct = 'NONCIT' GROUP BY u.indicator, t.total, CUBE(sex, cct_country);

-- Rates (100 x numerator / denominator, same cell), distributions by occupation (100 x cell /
-- the occupation total of its row) and the shares of migrants in the working-age population.
CREATE TEMP TABLE published AS
SELECT indicator, sex, classif1, classif2, w / 1e9 AS obs_value, n AS sample_count, 'PS' AS unit, 3 AS unit_mult
FROM counts
UNION ALL
SELECT 'MST_' || r.num || '_SEX_AGE_' || a.series || '_RT', a.sex, a.classif1, a.classif2, 100.0 * a.w / b.w, a.n, 'PT', 0
FROM counts a JOIN (VALUES ('TEAP', 'XWAP'), ('TEMP', 'XWAP'), ('TUNE', 'TEAP')) r(num, den) ON a.kind = 'AGE' AND a.pop = r.num
JOIN counts b ON b.kind = 'AGE' AND b.pop = r.den AND b.series = a.series AND b.sex = a.sex
    AND b.classif1 = a.classif1 AND b.classif2 = a.classif2
WHERE b.w > 0
UNION ALL
SELECT 'MST_TEMP_SEX_' || c.series || '_OCU_DT', c.sex, c.classif2, c.classif1, 100.0 * c.w / t.w, c.n, 'PT', 0
FROM counts c JOIN counts t ON c.kind = 'OCU' AND t.kind = 'OCU' AND t.series = c.series AND t.sex = c.sex
    AND t.classif2 = c.classif2 AND t.classif1 = c.version || '_TOTAL' AND c.classif1 <> t.classif1
WHERE t.w > 0
UNION ALL
SELECT CASE c.series WHEN 'CBR' THEN 'MST_WFOR_SEX_AGE_RT' ELSE 'MST_WNCT_SEX_AGE_RT' END, c.sex, c.classif1, NULL,
       100.0 * c.w / t.w, c.n, 'PT', 0
FROM counts c JOIN counts t ON c.kind = 'AGE' AND t.kind = 'AGE' AND c.pop = 'XWAP' AND t.pop = 'XWAP'
    AND t.series = c.series AND t.sex = c.sex AND t.classif1 = c.classif1 AND t.classif2 = c.series || '_' || CASE c.series WHEN 'CBR' THEN 'BIR' ELSE 'CIT' END || '_TOTAL'
WHERE (c.classif2 = 'CBR_BIR_FOREIGN' OR c.classif2 = 'CCT_CIT_NONCIT') AND c.version <> 'AGE_YTHADULT' AND t.w > 0;

-- Published as ilms publishes them: ILO's reliability flags on the records behind a cell (sample
-- survey: fewer than 5 withheld, S; fewer than 15 unreliable, U; a withheld cell shows neither its
-- value nor its records), a Hive partitioned Parquet dataset and an ILOSTAT-style CSV.
CREATE TEMP TABLE flagged AS
SELECT *, CASE WHEN sample_count < 5 THEN 'S' WHEN sample_count < 15 THEN 'U' END AS obs_status
FROM published;
COPY (
    SELECT 'MYS_LFS_2024' AS source, indicator, sex, classif1, classif2,
           CASE WHEN obs_status IS DISTINCT FROM 'S' THEN obs_value END AS obs_value, obs_status,
           CASE WHEN obs_status IS DISTINCT FROM 'S' THEN sample_count END AS sample_count,
           unit, unit_mult, 'MYS' AS ref_area, 2024 AS time
    FROM flagged
) TO '${OUT}/indicators' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (ref_area, time), OVERWRITE_OR_IGNORE true);
COPY (
    SELECT 'MYS' AS ref_area, 'MYS_LFS_2024' AS source, indicator, sex, classif1, classif2, 2024 AS time,
           CASE WHEN obs_status IS DISTINCT FROM 'S' THEN obs_value END AS obs_value, obs_status
    FROM flagged ORDER BY indicator, sex, classif1, classif2
) TO '${OUT}/indicators_ilostat.csv' (HEADER);

-- The mapping coverage report: records and weights per raw code of every coded variable.
COPY (
    SELECT 'sex' AS variable, sex_src AS raw_code, count(*) AS records, sum(weight) AS weighted FROM checked GROUP BY ALL
    UNION ALL SELECT 'country_of_birth', country_of_birth_src, count(*), sum(weight) FROM checked GROUP BY ALL
    UNION ALL SELECT 'citizenship', citizenship_src, count(*), sum(weight) FROM checked GROUP BY ALL
    UNION ALL SELECT 'lf_status', lf_status_src, count(*), sum(weight) FROM checked GROUP BY ALL
    UNION ALL SELECT 'occupation', occupation_src, count(*), sum(weight) FROM checked GROUP BY ALL
) TO '${OUT}/coverage.parquet' (FORMAT parquet, COMPRESSION zstd);

-- The validation report: every applied rule's records passing, failing and missing (as ilms counts
-- them: a null check is missing), the completeness shares, and the ids carried by more than one record.
CREATE TEMP MACRO tally(rule, ok) AS
    {'rule': rule, 'passes': count_if(ok)::BIGINT, 'fails': count_if(NOT ok)::BIGINT, 'missing': count_if(ok IS NULL)::BIGINT};
CREATE TEMP MACRO stated(rule, universe, ok) AS
    {'rule': rule, 'passes': count_if(universe AND ok)::BIGINT, 'fails': count_if(universe AND NOT ok)::BIGINT, 'missing': 0::BIGINT};
COPY (
    SELECT unnest(counts, recursive := true) FROM (
        SELECT [tally('unmapped_code.citizenship', NOT unmapped_ct),
                tally('unmapped_code.country_of_birth', NOT unmapped_cb),
                tally('unmapped_code.lf_status', NOT unmapped_lf),
                tally('unmapped_code.occupation', NOT unmapped_oc),
                tally('unmapped_code.sex', NOT unmapped_sex),
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
) TO '${OUT}/validation.parquet' (FORMAT parquet);
COPY (
    SELECT record_id, count(*) AS n FROM checked WHERE repeated_id GROUP BY record_id
) TO '${OUT}/duplicates.parquet' (FORMAT parquet);
