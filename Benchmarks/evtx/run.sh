#!/usr/bin/env bash
# EVTX to JSON lines, whole process, side by side with the reference parser (PyPI evtx 0.14,
# records_json): both shared EVTX folders, then a large file built from repeated real chunks.
# Prints records/s and the ratio for one and two threads. Not a test.
#
# usage: Benchmarks/evtx/run.sh [VIGIL_BINARY]   (default: release build in .build-evtx)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
SHARED=${VIGIL_SHARED:-$ROOT/../shared}
VIGIL=${1:-$ROOT/.build-evtx/release/vigil}
VENV=$ROOT/Benchmarks/.venv
OUT=$ROOT/Benchmarks/out
mkdir -p "$OUT"

[ -x "$VIGIL" ] || swift build -c release --scratch-path .build-evtx --product vigil
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q evtx==0.14.0
fi
command -v hyperfine > /dev/null || { echo "hyperfine missing: apt-get install -y hyperfine"; exit 2; }

# Inputs: every sample in both folders (one list), and a ~200 MB file of repeated real chunks.
find "$SHARED/logs/sigma-regression" "$SHARED/logs/evtx-attack-samples" -name '*.evtx' -print0 | sort -z > "$OUT/samples.list0"
[ -f "$OUT/big.evtx" ] || python3 Benchmarks/evtx/make_big.py "$OUT/big.evtx" 200 "$SHARED/logs/sigma-regression" "$SHARED/logs/evtx-attack-samples"
printf '%s\0' "$OUT/big.evtx" > "$OUT/big.list0"

cat > "$OUT/reference.py" <<'PY'
import sys, evtx
files = [f for f in open(sys.argv[1], "rb").read().split(b"\0") if f]
out = open("/dev/null", "w")
n = 0
for f in files:
    for r in evtx.PyEvtxParser(f.decode(), number_of_threads=int(sys.argv[2])).records_json():
        out.write(r["data"]); out.write("\n"); n += 1
print(n)
PY

for set in samples big; do
    list=$OUT/$set.list0
    records=$("$VENV/bin/python" "$OUT/reference.py" "$list" 1)
    mine=$(xargs -0 -a "$list" "$VIGIL" evtx dump --threads 1 | wc -l)
    echo "== $set: $records records (reference), $mine (vigil)"
    hyperfine -N --warmup 2 --runs 10 --export-json "$OUT/$set.json" \
        -n "evtx-rs (PyPI evtx) 1 thread" "$VENV/bin/python $OUT/reference.py $list 1" \
        -n "evtx-rs (PyPI evtx) 2 threads" "$VENV/bin/python $OUT/reference.py $list 2" \
        -n "vigil 1 thread" "xargs -0 -a $list $VIGIL evtx dump --threads 1" \
        -n "vigil 2 threads" "xargs -0 -a $list $VIGIL evtx dump --threads 2" > /dev/null
    python3 - "$OUT/$set.json" "$records" <<'PY'
import json, sys
runs = json.load(open(sys.argv[1]))["results"]
n = int(sys.argv[2])
ref1 = next(r["mean"] for r in runs if r["command"] == "evtx-rs (PyPI evtx) 1 thread")
for r in runs:
    t, cpu = r["mean"], r["user"] + r["system"]
    print(f"  {r['command']:32s} {t * 1000:8.1f} ms wall {cpu * 1000:8.1f} ms cpu  {n / t:12,.0f} records/s  {ref1 / t:5.2f}x vs evtx-rs 1 thread")
PY
done
