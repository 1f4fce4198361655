#!/bin/sh
# Runs the decoder fuzzer for SECONDS from a seed corpus cut from the shared
# captures; exits non-zero on any crash, leak or sanitizer report.
# usage: tests/fuzz/run-fuzz.sh BUILD_DIR SECONDS [extra libFuzzer flags]
# BUILD_DIR must be configured with clang and -Dfuzz=true (see lib/dns/README.md).
set -eu
[ $# -ge 2 ] || { echo "usage: $0 BUILD_DIR SECONDS [libFuzzer flags]" >&2; exit 2; }
build=$1 seconds=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
pcaps="$here/../../../shared/pcaps"
ninja -C "$build" tests/fuzz/fuzz_decoder >/dev/null
build=$(cd "$build" && pwd)
fuzzer="$build/tests/fuzz/fuzz_decoder"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus" "$work/seeds"
/usr/bin/python3 "$here/make_seeds.py" "$here/../corpus/cases" "$work/seeds" 2>/dev/null
if [ -d "$pcaps" ]; then
    /usr/bin/python3 "$here/make_seeds.py" "$pcaps" "$work/seeds" 2>/dev/null
else
    echo "note: no captures at $pcaps; fuzzing from an empty corpus" >&2
fi
artifacts="$build/fuzz-artifacts"
mkdir -p "$artifacts"
cd "$work"
# -max_len covers jumbo frames and the multi-frame layout; a crashing input is
# kept in $artifacts (libFuzzer prints its path) to replay with: fuzz_decoder FILE
"$fuzzer" -max_total_time="$seconds" -max_len=9000 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$artifacts/" -print_final_stats=1 "$@" corpus seeds
