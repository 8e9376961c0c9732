#!/usr/bin/env bash
# Validated coverage: `vigil coverage --validate` with every SigmaHQ rule over both shared simulation sets
# (Security-Datasets Sysmon JSON and EVTX-ATTACK-SAMPLES) — goal < 3 s whole process on two cores — side by side,
# in the same run, with what it joins: the coverage run alone and `vigil hunt` with the same rules over the same
# logs. No outside tool validates coverage on simulations (DeTT&CT and Navigator score by hand; Hayabusa,
# Chainsaw and Zircolite hunt but say nothing about coverage), so the reference points are Vigil's own halves.
# coverage exits 1 here because 80 SigmaHQ rules are rejected (findings), hence -i. Not a test.
#
# usage: Benchmarks/validation.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
build_release
ensure_hyperfine

RULES="$SHARED/rules/sigma"
INVENTORY="$ROOT/Examples/inventory.yaml"
SIMULATIONS=("$SHARED/logs/sysmon-json" "$SHARED/logs/evtx-attack-samples")

hyperfine -N -i --warmup 1 --runs "${RUNS:-5}" --export-json "$OUT/validation.json" \
    -n "vigil coverage --validate" "$VIGIL coverage --rules $RULES --inventory $INVENTORY --validate ${SIMULATIONS[*]}" \
    -n "vigil coverage" "$VIGIL coverage --rules $RULES --inventory $INVENTORY" \
    -n "vigil hunt" "$VIGIL hunt --rules $RULES --quiet ${SIMULATIONS[*]}" >&2

validate=$(mean_of "$OUT/validation.json" 0); coverage=$(mean_of "$OUT/validation.json" 1); hunt=$(mean_of "$OUT/validation.json" 2)
mem=$(peak_kib "$VIGIL" coverage --rules "$RULES" --inventory "$INVENTORY" --validate "${SIMULATIONS[@]}" || true)
python3 - "$validate" "$coverage" "$hunt" "$mem" <<'PY'
import sys
validate, coverage, hunt = map(float, sys.argv[1:4]); mem = int(sys.argv[4])
print("validation over both shared sets, all SigmaHQ rules: %.2f s whole process (goal < 3 s), peak %d MB" % (validate, mem // 1024))
print("coverage alone %.2f s + hunt alone %.2f s = %.2f s run one after the other: validation takes %.2fx that"
      % (coverage, hunt, coverage + hunt, validate / (coverage + hunt)))
PY
