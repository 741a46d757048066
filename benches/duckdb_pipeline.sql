-- The ilms job on a generated round, written as a DuckDB SQL pipeline (benches/run.py runs it with
-- ${ROUND} and ${OUT} substituted). Same work as `ilms run`: read the CSV as text, map the national
-- codes through the same code maps, derive the harmonized columns, apply the same record rules in
-- the same order, write the clean records (the full contract: variables the source lacks as null
-- columns, ILOSTAT age bands) and the quarantine as Parquet (zstd), tabulate the two indicators with
-- every margin (CUBE) in fixed-point weights, write them and the mapping coverage report as Parquet.
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

COPY (
    WITH base AS (
        SELECT ref_area, time,
               coalesce('SEX_' || sex, 'SEX_X') AS sex,
               coalesce('OCU_ISCO08_' || left(occupation, 1), 'OCU_ISCO08_X') AS ocu,
               coalesce('CBR_BIR_' || birth_status, 'CBR_BIR_X') AS cbr,
               coalesce('CCT_CIT_' || citizenship_status, 'CCT_CIT_X') AS cct,
               CAST(round(weight * 1000000) AS BIGINT) AS w
        FROM checked
        WHERE rule IS NULL AND working_age AND lf_status = 'EMP'
    )
    SELECT 'MST_TEMP_SEX_OCU_CBR_NB' AS indicator, ref_area, time, coalesce(sex, 'SEX_T') AS sex,
           coalesce(ocu, 'OCU_ISCO08_TOTAL') AS classif1, coalesce(cbr, 'CBR_BIR_TOTAL') AS classif2,
           sum(w) / 1e9 AS obs_value, count(*) AS sample_count
    FROM base GROUP BY ref_area, time, CUBE(sex, ocu, cbr)
    UNION ALL
    SELECT 'MST_TEMP_SEX_OCU_CCT_NB', ref_area, time, coalesce(sex, 'SEX_T'),
           coalesce(ocu, 'OCU_ISCO08_TOTAL'), coalesce(cct, 'CCT_CIT_TOTAL'),
           sum(w) / 1e9, count(*)
    FROM base GROUP BY ref_area, time, CUBE(sex, ocu, cct)
) TO '${OUT}/indicators.parquet' (FORMAT parquet, COMPRESSION zstd);

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
