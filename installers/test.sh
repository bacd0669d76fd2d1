#!/usr/bin/env bash
# README's test command. On a fresh Debian 12 machine: installs what the build and the tests need,
# builds Keyward, then runs every ctest inside a private D-Bus session with an unlocked
# gnome-keyring (a throwaway keyring, never the user's) and an Xvfb display, and finally the
# libFuzzer targets of tests/fuzz for 30 s each (KEYWARD_SKIP_FUZZ=1 skips them).
# Fails when a test or a fuzzer fails.
#
#   installers/test.sh [ctest arguments...]     e.g. installers/test.sh -L unit
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${KEYWARD_BUILD_DIR:-$root/build}

"$root/installers/bootstrap.sh" --test

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKEYWARD_WERROR=ON >/dev/null
cmake --build "$build" --parallel "$(nproc)"

status=0
dbus-run-session -- "$root/installers/linux/test-session.sh" "$build" "$@" || status=$?
[ "${KEYWARD_SKIP_FUZZ:-0}" = 1 ] || "$root/tests/fuzz/run.sh"
exit "$status"
