#!/usr/bin/env bash
# Builds the libFuzzer target over the VigilCore, CCRC32 and VigilEVTX sources with swiftc and
# clang (-sanitize=fuzzer,address), into .build-fuzz/evtx/fuzz-evtx.
set -euo pipefail
cd "$(dirname "$0")/../.."
source Fuzz/common.sh
OUT=.build-fuzz/evtx
mkdir -p "$OUT"
swift_library "$OUT" VigilCore -- Sources/VigilCore/*.swift
crc32_library "$OUT"
# -enable-testing: the target compares decoders with and without template programs (internal API).
swift_library "$OUT" VigilEVTX -enable-testing -I Sources/CCRC32/include -- Sources/VigilEVTX/*.swift
swiftc "${FUZZ_FLAGS[@]}" -I "$OUT" -I Sources/CZlib -I Sources/CCRC32/include -L "$OUT" -lVigilEVTX -lVigilCore -lCCRC32 -lz \
    Fuzz/evtx/FuzzEVTX.swift -o "$OUT/fuzz-evtx"
echo "$OUT/fuzz-evtx"
