#!/usr/bin/env bash
# ATT&CK loading: `vigil attack info` on Enterprise v18.1 (STIX 2.1, 50 MB) and on the embedded index,
# side by side with Python's bare json.load and mitreattack-python's MitreAttackData, in one run.
source "$(dirname "$0")/common.sh"
build_release
ensure_hyperfine
ensure_venv mitreattack-python
BUNDLE="$OUT/enterprise-attack-18.1.json"
[ -f "$BUNDLE" ] || gunzip -c "$SHARED/attack/enterprise-attack-18.1.json.gz" > "$BUNDLE"
SIZE_KIB=$(( $(stat -c %s "$BUNDLE") / 1024 ))
PY="$VENV/bin/python"

hyperfine -N --warmup 2 --runs "${RUNS:-10}" --export-json "$OUT/attack.json" \
    -n "vigil attack info (bundle)" "$VIGIL attack info --attack $BUNDLE" \
    -n "vigil attack info (embedded index)" "$VIGIL attack info" \
    -n "python json.load" "$PY -c 'import json; json.load(open(\"$BUNDLE\"))'" \
    -n "mitreattack-python MitreAttackData" "$PY -c 'from mitreattack.stix20 import MitreAttackData; MitreAttackData(\"$BUNDLE\")'" >&2

vigil=$(mean_of "$OUT/attack.json" 0); index=$(mean_of "$OUT/attack.json" 1)
jsonload=$(mean_of "$OUT/attack.json" 2); mitre=$(mean_of "$OUT/attack.json" 3)
mem_vigil=$(peak_kib "$VIGIL" attack info --attack "$BUNDLE")
mem_json=$(peak_kib "$PY" -c "import json; json.load(open('$BUNDLE'))")
mem_mitre=$(peak_kib "$PY" -c "from mitreattack.stix20 import MitreAttackData; MitreAttackData('$BUNDLE')")
python3 - "$vigil" "$index" "$jsonload" "$mitre" "$mem_vigil" "$mem_json" "$mem_mitre" "$SIZE_KIB" <<'PY'
import sys
vigil, index, jl, mitre = map(float, sys.argv[1:5]); mv, mj, mm, size = map(int, sys.argv[5:9])
print("ATT&CK Enterprise v18.1 (%.1f MB), whole process, mean of runs" % (size / 1024))
print("  vigil attack info --attack FILE   %7.3f s   peak %4d MB (%.1fx file)" % (vigil, mv // 1024, mv / size))
print("  vigil attack info (embedded)      %7.3f s" % index)
print("  python json.load                  %7.3f s   peak %4d MB   -> vigil is %.1fx faster" % (jl, mj // 1024, jl / vigil))
print("  mitreattack-python                %7.3f s   peak %4d MB   -> vigil is %.1fx faster" % (mitre, mm // 1024, mitre / vigil))
PY
