#!/usr/bin/env bash
# Seeds the corpus with the SigmaHQ rules (every rule, correlation and filter file up to 16 KiB), then
# fuzzes for SECONDS (default 600) with a YAML dictionary. Crashing inputs land in
# Fuzz/corpus/sigma-crashes/; copy each into Tests/VigilSigmaTests/FuzzRegressions.swift as a
# regression test once fixed.
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_TO_RUN=${1:-600}
SHARED=${VIGIL_SHARED:-$PWD/../shared}
CORPUS=Fuzz/corpus/sigma
CRASHES=Fuzz/corpus/sigma-crashes
mkdir -p "$CORPUS" "$CRASHES"
[ -x .build-fuzz/sigma/fuzz-sigma ] || Fuzz/sigma/build.sh
if [ -z "$(ls -A "$CORPUS")" ]; then
    python3 - "$SHARED" "$CORPUS" <<'PY'
import hashlib, os, sys
shared, corpus = sys.argv[1], sys.argv[2]
for d, _, fs in os.walk(os.path.join(shared, "rules/sigma")):
    for f in fs:
        if f.endswith((".yml", ".yaml")):
            data = open(os.path.join(d, f), "rb").read()
            if len(data) <= 16384:
                open(os.path.join(corpus, hashlib.sha1(data).hexdigest()), "wb").write(data)
PY
fi
.build-fuzz/sigma/fuzz-sigma -max_len=16384 -timeout=10 -rss_limit_mb=2048 -max_total_time="$SECONDS_TO_RUN" \
    -dict=Fuzz/sigma/sigma.dict -artifact_prefix="$CRASHES/" -print_final_stats=1 "$CORPUS"
