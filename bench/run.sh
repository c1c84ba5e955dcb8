#!/usr/bin/env bash
# Run the Rust criterion bench and the jwcrypto timing in the same run, then print a ratio
# table (how many times faster hcx-protocol is than jwcrypto). Targets: seal ≥ 5×, open ≥ 2×.
# usage: bench/run.sh            (uses $HCX_TEST_PYTHON or .venv-test/bin/python)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PY="${HCX_TEST_PYTHON:-$ROOT/.venv-test/bin/python}"
if [ ! -x "$PY" ]; then
  echo "bench/run.sh: need $PY with jwcrypto (run scripts/test or set HCX_TEST_PYTHON)" >&2
  exit 1
fi
cd "$ROOT"
cargo bench -p hcx-protocol --bench jwe -- --noplot >&2
PYJSON="$("$PY" bench/jwcrypto_bench.py)"
TARGET_DIR="$(cargo metadata --format-version 1 --no-deps | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
"$PY" - "$TARGET_DIR" "$PYJSON" <<'PYEOF'
import json, os, sys
target, py = sys.argv[1], json.loads(sys.argv[2])
def ours(op, size):
    with open(os.path.join(target, "criterion", op, size, "new", "estimates.json")) as f:
        est = json.load(f)
    # criterion's headline figure: the slope of the linear fit when it sampled linearly.
    return (est.get("slope") or est["mean"])["point_estimate"]
def fmt(ns):
    return "%.0f µs" % (ns / 1e3) if ns < 1e7 else "%.1f ms" % (ns / 1e6)
print("| payload | op | hcx-protocol | jwcrypto | speed-up | target |")
print("|---|---|---|---|---|---|")
ok = True
for size in ["1KB", "100KB", "5MB"]:
    for op, want in [("seal", 5.0), ("open", 2.0)]:
        r, p = ours(op, size), py[size][op + "_ns"]
        ratio = p / r
        ok &= ratio >= want
        print("| %s (%d B) | %s | %s | %s | %.1f× | ≥ %.0f× %s |" % (
            size, py[size]["bytes"], op, fmt(r), fmt(p), ratio, want, "✓" if ratio >= want else "✗"))
print("\nall targets met" if ok else "\nsome targets MISSED")
PYEOF
