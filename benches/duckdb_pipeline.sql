-- The ilms job on a generated round, written as a DuckDB SQL pipeline (benches/run.py runs it with
-- ${ROUND} and ${OUT} substituted). Same work as `ilms run`: read the CSV as text, map the national
-- codes through the same code maps, derive the harmonized columns, apply the same record rules in
-- the same order, write the clean records (the full contract: variables the source lacks as null
-- columns, ILOSTAT age bands) and the quarantine as Parquet (zstd), tabulate the survey's full
-- indicator set (counts with every margin by CUBE in fixed-point weights, rates, distributions,
-- shares), flag reliability, write them as Parquet and CSV, and the coverage and validation reports.
SET preserve_insertion_order = true;

CREATE TEMP TABLE sex_map(code VARCHAR, value VARCHAR);
INSERT INTO sex_map VALUES ('1', 'M'), ('2', 'F'), ('9', NULL);
CREATE TEMP TABLE lf_map(code VARCHAR, value VARCHAR);
INSERT INTO lf_map VALUES ('1', 'EMP'), ('2', 'UNE'), ('3', 'OLF'), ('', NULL);
CREATE TEMP TABLE country_map AS
    SELECT coalesce(national_code, '') AS code, nullif(iso3, '') AS value
    FROM read_csv('${ROUND}/schemas/classifications/national/mys_lfs_countries.csv', comment = '#', header = true, all_varchar = true);
CREATE TEMP TABLE occupation_map AS
    SELECT coalesce(national_code, '') AS code, nullif(isco08, '') AS value
    FROM read_csv('${ROUND}/schemas/classifications/national/mys_lfs_occupations.csv', comment = '#', header = true, all_varchar = true);

