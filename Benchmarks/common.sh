# Shared by the benchmark scripts: locations, the release build, the peers' venv, timing helpers.
# Benchmarks are not tests: they print figures and ratios against a peer measured in the same run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SHARED="${VIGIL_SHARED:-$ROOT/../shared}"
OUT="$ROOT/Benchmarks/out"
VENV="$ROOT/Benchmarks/.venv"
VIGIL="$ROOT/.build/release/vigil"
mkdir -p "$OUT"

build_release() {
    (cd "$ROOT" && swift build -c release --product vigil >&2)
}

# Peers come from PyPI into a venv this script makes.
ensure_venv() {
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q "$@" >&2
}

ensure_hyperfine() {
    command -v hyperfine >/dev/null || { apt-get update -qq >&2 && apt-get install -y -qq hyperfine >&2; }
}

# Peak resident memory (KiB) of one run of a command, whatever its exit status (a run with findings exits 1).
peak_kib() { { /usr/bin/time -f %M "$@" 2>&1 >/dev/null || true; } | tail -1; }

# Mean seconds of a command from hyperfine's JSON export.
mean_of() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['results'][int(sys.argv[2])]['mean'])" "$1" "$2"; }
