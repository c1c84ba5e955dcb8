#!/usr/bin/env bash
# Creates (or refreshes) the Python venv the interop tests use: independent implementations
# (jwcrypto for JWE, fhir.resources for FHIR R4) that check what our Rust code produces.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv-test
stamp="$venv/.requirements.sha256"
want=$(sha256sum scripts/requirements-test.txt | cut -d' ' -f1)
if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then exit 0; fi
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r scripts/requirements-test.txt
echo "$want" > "$stamp"
