#!/usr/bin/env bash
# Where a full cycle's CPU goes. Runs `hcx bench cycles` (release) twice more:
#  1. under callgrind, instrumented only while cycles are measured (switched on when the bench
#     prints "measuring"), and groups the instructions by where they ran: RSA (OpenSSL's
#     bignum code), AES-GCM, other OpenSSL, SQLite (every symbol of the bundled libsqlite3),
#     JSON (serde, serde_json, indexmap), HTTP + async runtime, malloc/memcpy, the rest.
#     Instruction counts do not depend on what else the machine runs.
#  2. under strace -f -c, counting fsync/fdatasync calls and their time per cycle.
# Kernel time (fsync, sockets) is invisible to callgrind: `hcx bench cycles` prints each run's
# system CPU beside its user CPU for that.
# usage: bench/cycles_profile.sh [CYCLES] [CONCURRENCY] [CONSOLES]    (defaults 200 16 4)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
N="${1:-200}" C="${2:-16}" K="${3:-4}"
cargo build --release --locked -p hcx-console --bin hcx >&2
TARGET_DIR="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
HCX="$TARGET_DIR/release/hcx"
SQLITE_LIB="$(ls -t "$TARGET_DIR"/release/build/libsqlite3-sys-*/out/libsqlite3.a | head -1)"
OUT="$(mktemp -d)"
ARGS=(bench cycles --consoles "$K" --cycles "$N" --concurrency "$C" --warmup 20 --no-sdk --json)

echo "== callgrind: $N cycles, $C in flight, $K consoles (slow: every thread runs serialised)" >&2
valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$OUT/cg.out" \
  "$HCX" "${ARGS[@]}" >"$OUT/cg-report.json" 2>"$OUT/cg-stderr" &
pid=$!
until grep -q "measuring" "$OUT/cg-stderr" 2>/dev/null; do
  kill -0 "$pid" 2>/dev/null || { cat "$OUT/cg-stderr" >&2; exit 1; }
  sleep 1
done
callgrind_control -i on "$pid" >/dev/null
wait "$pid"
callgrind_annotate --inclusive=no --threshold=100 "$OUT/cg.out" >"$OUT/cg.txt"
nm --defined-only "$SQLITE_LIB" 2>/dev/null | awk 'NF==3 {print $3}' | sort -u >"$OUT/sqlite.syms"

echo "== strace -f -c: fsync and fdatasync per cycle" >&2
strace -f -c -e trace=fsync,fdatasync -o "$OUT/strace.txt" "$HCX" "${ARGS[@]}" >/dev/null 2>"$OUT/st-stderr"

python3 - "$OUT" "$N" <<'PYEOF'
import json, re, sys, collections
out, n = sys.argv[1], int(sys.argv[2])
sqlite = set(open(f"{out}/sqlite.syms").read().split())
line = re.compile(r"^\s*([\d,]+)\s+\([^)]*\)\s+(.*?):(.*?)(?:\s+\[(.*)\])?\s*$")
groups = collections.Counter()
total = 0
for l in open(f"{out}/cg.txt"):
    m = line.match(l)
    if not m or m.group(2) == "" or "PROGRAM TOTALS" in l:
        continue
    ir = int(m.group(1).replace(",", ""))
    fn, obj = m.group(3), m.group(4) or ""
    total += ir
    if "libcrypto" in obj or "libssl" in obj:
        if re.search(r"bn_|BN_|rsa|RSA|mont|sqr8x|mulx|gather5|scatter5|powerx5", fn):
            groups["RSA (OpenSSL bignum)"] += ir
        elif re.search(r"aes|AES|gcm|GCM|ghash|gmult", fn):
            groups["AES-256-GCM"] += ir
        else:
            groups["other OpenSSL (SHA, HMAC, PBKDF2, lookups)"] += ir
    elif fn in sqlite:
        groups["SQLite"] += ir
    elif re.search(r"serde|indexmap|ryu|itoa", fn):
        groups["JSON (serde, serde_json)"] += ir
    elif re.search(r"hyper|\bh2::|http|reqwest|axum|tower|tokio|mio|futures|want::|socket", fn):
        groups["HTTP + async runtime"] += ir
    elif re.search(r"malloc|free|realloc|calloc|memcpy|memmove|memset|memcmp|_int_|cfree", fn):
        groups["malloc, memcpy"] += ir
    else:
        groups["the rest (FHIR, headers, base64, our code)"] += ir
print(f"callgrind, {n} cycles measured: {total / n / 1e6:.2f} M instructions per cycle (user space)\n")
print("| part | M instr / cycle | share |")
print("|---|---|---|")
for g, ir in groups.most_common():
    print(f"| {g} | {ir / n / 1e6:.2f} | {100 * ir / total:.1f} % |")
calls = secs = 0
for l in open(f"{out}/strace.txt"):
    f = l.split()
    if len(f) >= 5 and f[-1] in ("fsync", "fdatasync"):
        secs += float(f[1]); calls += int(f[3])
m = n + 20  # the warm-up cycles ran under strace too
print(f"\nstrace: {calls / m:.1f} fsync/fdatasync calls per cycle ({calls} for {m} cycles plus"
      f" set-up), {1e3 * secs / m:.2f} ms of syscall time per cycle")
PYEOF
echo "(raw files in $OUT)" >&2
