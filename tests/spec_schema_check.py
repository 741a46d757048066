#!/usr/bin/env python3
"""The JSON Schemas of the spec files (`ilms schema`) and `ilms check` agree.

    python3 tests/spec_schema_check.py SCHEMAS ILMS ROUND [MANIFEST ...]

1. Every spec file a manifest names (the sample round's and every test fixture's: the manifest,
   sources, indicators, rules, disclosure, charts, tables, SDMX) is valid under its schema.
2. Each mistake below, made in a copy of the sample round (ROUND, a folder ilms may change), is
   refused both by the schema (jsonschema, Draft 2020-12) and by `ilms check` (non-zero exit),
   with the file named; and the round as given is accepted by both.
Prints `schemas ok: ...`; exits 1 on the first disagreement.
"""
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import jsonschema

# The spec files a manifest names, each with the kind of its schema (their default paths are read
# from the manifest's schema, where the Rust types put them).
NAMED = ["charts", "tables", "rules", "disclosure", "sdmx"]

# (file in the sample round, kind, text to find, text to put in its place, what is wrong)
MISTAKES = [
    ("ilms.toml", "manifest", "[output]", "[output]\npublish = true", "unknown key"),
    ("ilms.toml", "manifest", 'THA = "foreign_born"', 'THA = "born_abroad"', "unknown word"),
    ("schemas/sources/mys_lfs_2024.toml", "source", 'format = "csv"', 'format = "csv"\nsheet = "A"', "a key of another format"),
    ("schemas/sources/mys_lfs_2024.toml", "source", 'format = "csv"', 'format = "cvs"', "unknown format"),
    ("schemas/sources/mys_lfs_2024.toml", "source", 'kind = "microdata"', 'kind = "micro"', "unknown kind"),
    ("schemas/sources/mys_lfs_2024.toml", "source", "[record]", "[record]\nweights = \"W\"", "unknown key"),
    ("schemas/sources/mmr_outflows_2023.toml", "source", "header_row = 4", "header_row = \"4\"", "a word for a number"),
    ("schemas/indicators.toml", "indicators", "[[indicators]]", "[[indicators]]\ncolour = \"red\"", "unknown key"),
    ("schemas/rules/records.toml", "rules", 'severity = "error"', 'severity = "fatal"', "unknown severity"),
    ("schemas/disclosure.toml", "disclosure", "[defaults]", "[defaults]\ncolour = 1", "unknown key"),
    ("schemas/charts.toml", "charts", 'kind = "bars_by_sex"', 'kind = "pie"', "unknown chart kind"),
    ("schemas/tables.toml", "tables", "[[tables]]", "[[tables]]\ncolour = \"red\"", "unknown key"),
    ("schemas/sdmx.toml", "sdmx", "[[dataflow]]", "[[dataflow]]\ncolour = 1", "unknown key"),
    # keys of the vocabulary before it was made one word per idea (README "Spec vocabulary")
    ("schemas/indicators.toml", "indicators", 'population = "stock"', 'records = "stock"', "old key records"),
    ("schemas/indicators.toml", "indicators", 'keep = ["CBR_BIR_FOREIGN"]', 'only = "CBR_BIR_FOREIGN"', "old key only"),
    ("schemas/tables.toml", "tables", 'keep = ["CDS_DES_TOTAL"]', 'classif1 = "CDS_DES_TOTAL"', "old key classif1"),
    ("schemas/charts.toml", "charts", 'classification = "OCU_ISCO08"', 'categories = "OCU_ISCO08"', "old key categories"),
    ("schemas/rules/records.toml", "rules", 'kind = "range"', 'type = "range"', "old key type"),
    ("schemas/rules/records.toml", "rules", 'source_kind = "microdata"', 'sources = "microdata"', "old key sources"),
    ("schemas/sources/mys_lfs_2024.toml", "source", 'keep = ["CCT_CIT_NONCIT"]', 'classif2 = "CCT_CIT_NONCIT"', "old key classif2"),
]


def validators(schemas: Path) -> dict:
    found = {}
    for path in sorted(schemas.glob("*.schema.json")):
        schema = json.loads(path.read_text())
        jsonschema.Draft202012Validator.check_schema(schema)
        found[path.name.removesuffix(".schema.json")] = jsonschema.Draft202012Validator(schema)
    return found


def spec_files(manifest: Path, found: dict) -> list:
    """(kind, path) of the manifest and every spec file it names that is there."""
    defaults = found["manifest"].schema["$defs"]["RoundSection"]["properties"]
    round_ = tomllib.loads(manifest.read_text())["round"]
    root = manifest.parent
    files = [("manifest", manifest), ("indicators", root / round_["indicators"])]
    files += [("source", root / s) for s in round_["sources"]]
    for kind in NAMED:
        path = root / round_.get(kind, defaults[kind]["default"])
        if kind == "rules":
            files += [("rules", p) for p in sorted(path.glob("*.toml"))]
        else:
            files.append((kind, path))
    # A test fixture's round borrows the sample's shared files when the test runs.
    return [(kind, path) for kind, path in files if path.is_file()]


def schema_errors(validator, path: Path) -> list:
    return [f"{'.'.join(map(str, e.path)) or '(top)'}: {e.message}"
            for e in validator.iter_errors(tomllib.loads(path.read_text()))]


def fail(message: str):
    print(message)
    sys.exit(1)


def check_valid(found: dict, manifests: list) -> int:
    count = 0
    for manifest in manifests:
        for kind, path in spec_files(manifest, found):
            errors = schema_errors(found[kind], path)
            if errors:
                fail(f"{path}: valid for ilms, not under {kind}.schema.json: {errors[:3]}")
            count += 1
    return count


def ilms_check(ilms: str, round_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run([ilms, "check"], cwd=round_dir, capture_output=True, text=True)


def check_mistakes(found: dict, ilms: str, round_dir: Path) -> int:
    given = ilms_check(ilms, round_dir)
    if given.returncode != 0:
        fail(f"ilms check refuses the round as given:\n{given.stderr}")
    for relative, kind, old, new, what in MISTAKES:
        path = round_dir / relative
        original = path.read_text()
        # At the start of a line: not in a comment.
        if "\n" + old not in original:
            fail(f"{relative}: no line starts '{old}' (the mistake '{what}' cannot be made)")
        path.write_text(original.replace("\n" + old, "\n" + new, 1))
        try:
            errors = schema_errors(found[kind], path)
            checked = ilms_check(ilms, round_dir)
        finally:
            path.write_text(original)
        if not errors:
            fail(f"{relative} ({what}): refused by ilms check, accepted by {kind}.schema.json")
        if checked.returncode == 0:
            fail(f"{relative} ({what}): refused by the schema ({errors[0]}), accepted by ilms check")
        if Path(relative).name not in checked.stderr:
            fail(f"{relative} ({what}): ilms check does not name the file:\n{checked.stderr}")
    return len(MISTAKES)


def main():
    schemas, ilms, round_dir = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
    found = validators(schemas)
    manifests = [round_dir / "ilms.toml"] + [Path(m) for m in sys.argv[4:]]
    valid = check_valid(found, manifests)
    refused = check_mistakes(found, ilms, round_dir)
    print(f"schemas ok: {len(found)} schemas, {valid} spec files of {len(manifests)} rounds valid, "
          f"{refused} mistakes refused by both")


if __name__ == "__main__":
    main()
