#!/usr/bin/env bash
# README's test command. On a fresh Debian 12 machine: installs what the build and the tests need,
# builds Keyward, then runs every ctest inside a private D-Bus session with an unlocked
# gnome-keyring (a throwaway keyring, never the user's) and an Xvfb display.
#
#   installers/test.sh [ctest arguments...]     e.g. installers/test.sh -L unit
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${KEYWARD_BUILD_DIR:-$root/build}

"$root/installers/bootstrap.sh" --test

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKEYWARD_WERROR=ON >/dev/null
cmake --build "$build" --parallel "$(nproc)"

exec dbus-run-session -- "$root/installers/linux/test-session.sh" "$build" "$@"
