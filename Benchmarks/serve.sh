#!/usr/bin/env bash
# `vigil serve`: the full Enterprise matrix page, rendered per request, side by side with the same server
# answering a static copy of that page (same bytes, same Hummingbird stack, no rendering), under wrk on
# loopback. Prints the server-side render time (Server-Timing) and wrk's figures for both.
#
# Usage: Benchmarks/serve.sh [SNAPSHOT.json]
#   The store is filled by `vigil coverage --save` over Sigma's rules and the example inventory when that
#   command exists, else by importing SNAPSHOT.json (make one with
#   `VIGIL_KEEP_SNAPSHOT=/tmp/snapshot.json swift test --filter BrowserTests`).
# Needs: wrk and curl (Debian: apt-get install -y wrk curl). Traffic goes to 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${VIGIL_SHARED:-../shared}
SCRATCH=${SCRATCH:-.build-release}
DURATION=${DURATION:-10s}
PORT=${PORT:-18080}

command -v wrk >/dev/null || { echo "wrk is not installed: apt-get install -y wrk" >&2; exit 2; }
swift build -c release --scratch-path "$SCRATCH" --product vigil >/dev/null 2>&1
VIGIL="$SCRATCH/release/vigil"
WORK=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
STORE="$WORK/history.sqlite"

if "$VIGIL" coverage --help 2>/dev/null | grep -q -- "--save"; then
    "$VIGIL" coverage --rules "$SHARED/rules/sigma" --inventory Examples/inventory.yaml --save --label bench --store "$STORE" >/dev/null || true
fi
if [ ! -s "$STORE" ]; then
    SNAPSHOT=${1:?"give a snapshot JSON (see the usage at the top of this script)"}
    "$VIGIL" history import --store "$STORE" "$SNAPSHOT" >/dev/null
fi

# The static peer: the very page the server renders, saved once.
"$VIGIL" serve --port "$PORT" --store "$STORE" >/dev/null &
SERVER=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/static/vigil.css" >/dev/null && break; sleep 0.2; done
curl -sf "http://127.0.0.1:$PORT/" -o "$WORK/matrix.html"
kill $SERVER
wait $SERVER 2>/dev/null || true
"$VIGIL" serve --port "$PORT" --store "$STORE" --benchmark-peer "$WORK/matrix.html" >/dev/null &
SERVER=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/benchmark/peer" >/dev/null && break; sleep 0.2; done

echo "matrix page: $(wc -c <"$WORK/matrix.html") bytes, $(grep -o 'class="cell ' "$WORK/matrix.html" | wc -l) technique cells"
echo "== server-side render time of / (Server-Timing, ms), 20 requests after a warm-up"
curl -s -o /dev/null "http://127.0.0.1:$PORT/"
for _ in $(seq 20); do
    curl -s -D - -o /dev/null "http://127.0.0.1:$PORT/" | tr -d '\r' | sed -n 's/^server-timing: render;dur=//Ip'
done | sort -n | awk '{ v[NR] = $1 } END { printf "min %.2f  median %.2f  max %.2f\n", v[1], v[int((NR + 1) / 2)], v[NR] }'

for path in / /benchmark/peer; do
    echo "== wrk -t1 -c1 -d$DURATION http://127.0.0.1:$PORT$path"
    wrk -t1 -c1 -d"$DURATION" --latency "http://127.0.0.1:$PORT$path" | sed -n '/Latency/p;/50%/p;/99%/p;/Requests\/sec/p;/Transfer\/sec/p'
    echo "== wrk -t2 -c8 -d$DURATION http://127.0.0.1:$PORT$path"
    wrk -t2 -c8 -d"$DURATION" --latency "http://127.0.0.1:$PORT$path" | sed -n '/Latency/p;/50%/p;/99%/p;/Requests\/sec/p;/Transfer\/sec/p'
done
