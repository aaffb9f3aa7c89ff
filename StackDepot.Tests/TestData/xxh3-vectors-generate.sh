#!/bin/sh
# Regenerates xxh3-vectors.txt (next to this script) from the reference xxHash implementation.
# Needs: a C compiler (cc), libxxhash with its header (e.g. the Debian packages libxxhash-dev and xxhash),
# and xxhsum. Every seed-0 vector is cross-checked against `xxhsum -H3` over the same input bytes, so the
# two reference paths (the library call and the command-line tool) must agree before the file is written.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

${CC:-cc} -O2 -Wall -Wextra -o "$tmp/gen" "$here/xxh3-vectors-gen.c" -lxxhash
"$tmp/gen" > "$tmp/vectors.txt"

checked=0
grep -v '^#' "$tmp/vectors.txt" > "$tmp/data.txt"
while read -r len seed hash; do
    [ "$seed" = 0000000000000000 ] || continue
    "$tmp/gen" dump "$len" > "$tmp/input.bin"
    [ "$(wc -c < "$tmp/input.bin")" -eq "$len" ] || { echo "dump of $len bytes has the wrong size" >&2; exit 1; }
    got=$(xxhsum -H3 < "$tmp/input.bin" | grep -oE '[0-9a-f]{16}' | tail -n 1)
    if [ "$got" != "$hash" ]; then
        echo "MISMATCH at length $len: library says $hash, xxhsum -H3 says $got" >&2
        exit 1
    fi
    checked=$((checked + 1))
done < "$tmp/data.txt"
[ "$checked" -gt 0 ] || { echo "no seed-0 vector was cross-checked" >&2; exit 1; }

cp "$tmp/vectors.txt" "$here/xxh3-vectors.txt"
echo "wrote $(grep -vc '^#' "$here/xxh3-vectors.txt") vectors; $checked seed-0 vectors agree with xxhsum -H3" >&2
