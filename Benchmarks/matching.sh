#!/usr/bin/env bash
# Matching benchmark (issue #20): this tree's release binary side by side with a baseline commit's, same run,
# same machine, so that a change shows as a ratio. Not a test. Three cases:
#  (1) `vigil hunt` with every SigmaHQ Windows rule over the Sysmon JSON, uncompressed (80,939 events): events/s,
#      CPU s, peak memory; the two binaries' detections are compared (sorted JSON lines, equal or not).
#  (2) EVTX decoding (`vigil evtx dump`) of a large file of repeated real chunks, one thread and two: records/s,
#      and what the second thread gains.
#  (3) `vigil hunt --engine duckdb` over the same Sysmon events exported (`vigil export`): both binaries on one copy,
#      this one on DUCKDB_REPEAT copies (default 13) in a DuckDB database file; skipped without PyPI's duckdb.
# Events/s are events over mean wall seconds (hyperfine); CPU s is user + system; peak memory is /usr/bin/time's
# maximum resident set. Ratios are new / baseline for events/s (above 1: faster) and baseline / new for CPU.
#
# usage: Benchmarks/matching.sh BASELINE_COMMIT      (CASES="1 2 3" by default; RUNS=5)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
BASE=$(cd "$ROOT" && git rev-parse --verify "${1:?usage: Benchmarks/matching.sh BASELINE_COMMIT}^{commit}")
CASES=${CASES:-1 2 3}
RUNS=${RUNS:-5}
RULES="$SHARED/rules/sigma/rules/windows"
ensure_hyperfine

# The baseline's binary: its tree checked out beside this one and built in its own scratch folder, kept per commit.
BASE_BIN="$OUT/vigil-${BASE:0:12}"
if [ ! -x "$BASE_BIN" ]; then
    tree="$OUT/baseline-${BASE:0:12}"
    [ -d "$tree" ] || (cd "$ROOT" && git worktree add --detach "$tree" "$BASE" >&2)
    (cd "$tree" && swift build -c release --product vigil --scratch-path "$ROOT/.build-baseline" >&2)
    cp "$ROOT/.build-baseline/release/vigil" "$BASE_BIN"
fi
build_release
NEW_BIN="$VIGIL"
echo "baseline: ${BASE:0:12} ($(cd "$ROOT" && git log -1 --format=%s "$BASE" | cut -c1-70))"
echo "new:      $(cd "$ROOT" && git rev-parse --short=12 HEAD)$(cd "$ROOT" && git diff --quiet HEAD -- Sources || echo ' + uncommitted changes')"

# One table row per binary from a hyperfine export: events/s, wall, CPU, peak memory; then the ratios.
report() { # JSON EVENTS PEAK_BASE_KIB PEAK_NEW_KIB
    python3 - "$@" <<'PY'
import json, sys
runs = json.load(open(sys.argv[1]))["results"]
events = int(sys.argv[2]); peaks = [int(sys.argv[3]), int(sys.argv[4])]
rows = []
for r, peak in zip(runs, peaks):
    cpu = r["user"] + r["system"]
    rows.append((r["mean"], cpu, peak))
    print(f"  {r['command']:34s} {events / r['mean']:10,.0f} events/s  {r['mean']:7.3f} s ± {r['stddev'] or 0:5.3f} wall"
          f"  {cpu:7.3f} CPU s ({events / cpu:9,.0f} events/CPU s)  peak {peak / 1024:7.1f} MB")
(bw, bc, bp), (nw, nc, np_) = rows
print(f"  ratio new/baseline: events/s {bw / nw:5.2f}x, events per CPU s {bc / nc:5.2f}x, peak memory {np_ / bp:5.2f}x")
PY
}