CREATE TEMP TABLE checked AS
WITH raw AS (
    SELECT row_number() OVER () AS source_row, *
    FROM read_csv('${ROUND}/raw/mys_lfs_2024.csv', header = true, all_varchar = true)
), harmonized AS (
    SELECT
        'MYS' AS ref_area, '2024' AS time, 'MYS_LFS_2024' AS source_id, 'BA' AS source_type,
        HH_ID || '-' || PERSON_NO AS record_id, source_row,
        try_cast(PEMBERAT AS DOUBLE) AS weight,
        sx.value AS sex, try_cast(UMUR AS INTEGER) AS age,
        cb.value AS country_of_birth, ct.value AS citizenship, lf.value AS lf_status, oc.value AS occupation,
        coalesce(PEMBERAT, '') AS weight_src, coalesce(JANTINA, '') AS sex_src, coalesce(UMUR, '') AS age_src,
        coalesce(NEGARA_LAHIR, '') AS country_of_birth_src, coalesce(WARGANEGARA, '') AS citizenship_src,
        coalesce(STATUS_AKTIVITI, '') AS lf_status_src, coalesce(PEKERJAAN, '') AS occupation_src,
        sx.code IS NULL AS unmapped_sex, cb.code IS NULL AS unmapped_cb, ct.code IS NULL AS unmapped_ct,
        lf.code IS NULL AS unmapped_lf, oc.code IS NULL AS unmapped_oc
    FROM raw
    LEFT JOIN sex_map sx ON coalesce(raw.JANTINA, '') = sx.code
    LEFT JOIN country_map cb ON coalesce(raw.NEGARA_LAHIR, '') = cb.code
    LEFT JOIN country_map ct ON coalesce(raw.WARGANEGARA, '') = ct.code
    LEFT JOIN lf_map lf ON coalesce(raw.STATUS_AKTIVITI, '') = lf.code
    LEFT JOIN occupation_map oc ON coalesce(raw.PEKERJAAN, '') = oc.code
)
SELECT *,
    age >= 15 AS working_age,
    CASE WHEN age >= 65 THEN 'YGE65' ELSE printf('Y%02d-%02d', age // 5 * 5, age // 5 * 5 + 4) END AS age_5yr,
    CASE WHEN age < 15 THEN 'YLT15' WHEN age >= 65 THEN 'YGE65'
         ELSE printf('Y%02d-%02d', 15 + (age - 15) // 10 * 10, 24 + (age - 15) // 10 * 10) END AS age_10yr,
    CASE WHEN age < 15 THEN 'YLT15' WHEN age < 25 THEN 'Y15-24' WHEN age < 55 THEN 'Y25-54'
         WHEN age < 65 THEN 'Y55-64' ELSE 'YGE65' END AS age_aggregate,
    CASE WHEN age < 15 THEN 'YLT15' WHEN age < 25 THEN 'Y15-24' ELSE 'YGE25' END AS age_youth_adult,
    CASE WHEN country_of_birth IS NULL THEN NULL WHEN country_of_birth = ref_area THEN 'NATIVE' ELSE 'FOREIGN' END AS birth_status,
    CASE WHEN citizenship IS NULL THEN NULL WHEN citizenship = ref_area THEN 'CITIZEN' ELSE 'NONCIT' END AS citizenship_status,
    CASE
        WHEN age IS NULL OR age < 0 OR age > 120 THEN 'range.age'
        WHEN unmapped_ct THEN 'unmapped_code.citizenship'
        WHEN unmapped_cb THEN 'unmapped_code.country_of_birth'
        WHEN unmapped_lf THEN 'unmapped_code.lf_status'
        WHEN unmapped_oc THEN 'unmapped_code.occupation'
        WHEN unmapped_sex THEN 'unmapped_code.sex'
        WHEN weight IS NULL OR weight <= 0 THEN 'required.weight'
    END AS rule
FROM harmonized;

-- records:begin (left out when benchmarking runs without harmonized records)
COPY (
    SELECT ref_area, time, source_id, source_type, record_id, source_row, weight, sex, age, working_age,
           country_of_birth, birth_status, citizenship, citizenship_status, lf_status, occupation,
           NULL::VARCHAR AS industry, NULL::VARCHAR AS industry_section, NULL::VARCHAR AS education,
           NULL::VARCHAR AS education_aggregate, NULL::VARCHAR AS status_in_employment, NULL::VARCHAR AS flow,
           NULL::VARCHAR AS destination, NULL::VARCHAR AS origin,
           age_5yr, age_10yr, age_aggregate, age_youth_adult,
           weight_src, age_src, citizenship_src, country_of_birth_src, lf_status_src, occupation_src, sex_src
    FROM checked WHERE rule IS NULL
) TO '${OUT}/harmonized.parquet' (FORMAT parquet, COMPRESSION zstd);
-- records:end

COPY (
    SELECT source_id, source_row, record_id, rule,
           CASE rule WHEN 'range.age' THEN 'UMUR' WHEN 'unmapped_code.citizenship' THEN 'WARGANEGARA'
                     WHEN 'unmapped_code.country_of_birth' THEN 'NEGARA_LAHIR' WHEN 'unmapped_code.lf_status' THEN 'STATUS_AKTIVITI'
                     WHEN 'unmapped_code.occupation' THEN 'PEKERJAAN' WHEN 'unmapped_code.sex' THEN 'JANTINA'
                     ELSE 'PEMBERAT' END AS column,
           CASE rule WHEN 'range.age' THEN age_src WHEN 'unmapped_code.citizenship' THEN citizenship_src
                     WHEN 'unmapped_code.country_of_birth' THEN country_of_birth_src WHEN 'unmapped_code.lf_status' THEN lf_status_src
                     WHEN 'unmapped_code.occupation' THEN occupation_src WHEN 'unmapped_code.sex' THEN sex_src
                     ELSE weight_src END AS raw_value,
           rule || ': see the rule' AS message
    FROM checked WHERE rule IS NOT NULL
) TO '${OUT}/quarantine.parquet' (FORMAT parquet, COMPRESSION zstd);

-- Indicators, the set ilms publishes for this survey (the indicators of variables it lacks,
-- industry, education and status in employment, are not available). As ilms does it: one
-- aggregation of the clean working-age records into their finest cells, then every table (each
-- version of each breakdown, every margin by CUBE) from those cells, in fixed-point weights.
CREATE TEMP TABLE cells AS
SELECT coalesce(sex, 'X') AS sex, age_10yr, coalesce(birth_status, 'X') AS cbr,
       coalesce(citizenship_status, 'X') AS cct, coalesce(left(occupation, 1), 'X') AS ocu, lf_status,
       country_of_birth, CASE WHEN citizenship = 'XXA' THEN 'X' ELSE citizenship END AS citizenship,
       sum(CAST(round(weight * 1000000) AS BIGINT)) AS w, count(*) AS n
FROM checked WHERE rule IS NULL AND working_age GROUP BY ALL;

-- The populations (labour force status of their records), and the versions of the breakdowns (the
-- total of youth and adults is ILOSTAT's AGE_YTHADULT_YGE15).
CREATE TEMP TABLE populations(pop VARCHAR, lf_status VARCHAR);
INSERT INTO populations VALUES ('XWAP', 'EMP'), ('XWAP', 'UNE'), ('XWAP', 'OLF'), ('XWAP', NULL),
    ('TEAP', 'EMP'), ('TEAP', 'UNE'), ('TEMP', 'EMP'), ('TUNE', 'UNE'), ('TEIP', 'OLF');
CREATE TEMP TABLE age_versions(age_10yr VARCHAR, version VARCHAR, code VARCHAR);
INSERT INTO age_versions VALUES
    ('Y15-24', 'AGE_10YRBANDS', 'Y15-24'), ('Y25-34', 'AGE_10YRBANDS', 'Y25-34'), ('Y35-44', 'AGE_10YRBANDS', 'Y35-44'),
    ('Y45-54', 'AGE_10YRBANDS', 'Y45-54'), ('Y55-64', 'AGE_10YRBANDS', 'Y55-64'), ('YGE65', 'AGE_10YRBANDS', 'YGE65'),
    ('Y15-24', 'AGE_AGGREGATE', 'Y15-24'), ('Y25-34', 'AGE_AGGREGATE', 'Y25-54'), ('Y35-44', 'AGE_AGGREGATE', 'Y25-54'),
    ('Y45-54', 'AGE_AGGREGATE', 'Y25-54'), ('Y55-64', 'AGE_AGGREGATE', 'Y55-64'), ('YGE65', 'AGE_AGGREGATE', 'YGE65'),
    ('Y15-24', 'AGE_YTHADULT', 'Y15-24'), ('Y25-34', 'AGE_YTHADULT', 'YGE25'), ('Y35-44', 'AGE_YTHADULT', 'YGE25'),
    ('Y45-54', 'AGE_YTHADULT', 'YGE25'), ('Y55-64', 'AGE_YTHADULT', 'YGE25'), ('YGE65', 'AGE_YTHADULT', 'YGE25');
CREATE TEMP TABLE ocu_versions(ocu VARCHAR, version VARCHAR, code VARCHAR);
INSERT INTO ocu_versions
    SELECT d, 'OCU_ISCO08', d FROM unnest(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'X']) t(d)
    UNION ALL SELECT * FROM (VALUES ('1', 'OCU_SKILL', 'L3-4'), ('2', 'OCU_SKILL', 'L3-4'), ('3', 'OCU_SKILL', 'L3-4'),
        ('4', 'OCU_SKILL', 'L2'), ('5', 'OCU_SKILL', 'L2'), ('6', 'OCU_SKILL', 'L2'), ('7', 'OCU_SKILL', 'L2'),
        ('8', 'OCU_SKILL', 'L2'), ('9', 'OCU_SKILL', 'L1'), ('0', 'OCU_SKILL', 'X'), ('X', 'OCU_SKILL', 'X'));

-- Counts: populations by sex, age and migrant status (place of birth; citizenship), employment by
-- sex, occupation and migrant status, migrants by country of birth or citizenship.
CREATE TEMP TABLE counts AS
WITH by_series AS (
    SELECT 'CBR' AS series, 'CBR_BIR_' || cbr AS status, 'CBR_BIR_TOTAL' AS status_total, * FROM cells
    UNION ALL
    SELECT 'CCT', 'CCT_CIT_' || cct, 'CCT_CIT_TOTAL', * FROM cells
)
SELECT 'AGE' AS kind, p.pop, s.series, a.version, 'MST_' || p.pop || '_SEX_AGE_' || s.series || '_NB' AS indicator,
       coalesce('SEX_' || s.sex, 'SEX_T') AS sex, coalesce(a.version || '_' || a.code, a.version || CASE a.version WHEN 'AGE_YTHADULT' THEN '_YGE15' ELSE '_TOTAL' END) AS classif1,
       coalesce(s.status, s.status_total) AS classif2, sum(s.w) AS w, sum(s.n) AS n
FROM by_series s JOIN populations p ON s.lf_status IS NOT DISTINCT FROM p.lf_status JOIN age_versions a USING (age_10yr)
GROUP BY p.pop, s.series, s.status_total, a.version, CUBE(s.sex, a.code, s.status)
UNION ALL
SELECT 'OCU', 'TEMP', s.series, o.version, 'MST_TEMP_SEX_OCU_' || s.series || '_NB',
       coalesce('SEX_' || s.sex, 'SEX_T'), coalesce(o.version || '_' || o.code, o.version || '_TOTAL'),
       coalesce(s.status, s.status_total), sum(s.w), sum(s.n)
FROM by_series s JOIN ocu_versions o USING (ocu) WHERE s.lf_status = 'EMP'
GROUP BY s.series, s.status_total, o.version, CUBE(s.sex, o.code, s.status)
UNION ALL
SELECT 'COUNTRY', NULL, NULL, NULL, CASE WHEN employed_only THEN 'MST_FORE_SEX_CBR_NB' ELSE 'MST_FORP_SEX_CBR_NB' END,
       coalesce('SEX_' || sex, 'SEX_T'), coalesce('CBR_BRT_' || country_of_birth, 'CBR_BRT_TOTAL'), NULL, sum(w), sum(n)
FROM cells JOIN (VALUES (true), (false)) e(employed_only) ON NOT employed_only OR lf_status = 'EMP'
WHERE cbr = 'FOREIGN' GROUP BY employed_only, CUBE(sex, country_of_birth)
UNION ALL
SELECT 'COUNTRY', NULL, NULL, NULL, CASE WHEN employed_only THEN 'MST_NCTE_SEX_CCT_NB' ELSE 'MST_NCTP_SEX_CCT_NB' END,
       coalesce('SEX_' || sex, 'SEX_T'), coalesce('CCT_CTZ_' || citizenship, 'CCT_CTZ_TOTAL'), NULL, sum(w), sum(n)
FROM cells JOIN (VALUES (true), (false)) e(employed_only) ON NOT employed_only OR lf_status = 'EMP'
WHERE cct = 'NONCIT' GROUP BY employed_only, CUBE(sex, citizenship);

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

-- Published as ilms publishes them: ILO's reliability flags on the records behind a cell, a Hive
-- partitioned Parquet dataset and an ILOSTAT-style CSV.
COPY (
    SELECT 'MYS_LFS_2024' AS source, indicator, sex, classif1, classif2,
           CASE WHEN sample_count >= 5 THEN obs_value END AS obs_value,
           CASE WHEN sample_count < 5 THEN 'S' WHEN sample_count < 15 THEN 'U' END AS obs_status,
           sample_count, unit, unit_mult, 'MYS' AS ref_area, 2024 AS time
    FROM published
) TO '${OUT}/indicators' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (ref_area, time), OVERWRITE_OR_IGNORE true);
COPY (
    SELECT 'MYS' AS ref_area, 'MYS_LFS_2024' AS source, indicator, sex, classif1, classif2, 2024 AS time,
           CASE WHEN sample_count >= 5 THEN obs_value END AS obs_value,
           CASE WHEN sample_count < 5 THEN 'S' WHEN sample_count < 15 THEN 'U' END AS obs_status
    FROM published ORDER BY indicator, sex, classif1, classif2
) TO '${OUT}/indicators_ilostat.csv' (HEADER);

-- The mapping coverage report: records and weights per raw code of every coded variable.
COPY (
    SELECT 'sex' AS variable, sex_src AS raw_code, count(*) AS records, sum(weight) AS weighted FROM checked GROUP BY ALL
    UNION ALL SELECT 'country_of_birth', country_of_birth_src, count(*), sum(weight) FROM checked GROUP BY ALL
    UNION ALL SELECT 'citizenship', citizenship_src, count(*), sum(weight) FROM checked GROUP BY ALL
    UNION ALL SELECT 'lf_status', lf_status_src, count(*), sum(weight) FROM checked GROUP BY ALL
    UNION ALL SELECT 'occupation', occupation_src, count(*), sum(weight) FROM checked GROUP BY ALL
) TO '${OUT}/coverage.parquet' (FORMAT parquet, COMPRESSION zstd);

-- The validation report: the record rules' counts (pass / fail / missing, as ilms counts them), the
-- completeness shares, and the ids carried by more than one record (uniqueness).
COPY (
    SELECT count(*) AS items,
           count_if(lf_status <> 'EMP' OR occupation IS NOT NULL) AS employed_occupation_pass,
           count_if(NOT (lf_status <> 'EMP' OR occupation IS NOT NULL)) AS employed_occupation_fail,
           count_if(lf_status IS NULL OR working_age) AS lf_working_age_pass,
           count_if(sex IS NOT NULL) AS sex_stated,
           count_if(lf_status = 'EMP') AS employed,
           count_if(lf_status = 'EMP' AND occupation IS NOT NULL) AS employed_occupation_stated
    FROM checked
) TO '${OUT}/validation.parquet' (FORMAT parquet);
COPY (
    SELECT record_id, count(*) AS n FROM checked GROUP BY record_id HAVING count(*) > 1
) TO '${OUT}/duplicates.parquet' (FORMAT parquet);
