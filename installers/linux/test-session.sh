#!/usr/bin/env bash
# Runs ctest in the current D-Bus session after starting what the tests need: gnome-keyring's
# Secret Service with a throwaway, unlocked login keyring, and an Xvfb display. Called by
# installers/test.sh inside `dbus-run-session`; everything it starts is stopped on exit.
#
#   test-session.sh BUILD_DIR [ctest arguments...]
set -euo pipefail

build=$1
shift

if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
  echo "test-session: no D-Bus session; run this through installers/test.sh (dbus-run-session)" >&2
  exit 1
fi

scratch=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  pkill -u "$(id -u)" -f "gnome-keyring-daemon.*$scratch" 2>/dev/null || true
  rm -rf "$scratch"
}
trap cleanup EXIT

# The keyring files go to a scratch XDG_DATA_HOME so a developer's own keyrings stay untouched.
mkdir -p "$scratch/data" "$scratch/runtime"
chmod 700 "$scratch/runtime"
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$scratch/runtime}
echo -n keyward-test | XDG_DATA_HOME="$scratch/data" \
  gnome-keyring-daemon --unlock --components=secrets --control-directory="$scratch/keyring" >/dev/null

# Wait until the Secret Service answers on the bus.
for _ in $(seq 1 50); do
  if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
       org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'; then
    break
  fi
  sleep 0.1
done

# A private X display for tests that need one (GUI tests default to the offscreen platform).
if command -v Xvfb >/dev/null; then
  exec 3<> "$scratch/displayfd"
  Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
  pids+=($!)
  for _ in $(seq 1 50); do
    [ -s "$scratch/displayfd" ] && break
    sleep 0.1
  done
  export DISPLAY=":$(head -n1 "$scratch/displayfd")"
fi

started=$(date +%s)
status=0
ctest --test-dir "$build" --output-on-failure --parallel "$(nproc)" "$@" || status=$?
echo "test-session: ctest finished in $(( $(date +%s) - started )) s with status $status" >&2
exit "$status"