if [[ " $CASES " == *" 1 "* ]]; then
    SYSMON="$OUT/sysmon.json"
    [ -s "$SYSMON" ] || zcat "$SHARED"/logs/sysmon-json/*.json.gz > "$SYSMON"
    events=$(grep -c . "$SYSMON")
    echo "== (1) hunt: every SigmaHQ Windows rule ($(find "$RULES" -name '*.yml' | wc -l) files) over Sysmon JSON, uncompressed ($events events, $(du -m "$SYSMON" | cut -f1) MB)"
    for side in base new; do
        bin=$BASE_BIN
        [ $side = new ] && bin=$NEW_BIN
        "$bin" hunt --rules "$RULES" "$SYSMON" --format jsonl 2>/dev/null | LC_ALL=C sort > "$OUT/matching-$side.jsonl" || true
    done
    if cmp -s "$OUT/matching-base.jsonl" "$OUT/matching-new.jsonl"; then
        echo "  detections: identical ($(wc -l < "$OUT/matching-new.jsonl") lines, fields included)"
    else
        echo "  detections: DIFFER (baseline $(wc -l < "$OUT/matching-base.jsonl"), new $(wc -l < "$OUT/matching-new.jsonl")): diff $OUT/matching-base.jsonl $OUT/matching-new.jsonl"
    fi
    hyperfine -N -i --warmup 1 --runs "$RUNS" --export-json "$OUT/matching-1.json" \
        -n "baseline hunt" "$BASE_BIN hunt --rules $RULES $SYSMON --format jsonl" \
        -n "new hunt" "$NEW_BIN hunt --rules $RULES $SYSMON --format jsonl" > /dev/null
    report "$OUT/matching-1.json" "$events" \
        "$(peak_kib "$BASE_BIN" hunt --rules "$RULES" "$SYSMON" --format jsonl)" \
        "$(peak_kib "$NEW_BIN" hunt --rules "$RULES" "$SYSMON" --format jsonl)"
    # Loading and compiling the rules alone (a one-event file), to separate matching from start-up.
    head -1 "$SYSMON" > "$OUT/one-event.json"
    hyperfine -N -i --warmup 1 --runs "$RUNS" --export-json "$OUT/matching-1-load.json" \
        -n "baseline load only" "$BASE_BIN hunt --rules $RULES $OUT/one-event.json --format jsonl" \
        -n "new load only" "$NEW_BIN hunt --rules $RULES $OUT/one-event.json --format jsonl" > /dev/null
    python3 - "$OUT/matching-1.json" "$OUT/matching-1-load.json" "$events" <<'PY'
import json, sys
hunt, load = (json.load(open(p))["results"] for p in sys.argv[1:3])
n = int(sys.argv[3])
for h, l in zip(hunt, load):
    cpu = (h["user"] + h["system"]) - (l["user"] + l["system"])
    print(f"  {h['command']:34s} rules load {l['user'] + l['system']:6.3f} CPU s; matching alone {cpu:6.3f} CPU s = {n / cpu:9,.0f} events/CPU s")
PY
fi

if [[ " $CASES " == *" 2 "* ]]; then
    BIG="$OUT/big.evtx"
    [ -f "$BIG" ] || python3 "$ROOT/Benchmarks/evtx/make_big.py" "$BIG" 200 "$SHARED/logs/sigma-regression" "$SHARED/logs/evtx-attack-samples" >&2
    records=$("$NEW_BIN" evtx dump --threads 1 "$BIG" | wc -l)
    echo "== (2) EVTX decoding: $(du -m "$BIG" | cut -f1) MB of repeated real chunks, $records records, to JSON lines"
    hyperfine -N --warmup 1 --runs "$RUNS" --export-json "$OUT/matching-2.json" \
        -n "baseline 1 thread" "$BASE_BIN evtx dump --threads 1 $BIG" \
        -n "baseline 2 threads" "$BASE_BIN evtx dump --threads 2 $BIG" \
        -n "new 1 thread" "$NEW_BIN evtx dump --threads 1 $BIG" \
        -n "new 2 threads" "$NEW_BIN evtx dump --threads 2 $BIG" > /dev/null
    peaks=()
    for bin in "$BASE_BIN" "$NEW_BIN"; do
        for t in 1 2; do peaks+=("$(peak_kib "$bin" evtx dump --threads $t "$BIG")"); done
    done
    python3 - "$OUT/matching-2.json" "$records" "${peaks[@]}" <<'PY'
import json, sys
runs = json.load(open(sys.argv[1]))["results"]
n = int(sys.argv[2]); peaks = [int(p) for p in sys.argv[3:7]]
for r, peak in zip(runs, peaks):
    cpu = r["user"] + r["system"]
    print(f"  {r['command']:34s} {n / r['mean']:10,.0f} records/s  {r['mean']:7.3f} s wall  {cpu:7.3f} CPU s  peak {peak / 1024:7.1f} MB")
m = [r["mean"] for r in runs]
print(f"  second thread gains: baseline {m[0] / m[1]:4.2f}x, new {m[2] / m[3]:4.2f}x;"
      f" new/baseline: 1 thread {m[0] / m[2]:4.2f}x, 2 threads {m[1] / m[3]:4.2f}x")
PY
fi

if [[ " $CASES " == *" 3 "* ]]; then
    if ! ( ensure_venv duckdb ) 2>/dev/null; then
        echo "== (3) DuckDB engine hunt: skipped (duckdb cannot be installed from PyPI here)"
    else
        # (3a) both binaries over the Sysmon events exported and loaded as a table (JSON lines, `--load`);
        # (3b) this tree's binary over DUCKDB_REPEAT copies of them (default 13: 1,052,207 events) in a DuckDB database
        # file made once beforehand, as a SIEM's table would be: the goal is under 30 s.
        repeat=${DUCKDB_REPEAT:-13}
        [ -s "$OUT/sysmon.json" ] || zcat "$SHARED"/logs/sysmon-json/*.json.gz > "$OUT/sysmon.json"
        [ -s "$OUT/export-1.jsonl" ] || "$NEW_BIN" export "$OUT/sysmon.json" > "$OUT/export-1.jsonl"
        events=$(wc -l < "$OUT/export-1.jsonl")
        echo "== (3a) DuckDB engine hunt: every SigmaHQ Windows rule over $events exported events (loaded from JSON lines)"
        engine() { echo "$1 hunt --engine duckdb --python $VENV/bin/python --load $OUT/export-1.jsonl --table events --rules $RULES --format jsonl"; }
        hyperfine -N -i --runs 1 --export-json "$OUT/matching-3.json" \
            -n "baseline duckdb" "$(engine "$BASE_BIN")" -n "new duckdb" "$(engine "$NEW_BIN")" > /dev/null
        read -r -a base_cmd <<< "$(engine "$BASE_BIN")"
        read -r -a new_cmd <<< "$(engine "$NEW_BIN")"
        report "$OUT/matching-3.json" "$events" "$(peak_kib "${base_cmd[@]}")" "$(peak_kib "${new_cmd[@]}")"
        DB="$OUT/events-x$repeat.duckdb"
        if [ ! -s "$DB" ]; then
            for _ in $(seq "$repeat"); do cat "$OUT/export-1.jsonl"; done > "$OUT/export-x$repeat.jsonl"
            # The table as `--load` makes it: every key of the rows (first seen first, case ignored) a text column.
            "$VENV/bin/python" - "$OUT/export-x$repeat.jsonl" "$DB" <<'PY'
import duckdb, json, sys
path, db = sys.argv[1], sys.argv[2]
seen, order = set(), []
for line in open(path):
    for k in json.loads(line):
        if k.lower() not in seen:
            seen.add(k.lower())
            order.append(k)
spec = "{" + ", ".join("'%s': 'VARCHAR'" % c.replace("'", "''") for c in order) + "}"
duckdb.connect(db).execute("CREATE TABLE events AS SELECT * FROM read_json('%s', format='newline_delimited', columns=%s)" % (path, spec))
PY
            rm -f "$OUT/export-x$repeat.jsonl"
        fi
        big=$((events * repeat))
        echo "== (3b) DuckDB engine hunt: the same rules over $big events in a DuckDB database file (new binary only)"
        "$NEW_BIN" hunt --engine duckdb --python "$VENV/bin/python" --connect "$DB" --table events --rules "$RULES" --format jsonl \
            2>/dev/null > "$OUT/matching-3b.jsonl" || true
        "$NEW_BIN" hunt --engine duckdb --python "$VENV/bin/python" --load "$OUT/export-1.jsonl" --table events --rules "$RULES" \
            --format jsonl 2>/dev/null > "$OUT/matching-3a.jsonl" || true
        # Each detection of the one-copy table, `repeat` times (fields left out: the columns' order may differ).
        python3 - "$OUT/matching-3a.jsonl" "$OUT/matching-3b.jsonl" "$repeat" <<'PY'
import collections, json, sys
def lines(path):
    return collections.Counter(json.dumps(sorted((k, v) for k, v in json.loads(l).items() if k != "fields")) for l in open(path))
one, big, n = lines(sys.argv[1]), lines(sys.argv[2]), int(sys.argv[3])
same = big == collections.Counter({k: v * n for k, v in one.items()})
print(f"  detections: {sum(big.values())}, " + (f"each of the one-copy table's {sum(one.values())} exactly {n} times" if same else "DIFFER from the one-copy table's"))
PY
        hyperfine -N -i --runs 1 --export-json "$OUT/matching-3b.json" \
            -n "new duckdb x$repeat" "$NEW_BIN hunt --engine duckdb --python $VENV/bin/python --connect $DB --table events --rules $RULES --format jsonl" > /dev/null
        python3 - "$OUT/matching-3b.json" "$big" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
n = int(sys.argv[2])
print(f"  {r['command'][:34]:34s} {n / r['mean']:10,.0f} events/s  {r['mean']:7.3f} s wall  {r['user'] + r['system']:7.3f} CPU s"
      f"  (goal: under 30 s)")
PY
    fi
fi
