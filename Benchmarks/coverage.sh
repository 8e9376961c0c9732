#!/usr/bin/env bash
# Coverage: `vigil coverage` over all six rule repositories with DeTT&CT's sample inventory (goal < 2 s
# whole process), and over the Sigma repository side by side with attack-mapper (PyPI, Sigma only). Then the cost of
# high-value assets: the example inventory (five assets and the other systems, each assessed on its own) with and
# without them (--no-assets), over all six repositories.
source "$(dirname "$0")/common.sh"
build_release
ensure_hyperfine
ensure_venv attack-mapper
RULES="$SHARED/rules"
INVENTORY="$SHARED/dettect/sample-data/data-sources-endpoints.yaml"
mkdir -p "$OUT/coverage"

# -i: over all of ../shared/rules, coverage exits 1 (SigmaHQ's unsupported and placeholder rules are rejected findings).
hyperfine -N -i --warmup 1 --runs "${RUNS:-5}" --export-json "$OUT/coverage.json" \
    -n "vigil coverage, six repositories, layers + plan" \
    "$VIGIL coverage --rules $RULES --inventory $INVENTORY --layers $OUT/coverage --report $OUT/coverage/plan.md" \
    -n "vigil coverage, Sigma" "$VIGIL coverage --rules $RULES/sigma --inventory $INVENTORY --layer $OUT/coverage/sigma.json" \
    -n "attack-mapper, Sigma" "$VENV/bin/attack-mapper $RULES/sigma --json $OUT/coverage/attack-mapper.json --quiet" \
    -n "vigil coverage, six repositories, example inventory with assets" \
    "$VIGIL coverage --rules $RULES --inventory $ROOT/Examples/inventory.yaml --actors APT29 FIN7 --aim FIN7=payments,pii --aim APT29=identity,email --report $OUT/coverage/assets.md" \
    -n "vigil coverage, six repositories, example inventory --no-assets" \
    "$VIGIL coverage --rules $RULES --inventory $ROOT/Examples/inventory.yaml --actors APT29 FIN7 --no-assets --report $OUT/coverage/no-assets.md" >&2

six=$(mean_of "$OUT/coverage.json" 0); sigma=$(mean_of "$OUT/coverage.json" 1); mapper=$(mean_of "$OUT/coverage.json" 2)
assets=$(mean_of "$OUT/coverage.json" 3); bare=$(mean_of "$OUT/coverage.json" 4)
assets_mem=$(peak_kib "$VIGIL" coverage --rules "$RULES" --inventory "$ROOT/Examples/inventory.yaml" --actors APT29 FIN7)
mem=$(peak_kib "$VIGIL" coverage --rules "$RULES" --inventory "$INVENTORY")
rules=$({ "$VIGIL" coverage --rules "$RULES" --inventory "$INVENTORY" --json 2>/dev/null || true; } | python3 -c "import json,sys; d=json.load(sys.stdin); print(sum(d['rulesBySource'].values()))")
python3 - "$six" "$sigma" "$mapper" "$mem" "$rules" "$assets" "$bare" "$assets_mem" <<'PY'
import sys
six, sigma, mapper = map(float, sys.argv[1:4]); mem = int(sys.argv[4]); rules = sys.argv[5]
assets, bare, assets_mem = float(sys.argv[6]), float(sys.argv[7]), int(sys.argv[8])
print("vigil coverage, all six repositories (%s rules) + 6 layers + gap plan: %.3f s, peak %d MB" % (rules, six, mem // 1024))
print("Sigma repository: vigil %.3f s, attack-mapper %.3f s -> vigil is %.1fx faster" % (sigma, mapper, mapper / sigma))
print("high-value assets (example inventory, six repositories): %.3f s with, %.3f s without -> %.2fx; peak %d MB" % (assets, bare, assets / bare, assets_mem // 1024))
PY
