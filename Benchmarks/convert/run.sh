#!/usr/bin/env bash
# `vigil convert` vs `sigma convert` (sigma-cli + pySigma backends from PyPI), whole process, one run:
# every SigmaHQ rule folder to each target both sides have, and Vigil's SQL targets, which pySigma has no
# installable backend for (ClickHouse, Spark; pySigma-backend-duckdb does not load in sigma-cli 3.1).
# Counts: rules each side converts. Usage: Benchmarks/convert/run.sh   (VIGIL_BIN=... skips the build)
source "$(dirname "${BASH_SOURCE[0]}")/../common.sh"
if [ -n "${VIGIL_BIN:-}" ]; then VIGIL="$VIGIL_BIN"; else build_release; fi
CVENV="$ROOT/Benchmarks/.venv-convert"
[ -x "$CVENV/bin/sigma" ] || { python3 -m venv "$CVENV" && "$CVENV/bin/pip" install -q sigma-cli pysigma-backend-elasticsearch \
    pysigma-backend-splunk pysigma-backend-kusto pysigma-pipeline-sysmon pysigma-pipeline-windows >&2; }
ensure_hyperfine
R="$SHARED/rules/sigma"
ALL=("$R"/rules "$R"/rules-emerging-threats "$R"/rules-threat-hunting "$R"/rules-compliance "$R"/rules-placeholder "$R"/rules-dfir)
# vigil target, sigma-cli target, sigma-cli pipeline
PAIRS=("splunk splunk splunk_windows" "lucene lucene ecs_windows" "esql esql ecs_windows" "kql kusto microsoft_xdr")
for pair in "${PAIRS[@]}"; do
    set -- $pair
    mine=$("$VIGIL" convert --target "$1" "${ALL[@]}" 2>&1 >/dev/null | tail -1 || true)
    theirs=$("$CVENV/bin/python" "$ROOT/Benchmarks/convert/count.py" "$2" "$3" "${ALL[@]}")
    echo "== $1: vigil: $mine | sigma convert -t $2 -p $3: converted/failed $theirs"
    hyperfine -N -i --warmup 1 --runs 5 --export-json "$OUT/convert-$1.json" \
        -n "vigil convert --target $1" "$VIGIL convert --target $1 ${ALL[*]}" \
        -n "sigma convert -t $2 -p $3" "$CVENV/bin/sigma convert -t $2 -p $3 --disable-pipeline-check -s ${ALL[*]}" > /dev/null
    python3 - "$OUT/convert-$1.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
print(f"  vigil {r[0]['mean']:.3f} s   sigma-cli {r[1]['mean']:.3f} s   ratio {r[1]['mean'] / r[0]['mean']:.1f}x")
PY
done
for t in duckdb clickhouse spark; do
    mine=$("$VIGIL" convert --target "$t" "${ALL[@]}" 2>&1 >/dev/null | tail -1 || true)
    hyperfine -N -i --warmup 1 --runs 5 --export-json "$OUT/convert-$t.json" "$VIGIL convert --target $t ${ALL[*]}" > /dev/null
    echo "== $t (no pySigma peer): $mine, $(python3 -c "import json,sys; print('%.3f s' % json.load(open(sys.argv[1]))['results'][0]['mean'])" "$OUT/convert-$t.json")"
done
