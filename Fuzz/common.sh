# Shared by Fuzz/*/build.sh and Fuzz/*/run.sh (sourced from the package root).
FUZZ_FLAGS=(-O -sanitize=fuzzer,address -parse-as-library -swift-version 6)

# swift_library OUT NAME [swiftc options…] -- SOURCES…: a static library and its module in OUT.
swift_library() {
    local out=$1 name=$2 options=()
    shift 2
    while [ "$1" != "--" ]; do options+=("$1"); shift; done
    shift
    swiftc "${FUZZ_FLAGS[@]}" "${options[@]}" -module-name "$name" -I "$out" -I Sources/CZlib -emit-module \
        -emit-module-path "$out/$name.swiftmodule" -emit-library -static -o "$out/lib$name.a" "$@"
}

# crc32_library OUT: the CCRC32 C target as libCCRC32.a.
crc32_library() {
    clang -O2 -fsanitize=fuzzer-no-link,address -I Sources/CCRC32/include -c Sources/CCRC32/crc32_fold.c -o "$1/crc32_fold.o"
    ar rcs "$1/libCCRC32.a" "$1/crc32_fold.o"
}

# yams_library OUT: Yams (from .build/checkouts, so run `swift build` once first) and its C part as
# libYams.a and libCYaml.a; sets YAMS_INCLUDES to the swiftc options a module importing Yams needs.
yams_library() {
    local out=$1 yams=.build/checkouts/Yams/Sources
    [ -d "$yams" ] || { echo "Yams not checked out: run swift build first" >&2; exit 1; }
    mkdir -p "$out/cyaml"
    for c in "$yams"/CYaml/src/*.c; do
        clang -O2 -fsanitize=fuzzer-no-link,address -DYAML_DECLARE_STATIC -I "$yams/CYaml/include" -c "$c" \
            -o "$out/cyaml/$(basename "$c" .c).o"
    done
    ar rcs "$out/libCYaml.a" "$out"/cyaml/*.o
    # Yams is Swift 5 code: FUZZ_FLAGS without its -swift-version 6.
    swiftc "${FUZZ_FLAGS[@]:0:3}" -swift-version 5 -D SWIFT_PACKAGE -module-name Yams -Xcc -DYAML_DECLARE_STATIC \
        -I "$yams/CYaml/include" -emit-module -emit-module-path "$out/Yams.swiftmodule" -emit-library -static \
        -o "$out/libYams.a" "$yams"/Yams/*.swift
    YAMS_INCLUDES=(-I "$yams/CYaml/include" -Xcc -DYAML_DECLARE_STATIC)
}

# fuzz_prepare NAME: sets SECONDS_TO_RUN (first argument of run.sh, default 600), SHARED, CORPUS and CRASHES,
# and builds the target if needed. The caller seeds "$CORPUS" when it is empty, then calls fuzz_run.
fuzz_prepare() {
    FUZZ_NAME=$1
    SECONDS_TO_RUN=${FUZZ_SECONDS:-600}
    SHARED=${VIGIL_SHARED:-$PWD/../shared}
    CORPUS=Fuzz/corpus/$FUZZ_NAME
    CRASHES=Fuzz/corpus/$FUZZ_NAME-crashes
    mkdir -p "$CORPUS" "$CRASHES"
    [ -x ".build-fuzz/$FUZZ_NAME/fuzz-$FUZZ_NAME" ] || "Fuzz/$FUZZ_NAME/build.sh"
}

# fuzz_run MAX_LEN [libFuzzer options…]
fuzz_run() {
    local max_len=$1
    shift
    ".build-fuzz/$FUZZ_NAME/fuzz-$FUZZ_NAME" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
        -max_total_time="$SECONDS_TO_RUN" -artifact_prefix="$CRASHES/" -print_final_stats=1 "$@" "$CORPUS"
}
