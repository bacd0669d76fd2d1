#!/usr/bin/env bash
# README's run command. On a fresh Debian 12 machine: installs what Keyward needs, builds it, then
# starts it: the tray app where a display exists, the headless owner `keyward serve` where none
# does. A build that has neither yet ends with `keyward doctor`, which checks this machine.
#
#   installers/run.sh [keyward arguments...]   arguments, when given, are passed to keyward as is
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${KEYWARD_BUILD_DIR:-$root/build}

"$root/installers/bootstrap.sh"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --parallel "$(nproc)" --target keyward

keyward="$build/app/keyward"
[ $# -gt 0 ] && exec "$keyward" "$@"

# What this build offers is read from its own help, so this script follows the code as it grows.
offers() { "$keyward" --help | grep -qE -- "$1"; }

if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && offers '^  \(no command\)  the tray app'; then
  exec "$keyward"
elif offers '^  serve '; then
  exec "$keyward" serve
fi
echo "run: this build has no tray app or headless owner yet; checking the machine with keyward doctor" >&2
exec "$keyward" doctor
