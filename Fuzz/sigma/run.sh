#!/usr/bin/env bash
# Seeds the corpus with the SigmaHQ rules (every rule, correlation and filter file up to 16 KiB), then
# fuzzes for SECONDS (default 600) with a YAML dictionary. Crashing inputs land in
# Fuzz/corpus/sigma-crashes/; copy each into Tests/VigilSigmaTests/FuzzRegressions.swift as a
# regression test once fixed.
set -euo pipefail
cd "$(dirname "$0")/../.."
FUZZ_SECONDS=${1:-600}
source Fuzz/common.sh
fuzz_prepare sigma
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
fuzz_run 16384 -dict=Fuzz/sigma/sigma.dict
