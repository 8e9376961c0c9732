#!/usr/bin/env bash
# The whole SigmaHQ Windows rule set on local Spark (pyspark, local[2]) vs Vigil's own engine, over the Sysmon
# JSON logs repeated to >= 1 M events. Spark: `vigil export` rows loaded once and cached (load timed apart),
# then the `vigil convert --target spark --batch N` queries; Vigil: `vigil hunt` over the same events as files
# (gzip JSON decoding included). Both sides' hit counts per rule must agree. Also: one query per rule vs
# batches, on the first 100 rules.
# Usage: Benchmarks/spark/run.sh [COPIES]   (default 13 copies = 1,052,207 events; VIGIL_BIN=... skips the build)
source "$(dirname "${BASH_SOURCE[0]}")/../common.sh"
if [ -n "${VIGIL_BIN:-}" ]; then VIGIL="$VIGIL_BIN"; else build_release; fi
COPIES="${1:-13}"
PY="${VIGIL_ENGINES_PYTHON:-$ROOT/.build/engines-venv/bin/python}"
[ -x "$PY" ] || { python3 -m venv "$ROOT/.build/engines-venv" && "$ROOT/.build/engines-venv/bin/pip" install -q duckdb chdb pyspark >&2; }
WORK="${BENCH_WORK:-/tmp/vigil-spark-bench}"
mkdir -p "$WORK/logs"
RULES="$SHARED/rules/sigma/rules/windows"
# The same events COPIES times, as files (for vigil hunt) and as one JSON-lines export (for Spark).
for k in $(seq 1 "$COPIES"); do
    for f in "$SHARED"/logs/sysmon-json/*.json.gz; do ln -sf "$f" "$WORK/logs/c$k-$(basename "$f")"; done
done
"$VIGIL" export "$WORK/logs" -o "$WORK/events.jsonl" --columns "$WORK/columns.txt" >&2
"$VIGIL" convert --target spark --columns "$WORK/columns.txt" --select vigil_event --batch 100 --format json "$RULES" \
    > "$WORK/queries.json" 2> >(tail -1 >&2) || true
# Vigil's engine: three runs, per-rule counts from the last.
best=""
for run in 1 2 3; do
    start=$(date +%s.%N)
    "$VIGIL" hunt --format jsonl --rules "$RULES" -- "$WORK/logs" > "$WORK/local.jsonl" 2> "$WORK/local.err" || true
    t=$(echo "$(date +%s.%N) - $start" | bc)
    echo "vigil hunt run $run: $t s" >&2
    if [ -z "$best" ] || (( $(echo "$t < $best" | bc) )); then best=$t; fi
done
peak=$(peak_kib "$VIGIL" hunt -q --rules "$RULES" -- "$WORK/logs" || true)
python3 - "$WORK/local.jsonl" > "$WORK/local-counts.json" <<'PY'
import collections, json, sys
c = collections.Counter()
for line in open(sys.argv[1]):
    o = json.loads(line)
    if "rule_id" in o:
        c[o["rule_id"]] += 1
json.dump(c, sys.stdout)
PY
"$PY" "$ROOT/Benchmarks/spark/bench.py" "$WORK/events.jsonl" "$WORK/columns.txt" "$WORK/queries.json" "$WORK/local-counts.json" "$best" "$peak"
