#!/usr/bin/env bash
# Hunting benchmark, side by side with what a hunter would otherwise run. Not a test.
#  (a) `vigil search TERM` over the EVTX attack samples (EVTX decoding included) against the JSON lines of the
#      same files piped into `grep -ci TERM`. evtx_dump (Rust) cannot be installed here (no cargo), so the JSON
#      lines come from the same Rust parser through PyPI `evtx` 0.14 (records_json, one line per record); and
#      against the cheaper peer where those lines are already on disk (`grep -ci` over a pre-dumped file).
#  (b) the same over the gzipped Sysmon JSON lines: `zcat | grep -ci`.
#  (c) `vigil timeline` with every SigmaHQ Windows rule over the EVTX samples: time and peak memory, with
#      `vigil hunt` on the same rules as the reference point. Hayabusa, the natural peer, is neither on PyPI
#      nor in Debian (and no cargo to build it), so there is no outside peer for (c).
# grep counts lines with the term anywhere (field names and JSON escapes included); vigil counts events with
# the term in a field value, so the counts may differ slightly; both are printed.
#
# usage: Benchmarks/hunt.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
build_release
ensure_venv evtx==0.14.0
ensure_hyperfine

EVTX="$SHARED/logs/evtx-attack-samples"
SYSMON="$SHARED/logs/sysmon-json"
RULES="$SHARED/rules/sigma/rules/windows"
TERMS=(mimikatz lsass psexec)
PY="$VENV/bin/python"

find "$EVTX" -name '*.evtx' -print0 | sort -z > "$OUT/hunt-evtx.list0"
cat > "$OUT/evtx_lines.py" <<'PY'
# The JSON lines evtx_dump would print, from the same Rust parser (PyPI evtx), for the files in a NUL list.
import sys, evtx
out = sys.stdout
for f in open(sys.argv[1], "rb").read().split(b"\0"):
    if f:
        for r in evtx.PyEvtxParser(f.decode()).records_json():
            out.write(r["data"])
            out.write("\n")
PY
"$PY" "$OUT/evtx_lines.py" "$OUT/hunt-evtx.list0" > "$OUT/evtx-lines.jsonl"
echo "EVTX samples: $(tr -cd '\0' < "$OUT/hunt-evtx.list0" | wc -c) files, $(wc -l < "$OUT/evtx-lines.jsonl") records"

# Ratio = peer's mean / vigil's mean (above 1: vigil is faster), for wall time and for CPU time (user +
# system, child processes included): on a shared machine the CPU ratio is the steadier of the two.
ratios() {
    python3 - "$1" <<'PY'
import json, sys
runs = json.load(open(sys.argv[1]))["results"]
mine, mine_cpu = runs[0]["mean"], runs[0]["user"] + runs[0]["system"]
for r in runs:
    cpu = r["user"] + r["system"]
    print(f"  {r['command']:58s} {r['mean'] * 1000:8.1f} ms ± {r['stddev'] * 1000:5.1f} wall, ratio {r['mean'] / mine:5.2f};"
          f" {cpu * 1000:7.1f} ms CPU, ratio {cpu / mine_cpu:5.2f}")
PY
}

hits() { "$@" 2>&1 >/dev/null | sed -n 's/^\([0-9]*\) hits\{0,1\} .*/\1/p'; }

for term in "${TERMS[@]}"; do
    echo "== (a) $term over EVTX: vigil $(hits "$VIGIL" search "$term" "$EVTX") events," \
        "grep $(grep -ci "$term" "$OUT/evtx-lines.jsonl" || true) lines"
    hyperfine -N -i --warmup 1 --runs 10 --export-json "$OUT/hunt-a-$term.json" \
        -n "vigil search $term (EVTX decoding included)" "$VIGIL search $term $EVTX" \
        -n "evtx (PyPI, Rust) JSON lines | grep -ci $term" \
        "bash -c 'set -o pipefail; $PY $OUT/evtx_lines.py $OUT/hunt-evtx.list0 | grep -ci $term'" \
        -n "grep -ci $term over pre-dumped JSON lines" "grep -ci $term $OUT/evtx-lines.jsonl" > /dev/null
    ratios "$OUT/hunt-a-$term.json"
done

for term in "${TERMS[@]}"; do
    echo "== (b) $term over Sysmon JSON (gzip): vigil $(hits "$VIGIL" search "$term" "$SYSMON") events," \
        "grep $(zcat "$SYSMON"/*.gz | grep -ci "$term" || true) lines"
    hyperfine -i --warmup 1 --runs 10 --export-json "$OUT/hunt-b-$term.json" \
        -n "vigil search $term" "$VIGIL search $term $SYSMON > /dev/null 2>&1" \
        -n "zcat | grep -ci $term" "zcat $SYSMON/*.gz | grep -ci $term" > /dev/null
    ratios "$OUT/hunt-b-$term.json"
done

echo "== (c) timeline, every SigmaHQ Windows rule ($(find "$RULES" -name '*.yml' | wc -l) files) over the EVTX samples"
"$VIGIL" timeline "$EVTX" --rules "$RULES" --summary-only 2>&1 | sed -n 's/^entries: /  entries: /p' || true
hyperfine -N -i --warmup 1 --runs 5 --export-json "$OUT/hunt-c.json" \
    -n "vigil timeline --format csv" "$VIGIL timeline $EVTX --rules $RULES --format csv" \
    -n "vigil hunt --format csv (reference point)" "$VIGIL hunt $EVTX --rules $RULES --format csv" > /dev/null
ratios "$OUT/hunt-c.json"
echo "  peak memory: timeline $(peak_kib "$VIGIL" timeline "$EVTX" --rules "$RULES" --format csv) KiB," \
    "hunt $(peak_kib "$VIGIL" hunt "$EVTX" --rules "$RULES" --format csv) KiB"

echo "== peak memory over Sysmon JSON (KiB)"
for command in "search lsass" "metrics" "stack ParentImage,Image"; do
    read -r -a words <<< "$command"
    echo "  vigil $command: $(peak_kib "$VIGIL" "${words[@]}" "$SYSMON")"
done
