#!/usr/bin/env bash
# Times reading all six rule repositories (shared/rules) and rating every rule, whole process, release build.
# Builds a throw-away package in a temporary folder that depends on this one (so Package.swift stays as it is).
# Usage: Benchmarks/coverage-import.sh [runs] [paths...]   (default: 5 runs over ../shared/rules)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
runs="${1:-5}"
shift || true
paths=("$@")
[ ${#paths[@]} -eq 0 ] && paths=("${VIGIL_SHARED:-$root/../shared}/rules")
work="${TMPDIR:-/tmp}/vigil-coverage-import-bench"
mkdir -p "$work/Sources/CoverageImportBench"
cat > "$work/Package.swift" <<SWIFT
// swift-tools-version: 6.0
import PackageDescription
let package = Package(
    name: "CoverageImportBench",
    platforms: [.macOS(.v14)],
    dependencies: [.package(path: "$root")],
    targets: [.executableTarget(name: "CoverageImportBench", dependencies: [.product(name: "VigilCoverage", package: "main")])])
SWIFT
sed -i "s/package: \"main\"/package: \"$(basename "$root")\"/" "$work/Package.swift"
cat > "$work/Sources/CoverageImportBench/main.swift" <<'SWIFT'
import VigilCoverage

let clock = ContinuousClock()
let start = clock.now
let result = RuleRepositories.read(Array(CommandLine.arguments.dropFirst()))
let read = clock.now - start
let rater = RuleRater()
var histogram = [Int](repeating: 0, count: 6)
for rule in result.rules { histogram[rater.rate(rule).rating] += 1 }
let total = clock.now - start
for i in result.imports { print(i.source.rawValue, i.rules.count, "rules,", i.filesSeen, "files,", i.diagnostics.count, "diagnostics") }
print("read:", read, "read+rate:", total, "ratings 1-5:", histogram.dropFirst().map(String.init).joined(separator: " "))
SWIFT
(cd "$work" && swift build -c release >/dev/null)
bin="$work/.build/release/CoverageImportBench"
"$bin" "${paths[@]}"
for _ in $(seq "$runs"); do
    /usr/bin/time -f "whole process: wall %e s, user %U s, sys %S s, max RSS %M KB" "$bin" "${paths[@]}" 2>&1 >/dev/null | tail -1
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), cores: $(nproc)"
