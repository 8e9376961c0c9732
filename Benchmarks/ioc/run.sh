#!/usr/bin/env bash
# Indicator sweeps, side by side: vigil ioc (one and two threads) against a Python sweep with the same
# rules (peer.py) and against `zcat | grep -F -i -f` (fixed strings, no fields, a line per hit), over the
# shared Sysmon JSON (gzip) with a feed of the real indicators found in it and with the same feed padded to
# 10,000 random indicators; then vigil alone over the EVTX samples. Not a test.
# Usage: Benchmarks/ioc/run.sh   (VIGIL_BIN=path/to/vigil to skip the release build)
source "$(dirname "${BASH_SOURCE[0]}")/../common.sh"
if [ -n "${VIGIL_BIN:-}" ]; then VIGIL="$VIGIL_BIN"; else build_release; fi
ensure_hyperfine
HERE="$ROOT/Benchmarks/ioc"
LOGS="$SHARED/logs/sysmon-json"
EVTX="$SHARED/logs/evtx-attack-samples"

# Real indicators: the most frequent digests, addresses, queries and images of the logs themselves.
zcat "$LOGS"/*.json.gz | python3 -c '
import collections, json, sys
c = collections.defaultdict(collections.Counter)
for line in sys.stdin:
    if not line.strip(): continue
    e = json.loads(line)
    for part in (e.get("Hashes") or "").split(","):
        k, _, v = part.partition("=")
        if v: c[k.lower()][v] += 1
    for k in ("DestinationIp", "SourceIp"):
        if e.get(k): c["ip"][e[k]] += 1
    if "." in (e.get("QueryName") or ""): c["domain"][e["QueryName"]] += 1
    if e.get("Image"): c["path"][e["Image"]] += 1
for kind, n in (("sha256", 4), ("md5", 2), ("imphash", 2), ("ip", 4), ("domain", 4), ("path", 4)):
    for v, _ in c[kind].most_common(n): print(kind + ":" + v)
print("cidr:172.18.0.0/16"); print("cidr:fe80::/10")
' > "$OUT/ioc-real.txt"
python3 "$HERE/make_feed.py" 0 < "$OUT/ioc-real.txt" > "$OUT/ioc-small.txt"
python3 "$HERE/make_feed.py" 10000 < "$OUT/ioc-real.txt" > "$OUT/ioc-large.txt"
cut -d: -f2- "$OUT/ioc-small.txt" > "$OUT/ioc-small.grep"
cut -d: -f2- "$OUT/ioc-large.txt" > "$OUT/ioc-large.grep"
EVENTS=$(zcat "$LOGS"/*.json.gz | grep -c .)

for feed in small large; do
    n=$(wc -l < "$OUT/ioc-$feed.txt")
    mine=$("$VIGIL" ioc --file "$OUT/ioc-$feed.txt" "$LOGS" --format jsonl 2>/dev/null | wc -l || true)
    peer=$(python3 "$HERE/peer.py" "$OUT/ioc-$feed.txt" "$LOGS")
    echo "== sysmon-json ($EVENTS events), $n indicators: vigil $mine hits; peer.py $peer (hits events)"
    hyperfine -N -i --warmup 1 --runs 5 --export-json "$OUT/ioc-$feed.json" \
        -n "vigil 1 thread" "$VIGIL ioc --file $OUT/ioc-$feed.txt $LOGS --format jsonl --threads 1" \
        -n "vigil 2 threads" "$VIGIL ioc --file $OUT/ioc-$feed.txt $LOGS --format jsonl --threads 2" \
        -n "python peer.py" "python3 $HERE/peer.py $OUT/ioc-$feed.txt $LOGS" \
        -n "zcat | grep -F -i -f" "bash -c 'zcat $LOGS/*.json.gz | grep -c -F -i -f $OUT/ioc-$feed.grep'" > /dev/null
    python3 - "$OUT/ioc-$feed.json" "$EVENTS" <<'PY'
import json, sys
runs = json.load(open(sys.argv[1]))["results"]
n = int(sys.argv[2])
peer = next(r["mean"] for r in runs if r["command"] == "python peer.py")
for r in runs:
    t, cpu = r["mean"], r["user"] + r["system"]
    print(f"  {r['command']:22s} {t * 1000:8.1f} ms wall {cpu * 1000:8.1f} ms cpu  {n / t:10,.0f} events/s  {peer / t:5.1f}x vs peer.py")
PY
done

echo "== evtx-attack-samples, $(wc -l < "$OUT/ioc-large.txt") indicators"
hyperfine -N -i --warmup 1 --runs 5 --export-json "$OUT/ioc-evtx.json" \
    -n "vigil 1 thread" "$VIGIL ioc --file $OUT/ioc-large.txt $EVTX --format jsonl --threads 1" \
    -n "vigil 2 threads" "$VIGIL ioc --file $OUT/ioc-large.txt $EVTX --format jsonl --threads 2" > /dev/null
python3 - "$OUT/ioc-evtx.json" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print(f"  {r['command']:22s} {r['mean'] * 1000:8.1f} ms wall {(r['user'] + r['system']) * 1000:8.1f} ms cpu")
PY
echo "peak memory (KiB), sysmon-json, 10,000 indicators, 2 threads: $(peak_kib "$VIGIL" ioc --file "$OUT/ioc-large.txt" "$LOGS" --format jsonl)"
