#!/usr/bin/env bash
# The history store at a year's scale: 365 daily `vigil coverage --save` runs over all six rule repositories
# (the README's coverage command: Examples' inventory, risk register, APT29 and FIN7), the rules and the
# inventory changed between runs as a detection team changes them (Benchmarks/history/evolve.py: rules
# added, retired, edited and re-rated, an Elastic release every two weeks, an inventory change every three).
# Prints the store's size against the same snapshots kept whole (one exported snapshot × days), then times
# `vigil serve`'s pages over loopback with curl: the first request (nothing decoded yet) and the median of
# five more. Goals: the store < 300 MB, every page < 200 ms.
#
# Usage: Benchmarks/history/run.sh        DAYS=365 (fewer for a quick look), PORT=18090, KEEP=1 keeps the work folder,
#        STORE=FILE times the pages of a store made before (KEEP=1 names its folder) instead of making one
# Needs: curl, python3 with PyYAML. About 15 minutes for 365 days on two cores, plus the release build.
source "$(dirname "$0")/../common.sh"
DAYS=${DAYS:-365}
PORT=${PORT:-18090}
RULES="$SHARED/rules"
command -v curl >/dev/null || { echo "curl is not installed: apt-get install -y curl" >&2; exit 2; }
build_release

WORK=$(mktemp -d)
SERVER=
cleanup() {
    [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null
    if [ "${KEEP:-0}" = 1 ]; then echo "work folder kept: $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
if [ -n "${STORE:-}" ]; then
    DAYS=$("$VIGIL" history list --store "$STORE" --json | python3 -c "import json,sys; print(len(json.load(sys.stdin)))")
else
    STORE="$WORK/history.sqlite"
    cp -r "$RULES" "$WORK/rules"
    cp "$ROOT/Examples/inventory.yaml" "$WORK/inventory.yaml"
    mkdir -p "$WORK/state"
    python3 "$ROOT/Benchmarks/history/evolve.py" init "$WORK/state" "$WORK/rules" >&2

    # One coverage run a day, saved with its day as label; the day's changes come first (day 1 is the start).
    start=$(date +%s)
    for day in $(seq 1 "$DAYS"); do
        [ "$day" -gt 1 ] && python3 "$ROOT/Benchmarks/history/evolve.py" day "$WORK/state" "$WORK/rules" "$WORK/inventory.yaml" "$day" >"$WORK/day.txt"
        status=0
        "$VIGIL" coverage --rules "$WORK/rules" --inventory "$WORK/inventory.yaml" --accept "$ROOT/Examples/accepted-risks.yaml" \
            --actors APT29 FIN7 --save --label "$(printf 'day-%03d' "$day")" --store "$STORE" >/dev/null 2>"$WORK/coverage.err" || status=$?
        if [ "$status" -ge 2 ]; then cat "$WORK/coverage.err" >&2; exit 2; fi
        if [ $((day % 30)) = 0 ] || [ "$day" = "$DAYS" ]; then
            echo "day $day/$DAYS ($(($(date +%s) - start)) s): $(du -m "$STORE" | cut -f1) MB; $(cat "$WORK/day.txt" 2>/dev/null)" >&2
        fi
    done
fi

# Size: the store (no write-ahead log left once the last writer closed it) against a whole copy per snapshot.
"$VIGIL" history export latest --store "$STORE" >"$WORK/latest.json"
store_bytes=$(($(stat -c %s "$STORE") + $(stat -c %s "$STORE-wal" 2>/dev/null || echo 0)))
whole_bytes=$(stat -c %s "$WORK/latest.json")
status=0
"$VIGIL" history diff 1 latest --store "$STORE" --json >"$WORK/diff.json" || status=$?
changes=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(len(d['techniques']), len(d['rules']), len(d['logSources']))" "$WORK/diff.json")

# Pages: each snapshot named here is loaded for the first time by its first request.
"$VIGIL" serve --port "$PORT" --store "$STORE" >/dev/null 2>&1 &
SERVER=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/api" >/dev/null && break; sleep 0.2; done
half=$(((DAYS + 1) / 2))
at() { echo $(($1 < DAYS ? $1 : DAYS)); }
pages=(
    "snapshot list|/snapshots"
    "matrix, latest (decoded at start)|/"
    "matrix, a middle snapshot|/?snapshot=$half"
    "matrix, the first snapshot|/?snapshot=1"
    "diff, day before → latest|/diff?from=previous&to=latest"
    "diff, first → middle|/diff?from=1&to=$half"
    "diff, two others a week apart|/diff?from=$(at $((half / 2)))&to=$(at $((half / 2 + 7)))"
    "technique T1059.001, latest|/technique/T1059.001"
    "technique T1003.001, a new snapshot|/technique/T1003.001?snapshot=$(at $((half + 10)))"
    "API: diff, two others far apart|/api/diff?from=$(at 2)&to=$(at $((DAYS - 2)))"
    "API: technique with its history|/api/techniques/T1059.001?snapshot=$(at $((half + 20)))"
)
{
    printf "%-38s %8s %10s %10s\n" page status "first ms" "median ms"
    for entry in "${pages[@]}"; do
        name=${entry%%|*}
        path=${entry#*|}
        first=$(curl -s -o /dev/null -w "%{http_code} %{time_total}" "http://127.0.0.1:$PORT$path")
        rest=$(for _ in 1 2 3 4 5; do curl -s -o /dev/null -w "%{time_total}\n" "http://127.0.0.1:$PORT$path"; done | sort -n | sed -n 3p)
        code=${first% *}
        ms=$(python3 -c "import sys; print(round(float(sys.argv[1]) * 1000, 1), round(float(sys.argv[2]) * 1000, 1))" "${first#* }" "$rest")
        printf "%-38s %8s %10s %10s\n" "$name" "$code" ${ms}
    done
} | tee "$WORK/pages.txt"
# The slowest answer (first or median), or a page that did not answer 200.
worst=$(awk 'NR > 1 { if ($(NF - 2) != 200) bad = 1; for (i = NF - 1; i <= NF; i++) if ($i + 0 > w) w = $i + 0 } END { print bad ? 1e9 : w + 0 }' "$WORK/pages.txt")

python3 - "$DAYS" "$store_bytes" "$whole_bytes" "$worst" "$changes" <<'PY'
import sys
days, store, whole = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
worst = float(sys.argv[4])
techniques, rules, sources = sys.argv[5].split()
mb = 1e6
print(f"\n{days} daily snapshots: store {store / mb:.1f} MB ({store / days / 1e3:.0f} kB a snapshot); "
      f"kept whole they would be {days} x {whole / mb:.1f} MB = {days * whole / mb / 1000:.2f} GB ({days * whole / store:.0f}x)")
print(f"day 1 -> day {days}: {techniques} techniques changed colour, {rules} rule changes, {sources} log-source changes")
print("a page did not answer 200" if worst >= 1e9 else f"slowest page: {worst:.0f} ms")
print(f"goals: store < 300 MB {'met' if store < 300 * mb else 'MISSED'}, pages < 200 ms {'met' if worst < 200 else 'MISSED'}")
PY
