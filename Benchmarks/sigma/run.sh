#!/usr/bin/env bash
# Sigma benchmarks, side by side with pySigma:
#  1. load + compile all SigmaHQ rules (vigil rules check vs pySigma's SigmaCollection), best of 3;
#  2. events/s matching the Windows rule set over the EVTX-ATTACK-SAMPLES JSON renderings repeated
#     to >= 1 M events (JSON lines; EVTX decoding excluded), with peak memory.
# Usage: Benchmarks/sigma/run.sh   (VIGIL_BIN=path/to/vigil to skip the release build)
source "$(dirname "${BASH_SOURCE[0]}")/../common.sh"
if [ -n "${VIGIL_BIN:-}" ]; then
    VIGIL="$VIGIL_BIN"
else
    (cd "$ROOT" && swift build -c release --scratch-path .build-sigma --product vigil >&2)
    VIGIL="$ROOT/.build-sigma/release/vigil"
fi
ensure_venv "pysigma==2.0.1"
RULES="$SHARED/rules/sigma"
ALL=("$RULES"/rules "$RULES"/rules-emerging-threats "$RULES"/rules-threat-hunting "$RULES"/rules-compliance "$RULES"/rules-placeholder "$RULES"/rules-dfir "$RULES"/deprecated "$RULES"/unsupported)
best() { sort -n | head -1; }

echo "== load + compile: ${#ALL[@]} rule folders =="
for i in 1 2 3; do
    s=$(date +%s.%N); "$VIGIL" rules check --json "${ALL[@]}" > "$OUT/sigma-check.json" || true; e=$(date +%s.%N)
    python3 -c "print($e - $s)"
done | best > "$OUT/sigma-vigil-load.txt"
for i in 1 2 3; do "$VENV/bin/python" "$(dirname "$0")/pysigma_load.py" "${ALL[@]}" | python3 -c "import json,sys; print(json.load(sys.stdin)['seconds'])"; done | best > "$OUT/sigma-pysigma-load.txt"
v=$(cat "$OUT/sigma-vigil-load.txt"); p=$(cat "$OUT/sigma-pysigma-load.txt")
python3 - "$v" "$p" "$OUT/sigma-check.json" <<'PY'
import json, sys
v, p = float(sys.argv[1]), float(sys.argv[2])
check = json.load(open(sys.argv[3]))
print(f"vigil  : {v:.3f} s wall (process start to exit; {check['rules']} rules, {check['rejected']} rejected)")
print(f"pySigma: {p:.3f} s")
print(f"ratio  : {p / v:.1f}x")
PY

echo "== matching: Windows rules over >= 1 M JSON events =="
CORPUS="$OUT/sigma-corpus.jsonl"
if [ ! -s "$CORPUS" ]; then
    find "$SHARED/logs/evtx-attack-samples" -name '*.evtx' -print0 | sort -z | xargs -0 -n 20 "$VIGIL" evtx dump > "$OUT/sigma-base.jsonl" 2>/dev/null
    python3 - "$OUT/sigma-base.jsonl" "$CORPUS" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
n = data.count(b"\n")
reps = -(-1_000_000 // n)
with open(sys.argv[2], "wb") as out:
    for _ in range(reps):
        out.write(data)
print(f"corpus: {n} events x {reps} = {n * reps} events", file=sys.stderr)
PY
fi
for threads in 1 2; do
    /usr/bin/time -f "peak %M KiB" "$VIGIL" hunt --quiet --threads "$threads" --rules "$RULES/rules/windows" -- "$CORPUS" 2>&1 \
        | grep -E "^(rules|events|detections)|peak" | sed "s/^/threads=$threads  /" || true
done
echo "load average during the run: $(cut -d' ' -f1-3 /proc/loadavg) (figures are wall time on a shared 2-core machine)"
echo "peers (published / measured elsewhere on this machine): Zircolite 3.7 ~700 ev/s on EVTX-ATTACK-SAMPLES; Hayabusa ~12.8k ev/s"
