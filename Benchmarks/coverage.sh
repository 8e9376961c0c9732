#!/usr/bin/env bash
# Coverage: `vigil coverage` over all six rule repositories with DeTT&CT's sample inventory (goal < 2 s
# whole process), and over the Sigma repository side by side with attack-mapper (PyPI, Sigma only).
source "$(dirname "$0")/common.sh"
build_release
ensure_hyperfine
ensure_venv attack-mapper
RULES="$SHARED/rules"
INVENTORY="$SHARED/dettect/sample-data/data-sources-endpoints.yaml"
mkdir -p "$OUT/coverage"

hyperfine -N --warmup 1 --runs "${RUNS:-5}" --export-json "$OUT/coverage.json" \
    -n "vigil coverage, six repositories, layers + plan" \
    "$VIGIL coverage --rules $RULES --inventory $INVENTORY --layers $OUT/coverage --report $OUT/coverage/plan.md" \
    -n "vigil coverage, Sigma" "$VIGIL coverage --rules $RULES/sigma --inventory $INVENTORY --layer $OUT/coverage/sigma.json" \
    -n "attack-mapper, Sigma" "$VENV/bin/attack-mapper $RULES/sigma --json $OUT/coverage/attack-mapper.json --quiet" >&2

six=$(mean_of "$OUT/coverage.json" 0); sigma=$(mean_of "$OUT/coverage.json" 1); mapper=$(mean_of "$OUT/coverage.json" 2)
mem=$(peak_kib "$VIGIL" coverage --rules "$RULES" --inventory "$INVENTORY")
rules=$("$VIGIL" coverage --rules "$RULES" --inventory "$INVENTORY" --json 2>/dev/null | python3 -c "import json,sys; d=json.load(sys.stdin); print(sum(d['rulesBySource'].values()))")
python3 - "$six" "$sigma" "$mapper" "$mem" "$rules" <<'PY'
import sys
six, sigma, mapper = map(float, sys.argv[1:4]); mem = int(sys.argv[4]); rules = sys.argv[5]
print("vigil coverage, all six repositories (%s rules) + 6 layers + gap plan: %.3f s, peak %d MB" % (rules, six, mem // 1024))
print("Sigma repository: vigil %.3f s, attack-mapper %.3f s -> vigil is %.1fx faster" % (sigma, mapper, mapper / sigma))
PY
