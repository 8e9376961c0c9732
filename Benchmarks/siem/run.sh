#!/usr/bin/env bash
# SIEM conversion: `vigil convert --target splunk|lucene|esql|kql` over the SigmaHQ Windows rules, side by
# side with pySigma and its Splunk, Elasticsearch (Lucene, ES|QL) and Kusto backends on the same files, in
# one run. pySigma's counts are what its pipelines accept; its queries match case-sensitively on keyword
# fields (Lucene, ES|QL) where vigil spells case-insensitivity out, so the figures compare speed, not meaning.
source "$(dirname "$0")/../common.sh"
build_release
ensure_hyperfine
ensure_venv pysigma pysigma-backend-splunk pysigma-backend-elasticsearch pysigma-backend-kusto
RULES="$SHARED/rules/sigma/rules/windows"
PY="$VENV/bin/python"
HERE="$(cd "$(dirname "$0")" && pwd)"
for target in splunk lucene esql kql; do
    # vigil exits 1 when it refuses some rules: -i keeps the timing.
    hyperfine -i --warmup 1 --runs "${RUNS:-3}" --export-json "$OUT/siem-$target.json" \
        -n "vigil convert --target $target" "$VIGIL convert --target $target $RULES > /dev/null 2>&1" \
        -n "pySigma $target" "$PY $HERE/pysigma_convert.py $target $RULES > /dev/null" >&2
    vigil=$(mean_of "$OUT/siem-$target.json" 0); peer=$(mean_of "$OUT/siem-$target.json" 1)
    counts=$( ("$VIGIL" convert --target "$target" "$RULES" 2>&1 >/dev/null || true) | tail -1)
    peer_counts=$("$PY" "$HERE/pysigma_convert.py" "$target" "$RULES")
    python3 - "$target" "$vigil" "$peer" "$counts" "$peer_counts" <<'PY'
import sys
target, vigil, peer, counts, peer_counts = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4], sys.argv[5]
_, ok, failed, _ = peer_counts.split("\t")
print("%-7s vigil %6.3f s (%s)   pySigma %6.3f s (%s converted, %s failed)   vigil %.1fx faster"
      % (target, vigil, counts, peer, ok, failed, peer / vigil))
PY
done
