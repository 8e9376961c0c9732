#!/usr/bin/env bash
# Seeds the corpus with every non-empty chunk of the shared samples, then fuzzes for SECONDS
# (default 600). Crashing inputs land in Fuzz/corpus/evtx-crashes/; copy each into
# Tests/VigilEVTXTests/FuzzRegressions.swift as a regression test once fixed.
set -euo pipefail
cd "$(dirname "$0")/../.."
FUZZ_SECONDS=${1:-600}
source Fuzz/common.sh
fuzz_prepare evtx
if [ -z "$(ls -A "$CORPUS")" ]; then
    python3 - "$SHARED" "$CORPUS" <<'PY'
import hashlib, os, sys
shared, corpus = sys.argv[1], sys.argv[2]
for folder in ("logs/sigma-regression", "logs/evtx-attack-samples"):
    for d, _, fs in os.walk(os.path.join(shared, folder)):
        for f in fs:
            if f.endswith(".evtx"):
                data = open(os.path.join(d, f), "rb").read()
                for off in range(4096, len(data) - 65535, 65536):
                    chunk = data[off:off + 65536]
                    if chunk[:8] == b"ElfChnk\0":
                        open(os.path.join(corpus, hashlib.sha1(chunk).hexdigest()), "wb").write(chunk)
PY
fi
fuzz_run 65536
