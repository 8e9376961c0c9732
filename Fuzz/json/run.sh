#!/usr/bin/env bash
# Seeds the corpus with events from the shared Sysmon JSON logs (a few lines of each file, and small
# multi-line samples) and the SigmaHQ regression JSON, then fuzzes for SECONDS (default 600). Crashing
# inputs land in Fuzz/corpus/json-crashes/; copy each into Tests/VigilLogsTests/JSONFuzzRegressions.swift
# as a regression test once fixed.
set -euo pipefail
cd "$(dirname "$0")/../.."
FUZZ_SECONDS=${1:-600}
source Fuzz/common.sh
fuzz_prepare json
if [ -z "$(ls -A "$CORPUS")" ]; then
    python3 - "$SHARED" "$CORPUS" <<'PY'
import gzip, hashlib, os, sys
shared, corpus = sys.argv[1], sys.argv[2]
def put(data):
    if 0 < len(data) <= 16384:
        open(os.path.join(corpus, hashlib.sha1(data).hexdigest()), "wb").write(data)
for d, _, fs in os.walk(os.path.join(shared, "logs/sysmon-json")):
    for f in sorted(fs):
        if f.endswith(".json.gz"):
            lines = gzip.open(os.path.join(d, f)).read().splitlines(keepends=True)
            for line in lines[:3]:
                put(line)
            put(b"".join(lines[:2]))
for d, _, fs in os.walk(os.path.join(shared, "logs/sigma-regression")):
    for f in sorted(fs):
        if f.endswith(".json"):
            put(open(os.path.join(d, f), "rb").read())
PY
fi
fuzz_run 16384
