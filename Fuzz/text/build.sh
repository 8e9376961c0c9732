#!/usr/bin/env bash
# Builds the libFuzzer target over the text log readers (VigilCore, CCRC32, VigilEVTX, VigilLogs and Yams from
# .build/checkouts, so run `swift build` once first) with swiftc and clang (-sanitize=fuzzer,address),
# into .build-fuzz/text/fuzz-text.
set -euo pipefail
cd "$(dirname "$0")/../.."
source Fuzz/common.sh
OUT=.build-fuzz/text
mkdir -p "$OUT"
yams_library "$OUT"
swift_library "$OUT" VigilCore -- Sources/VigilCore/*.swift
crc32_library "$OUT"
swift_library "$OUT" VigilEVTX -I Sources/CCRC32/include -- Sources/VigilEVTX/*.swift
# -enable-testing: the target takes the readers' documents from their sink (internal API) as LogReader does.
swift_library "$OUT" VigilLogs -enable-testing -I Sources/CCRC32/include "${YAMS_INCLUDES[@]}" -- Sources/VigilLogs/*.swift
swiftc "${FUZZ_FLAGS[@]}" -I "$OUT" -I Sources/CZlib -I Sources/CCRC32/include -L "$OUT" "${YAMS_INCLUDES[@]}" -lVigilLogs -lVigilEVTX -lVigilCore \
    -lYams -lCYaml -lCCRC32 -lz Fuzz/text/FuzzText.swift -o "$OUT/fuzz-text"
echo "$OUT/fuzz-text"
