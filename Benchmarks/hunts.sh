#!/usr/bin/env bash
# Saved hunts at scale: a hunt of more than 100,000 detections stored with `vigil hunt --save` (goal: memory bounded,
# the detections streamed into the store) and `vigil serve`'s hunt pages over it (goal: < 200 ms per page), side by
# side in the same run with the same hunt not saved (the memory reference: what saving adds) and with the server's
# snapshot list page (the page cost the store had before hunts). Not a test.
#
# The logs: every Security-Datasets event that SigmaHQ's Windows rules fire on, written once per detection's event
# as flat JSON lines and repeated until the hunt holds more than 100,000 detections.
#
# usage: Benchmarks/hunts.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
build_release
RULES="$SHARED/rules/sigma/rules/windows"
WORK=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT

"$VIGIL" hunt --rules "$RULES" --format jsonl "$SHARED/logs/sysmon-json" > "$WORK/detections.jsonl" 2>/dev/null || true
python3 - "$WORK/detections.jsonl" "$WORK/events.jsonl" <<'PY'
import json, sys
seen, events = set(), []
for line in open(sys.argv[1]):
    d = json.loads(line)
    key = (d["file"], d["line"])
    if key in seen or not d.get("fields"): continue
    seen.add(key)
    events.append(json.dumps(d["fields"]))
detections = sum(1 for _ in open(sys.argv[1]))
copies = 100_000 // detections + 1
with open(sys.argv[2], "w") as out:
    for _ in range(copies):
        for e in events: out.write(e + "\n")
print(f"{len(events)} firing events, {detections} detections, repeated {copies} times", file=sys.stderr)
PY

STORE="$WORK/history.sqlite"
unsaved=$(peak_kib "$VIGIL" hunt --rules "$RULES" --quiet "$WORK/events.jsonl" || true)
start=$(date +%s.%N)
saved=$(peak_kib "$VIGIL" hunt --rules "$RULES" --quiet --save --label big --store "$STORE" "$WORK/events.jsonl" || true)
seconds=$(python3 -c "import sys; print(round($(date +%s.%N) - $start, 2))")
count=$(sqlite3 "$STORE" "select detections from hunt" 2>/dev/null || python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select detections from hunt').fetchone()[0])" "$STORE")
echo "hunt of $count detections: peak $((unsaved / 1024)) MB not saved, $((saved / 1024)) MB saved ($seconds s with the save); store $(( $(stat -c %s "$STORE") / 1048576 )) MB"

"$VIGIL" coverage --rules "$SHARED/rules/sigma/rules/windows/builtin/security" --inventory "$ROOT/Examples/inventory.yaml" --save --store "$STORE" >/dev/null 2>&1 || true
PORT=${PORT:-18091}
"$VIGIL" serve --store "$STORE" --port "$PORT" >/dev/null 2>&1 &
SERVER=$!
sleep 2
host=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select computer from huntDetection group by computer order by count(*) desc limit 1').fetchone()[0])" "$STORE")
last=$((count - 10))
for page in "/hunts" "/hunts/1" "/hunts/1?after=$last" "/hunts/1?host=$host" "/hunts/1?level=high&tactic=credential-access" "/hunts/1?technique=T1003.001" "/hunts/1/detections/$last" "/snapshots"; do
    best=999
    for _ in 1 2 3 4 5; do
        t=$(curl -s -o /dev/null -w "%{time_total}" "http://127.0.0.1:$PORT$page")
        best=$(python3 -c "print(min($best, $t))")
    done
    printf '%-50s best of 5: %4.0f ms\n' "$page" "$(python3 -c "print($best * 1000)")"
done
