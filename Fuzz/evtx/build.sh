#!/usr/bin/env bash
# Builds the libFuzzer target over the VigilCore and VigilEVTX sources with swiftc
# (-sanitize=fuzzer,address), into .build-fuzz/evtx/fuzz-evtx.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=.build-fuzz/evtx
mkdir -p "$OUT"
FLAGS=(-O -sanitize=fuzzer,address -parse-as-library -swift-version 6)
swiftc "${FLAGS[@]}" -module-name VigilCore -I Sources/CZlib -emit-module -emit-module-path "$OUT/VigilCore.swiftmodule" \
    -emit-library -static -o "$OUT/libVigilCore.a" Sources/VigilCore/*.swift
swiftc "${FLAGS[@]}" -module-name VigilEVTX -I "$OUT" -I Sources/CZlib -emit-module -emit-module-path "$OUT/VigilEVTX.swiftmodule" \
    -emit-library -static -o "$OUT/libVigilEVTX.a" Sources/VigilEVTX/*.swift
swiftc "${FLAGS[@]}" -I "$OUT" -I Sources/CZlib -L "$OUT" -lVigilEVTX -lVigilCore -lz Fuzz/evtx/FuzzEVTX.swift -o "$OUT/fuzz-evtx"
echo "$OUT/fuzz-evtx"
