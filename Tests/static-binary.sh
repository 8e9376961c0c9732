#!/usr/bin/env bash
# The release binary carries the Swift runtime and Foundation inside it (--static-swift-stdlib), so it runs on a
# machine without a Swift toolchain: it may need only the C library's own shared libraries (and zlib and SQLite),
# never libswift*, libFoundation*, libdispatch or libcurl. Builds it into .build-static (or takes the binary given
# as $1), checks what it needs with readelf and ldd, runs it with the toolchain hidden, and prints its size.
set -euo pipefail
cd "$(dirname "$0")/.."

binary="${1:-}"
if [ -z "$binary" ]; then
    swift build -c release --static-swift-stdlib --scratch-path .build-static
    binary=.build-static/release/vigil
fi

needed=$(readelf -d "$binary" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
echo "shared libraries needed: $needed"
for library in $needed; do
    case "$library" in
        libswift* | libFoundation* | lib_Foundation* | libdispatch* | libBlocksRuntime* | libicu* | libcurl* | libxml2*)
            echo "static-binary: FAIL: $binary needs $library" >&2
            exit 1
            ;;
    esac
done
# ldd follows the whole chain: nothing may resolve into the toolchain, nothing may be missing.
if ldd "$binary" | grep -E '/opt/swift|swift|not found'; then
    echo "static-binary: FAIL: ldd resolves the libraries above from the toolchain, or not at all" >&2
    exit 1
fi

# Run it with the toolchain out of sight: in a private mount namespace /opt/swift is an empty folder.
toolchain=$(dirname "$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")")
if unshare -m true 2>/dev/null; then
    unshare -m sh -c "mount -t tmpfs none '$toolchain' && exec env -i PATH=/usr/bin:/bin '$(readlink -f "$binary")' attack info" >/dev/null
    echo "runs with $toolchain hidden: yes"
else
    env -i PATH=/usr/bin:/bin "$binary" attack info >/dev/null
    echo "runs with an empty environment: yes (cannot hide $toolchain here: no mount namespace)"
fi

stripped=$(mktemp)
strip -o "$stripped" "$binary"
echo "static binary: $(stat -c %s "$binary") bytes, $(stat -c %s "$stripped") stripped ($binary)"
rm -f "$stripped"
echo "static-binary: OK"
