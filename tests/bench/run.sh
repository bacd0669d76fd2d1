#!/usr/bin/env bash
# Builds keyward and keyward_bench and runs every benchmark, the `execute` one included: inside a
# private D-Bus session (dbus-run-session) with gnome-keyring's Secret Service holding a throwaway,
# unlocked login keyring in a scratch XDG_DATA_HOME, so a developer's own keyrings stay untouched.
# Only loopback traffic; the figures are ratios against baselines measured in the same run.
#
#   tests/bench/run.sh [BUILD_DIR] [keyward_bench arguments...]   (default: build, all)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

if [ -z "${KEYWARD_BENCH_SESSION:-}" ]; then
  build=${1:-build}
  case $build in /*) ;; *) build=$repo/$build ;; esac
  shift || true
  if [ ! -f "$build/CMakeCache.txt" ]; then
    cmake -S "$repo" -B "$build" -G Ninja
  fi
  cmake --build "$build" --target keyward keyward_bench
  exec env KEYWARD_BENCH_SESSION=1 dbus-run-session -- "${BASH_SOURCE[0]}" "$build" "$@"
fi

# Inside the session.
build=$1
shift
scratch=$(mktemp -d)
keyring_pid=
cleanup() {
  if [ -n "$keyring_pid" ]; then kill "$keyring_pid" 2>/dev/null || true; fi
  rm -rf "$scratch"
}
trap cleanup EXIT

mkdir -p "$scratch/data" "$scratch/runtime"
chmod 700 "$scratch/runtime"
export XDG_RUNTIME_DIR=$scratch/runtime
# --unlock reads the new login keyring's password from stdin. The daemon also exits with the bus.
echo -n keyward-bench | XDG_DATA_HOME="$scratch/data" \
  gnome-keyring-daemon --unlock --components=secrets --control-directory="$scratch/keyring" >/dev/null

ready=
for _ in $(seq 1 50); do
  if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
       org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'; then
    ready=1
    keyring_pid=$(dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
      org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.secrets | awk '/uint32/ {print $2}')
    break
  fi
  sleep 0.1
done
if [ -z "$ready" ]; then
  echo "run.sh: org.freedesktop.secrets did not appear on the session bus" >&2
  exit 1
fi

"$build/tests/bench/keyward_bench" "${@:-all}"
