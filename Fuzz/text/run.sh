#!/usr/bin/env bash
# Seeds the corpus with the first lines of every text log under the shared beyond-windows logs (Linux audit,
# syslog, Zeek TSV, CSV), each behind the byte that picks its reader, then fuzzes for SECONDS (default 600).
# Crashing inputs land in Fuzz/corpus/text-crashes/; turn each into a regression test once fixed.
set -euo pipefail
cd "$(dirname "$0")/../.."
FUZZ_SECONDS=${1:-600}
source Fuzz/common.sh
fuzz_prepare text
if [ -z "$(ls -A "$CORPUS")" ]; then
    python3 - "$SHARED" "$CORPUS" <<'PY'
import gzip, hashlib, os, sys
shared, corpus = sys.argv[1], sys.argv[2]
def put(selector, data):
    data = bytes([selector]) + data
    if len(data) <= 16384:
        open(os.path.join(corpus, hashlib.sha1(data).hexdigest()), "wb").write(data)
for d, _, fs in os.walk(os.path.join(shared, "logs/beyond-windows")):
    for f in sorted(fs):
        path = os.path.join(d, f)
        data = (gzip.open if f.endswith(".gz") else open)(path, "rb").read()
        if data[:1] in (b"{", b"["):
            continue
        lines = data.splitlines(keepends=True)
        selector = 3 if f.endswith((".csv", ".csv.gz")) else 2 if data.startswith(b"#separator") else \
            0 if b"audit(" in data[:4096] and b"type=" in data[:4096] else 1
        put(selector, b"".join(lines[:40]))
        put(selector, b"".join(lines[:5]))
PY
fi
fuzz_run 16384
