#!/usr/bin/env bash
# Builds the libFuzzer target over the VigilCore, CCRC32, VigilEVTX and VigilLogs sources with swiftc
# and clang (-sanitize=fuzzer,address), into .build-fuzz/json/fuzz-json.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=.build-fuzz/json
mkdir -p "$OUT"
FLAGS=(-O -sanitize=fuzzer,address -parse-as-library -swift-version 6)
swiftc "${FLAGS[@]}" -module-name VigilCore -I Sources/CZlib -emit-module -emit-module-path "$OUT/VigilCore.swiftmodule" \
    -emit-library -static -o "$OUT/libVigilCore.a" Sources/VigilCore/*.swift
clang -O2 -fsanitize=fuzzer-no-link,address -I Sources/CCRC32/include -c Sources/CCRC32/crc32_fold.c -o "$OUT/crc32_fold.o"
ar rcs "$OUT/libCCRC32.a" "$OUT/crc32_fold.o"
swiftc "${FLAGS[@]}" -module-name VigilEVTX -I "$OUT" -I Sources/CZlib -I Sources/CCRC32/include -emit-module \
    -emit-module-path "$OUT/VigilEVTX.swiftmodule" -emit-library -static -o "$OUT/libVigilEVTX.a" Sources/VigilEVTX/*.swift
# -enable-testing: the target drives the document splitter (internal API) as LogReader does.
swiftc "${FLAGS[@]}" -enable-testing -module-name VigilLogs -I "$OUT" -I Sources/CZlib -I Sources/CCRC32/include -emit-module \
    -emit-module-path "$OUT/VigilLogs.swiftmodule" -emit-library -static -o "$OUT/libVigilLogs.a" Sources/VigilLogs/*.swift
swiftc "${FLAGS[@]}" -I "$OUT" -I Sources/CZlib -I Sources/CCRC32/include -L "$OUT" -lVigilLogs -lVigilEVTX -lVigilCore \
    -lCCRC32 -lz Fuzz/json/FuzzJSON.swift -o "$OUT/fuzz-json"
echo "$OUT/fuzz-json"
