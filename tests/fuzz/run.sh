#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang into their own build directory and runs
# each for SECONDS (default 30, all in parallel) on a scratch copy of its seed corpus, so
# the repository is never written to. Exits 1 if any target crashes, leaks, times out or fails a
# property; the crashing input is kept under BUILD_DIR/crashes/ to replay with `TARGET FILE`.
#
#   tests/fuzz/run.sh [SECONDS]        KEYWARD_FUZZ_BUILD_DIR overrides build-fuzz/
set -euo pipefail

seconds=${1:-30}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${KEYWARD_FUZZ_BUILD_DIR:-$root/build-fuzz}

# target:max_len — paths up to past kMaxPathBytes (2048), a few rules, a few JSON-RPC lines, a
# secret and a body of a few KiB once its form bytes are expanded, a client config file.
targets=(pathnormalizer:4200 rulematcher:1024 mcpsession:2048 redactorstream:2048 configedit:4096)

start=$SECONDS
CC=clang CXX=clang++ cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --parallel "$(nproc)" >"$build/build.log" 2>&1 || { cat "$build/build.log" >&2; exit 1; }
echo "fuzz: built in $((SECONDS - start)) s; running ${#targets[@]} targets for ${seconds} s each"

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

pids=()
for entry in "${targets[@]}"; do
  name=${entry%%:*}
  mkdir -p "$scratch/$name/corpus" "$scratch/$name/artifacts"
  cp "$here/corpus/$name/"* "$scratch/$name/corpus/"
  "$build/fuzz_$name" "$scratch/$name/corpus" -max_total_time="$seconds" -max_len="${entry##*:}" \
    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$scratch/$name/artifacts/" >"$scratch/$name/log" 2>&1 &
  pids+=($!)
done

failed=0
for i in "${!targets[@]}"; do
  name=${targets[$i]%%:*}
  status=0
  wait "${pids[$i]}" || status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$scratch/$name/log" | tail -1)
  if [ "$status" = 0 ]; then
    echo "fuzz: $name ok, ${execs:-?} execs"
  else
    failed=1
    echo "fuzz: $name FAILED (exit $status) after ${execs:-?} execs" >&2
    grep -E 'ERROR|fuzz property failed|SUMMARY|runtime error|^    #[0-9]' "$scratch/$name/log" | head -40 >&2 || true
    mkdir -p "$build/crashes"
    for artifact in "$scratch/$name/artifacts/"*; do
      [ -e "$artifact" ] || continue
      cp "$artifact" "$build/crashes/$name-$(basename "$artifact")"
      echo "fuzz: replay with $build/fuzz_$name $build/crashes/$name-$(basename "$artifact")" >&2
    done
  fi
done
echo "fuzz: done in $((SECONDS - start)) s"
exit "$failed"
