#!/usr/bin/env bash
# Run the whole test suite on a fresh machine: installs the Python packages the tests use for
# independent cross-checks (DuckDB, pandas, pyarrow), then runs cargo test.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet --disable-pip-version-check -r tests/requirements.txt
cargo test --all-targets "$@"
cargo test --doc
