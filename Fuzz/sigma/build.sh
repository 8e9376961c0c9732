#!/usr/bin/env bash
# Builds the libFuzzer target over the VigilCore and VigilSigma sources and Yams (from
# .build/checkouts, so run `swift build` once first) with swiftc and clang (-sanitize=fuzzer,address),
# into .build-fuzz/sigma/fuzz-sigma.
set -euo pipefail
cd "$(dirname "$0")/../.."
source Fuzz/common.sh
OUT=.build-fuzz/sigma
YAMS=.build/checkouts/Yams/Sources
[ -d "$YAMS" ] || { echo "Yams not checked out: run swift build first" >&2; exit 1; }
mkdir -p "$OUT/cyaml"
for c in "$YAMS"/CYaml/src/*.c; do
    clang -O2 -fsanitize=fuzzer-no-link,address -DYAML_DECLARE_STATIC -I "$YAMS/CYaml/include" -c "$c" \
        -o "$OUT/cyaml/$(basename "$c" .c).o"
done
ar rcs "$OUT/libCYaml.a" "$OUT"/cyaml/*.o
# Yams is Swift 5 code: FUZZ_FLAGS without its -swift-version 6.
swiftc "${FUZZ_FLAGS[@]:0:3}" -swift-version 5 -D SWIFT_PACKAGE -module-name Yams -Xcc -DYAML_DECLARE_STATIC -I "$YAMS/CYaml/include" -emit-module \
    -emit-module-path "$OUT/Yams.swiftmodule" -emit-library -static -o "$OUT/libYams.a" "$YAMS"/Yams/*.swift
swift_library "$OUT" VigilCore -- Sources/VigilCore/*.swift
INCLUDES=(-I "$YAMS/CYaml/include" -Xcc -DYAML_DECLARE_STATIC)
swift_library "$OUT" VigilSigma "${INCLUDES[@]}" -- Sources/VigilSigma/*.swift
swiftc "${FUZZ_FLAGS[@]}" -I "$OUT" -I Sources/CZlib "${INCLUDES[@]}" -L "$OUT" -lVigilSigma -lVigilCore -lYams -lCYaml -lz \
    Fuzz/sigma/FuzzSigma.swift -o "$OUT/fuzz-sigma"
echo "$OUT/fuzz-sigma"
