#!/usr/bin/env bash
# Builds the libFuzzer target over the VigilCore and VigilSigma sources and Yams (from
# .build/checkouts, so run `swift build` once first) with swiftc and clang (-sanitize=fuzzer,address),
# into .build-fuzz/sigma/fuzz-sigma.
set -euo pipefail
cd "$(dirname "$0")/../.."
source Fuzz/common.sh
OUT=.build-fuzz/sigma
mkdir -p "$OUT"
yams_library "$OUT"
swift_library "$OUT" VigilCore -- Sources/VigilCore/*.swift
swift_library "$OUT" VigilSigma "${YAMS_INCLUDES[@]}" -- Sources/VigilSigma/*.swift
swiftc "${FUZZ_FLAGS[@]}" -I "$OUT" -I Sources/CZlib "${YAMS_INCLUDES[@]}" -L "$OUT" -lVigilSigma -lVigilCore -lYams -lCYaml -lz \
    Fuzz/sigma/FuzzSigma.swift -o "$OUT/fuzz-sigma"
echo "$OUT/fuzz-sigma"
