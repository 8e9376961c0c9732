#!/usr/bin/env bash
# Builds the libFuzzer target over the VigilCore, VigilAttack and VigilSigma sources and Yams (from
# .build/checkouts, so run `swift build` once first) with swiftc and clang (-sanitize=fuzzer,address),
# into .build-fuzz/sigma/fuzz-sigma.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=.build-fuzz/sigma
YAMS=.build/checkouts/Yams/Sources
[ -d "$YAMS" ] || { echo "Yams not checked out: run swift build first" >&2; exit 1; }
mkdir -p "$OUT/cyaml"
FLAGS=(-O -sanitize=fuzzer,address -parse-as-library)
for c in "$YAMS"/CYaml/src/*.c; do
    clang -O2 -fsanitize=fuzzer-no-link,address -DYAML_DECLARE_STATIC -I "$YAMS/CYaml/include" -c "$c" \
        -o "$OUT/cyaml/$(basename "$c" .c).o"
done
ar rcs "$OUT/libCYaml.a" "$OUT"/cyaml/*.o
swiftc "${FLAGS[@]}" -swift-version 5 -D SWIFT_PACKAGE -module-name Yams -Xcc -DYAML_DECLARE_STATIC -I "$YAMS/CYaml/include" -emit-module \
    -emit-module-path "$OUT/Yams.swiftmodule" -emit-library -static -o "$OUT/libYams.a" "$YAMS"/Yams/*.swift
FLAGS+=(-swift-version 6)
swiftc "${FLAGS[@]}" -module-name VigilCore -I Sources/CZlib -emit-module -emit-module-path "$OUT/VigilCore.swiftmodule" \
    -emit-library -static -o "$OUT/libVigilCore.a" Sources/VigilCore/*.swift
INCLUDES=(-I "$OUT" -I Sources/CZlib -I "$YAMS/CYaml/include" -Xcc -DYAML_DECLARE_STATIC)
swiftc "${FLAGS[@]}" -module-name VigilAttack "${INCLUDES[@]}" -emit-module -emit-module-path "$OUT/VigilAttack.swiftmodule" \
    -emit-library -static -o "$OUT/libVigilAttack.a" $(find Sources/VigilAttack -name '*.swift')
swiftc "${FLAGS[@]}" -module-name VigilSigma "${INCLUDES[@]}" -emit-module -emit-module-path "$OUT/VigilSigma.swiftmodule" \
    -emit-library -static -o "$OUT/libVigilSigma.a" Sources/VigilSigma/*.swift
swiftc "${FLAGS[@]}" "${INCLUDES[@]}" -L "$OUT" -lVigilSigma -lVigilAttack -lVigilCore -lYams -lCYaml -lz \
    Fuzz/sigma/FuzzSigma.swift -o "$OUT/fuzz-sigma"
echo "$OUT/fuzz-sigma"
