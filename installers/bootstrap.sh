#!/usr/bin/env bash
# Installs everything Keyward needs to build, run and test on Debian 12, from Debian's own
# packages (and npm for the end-to-end MCP clients). Idempotent: a second run installs nothing.
#
#   installers/bootstrap.sh          build + runtime dependencies
#   installers/bootstrap.sh --test   also the packages the test suite uses (keyring, Xvfb, npm clients, package linters)
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
want_test=0
for arg in "$@"; do
  case "$arg" in
    --test) want_test=1 ;;
    *) echo "bootstrap: unknown option '$arg' (expected --test)" >&2; exit 2 ;;
  esac
done

build_pkgs=(
  cmake ninja-build g++ pkg-config
  qt6-base-dev qt6-base-dev-tools qt6-httpserver-dev qt6-websockets-dev qt6-tools-dev qt6-l10n-tools libqt6svg6
  libqt6sql6-sqlite qtkeychain-qt6-dev nlohmann-json3-dev libspdlog-dev libsodium-dev libtomlplusplus-dev
  libssl-dev openssl libgl-dev libxcb1-dev dpkg-dev
  gnome-keyring dbus dbus-x11 libsecret-tools
)
test_pkgs=(xvfb xauth trayer xdotool imagemagick x11-utils nodejs npm clang libclang-rt-14-dev lintian desktop-file-utils appstream bash-completion)

pkgs=("${build_pkgs[@]}")
[ "$want_test" = 1 ] && pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  # node and npm are often installed outside dpkg (nvm, NodeSource tarballs): accept those.
  case "$p" in
    nodejs) command -v node >/dev/null && continue ;;
    npm) command -v npm >/dev/null && continue ;;
  esac
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing ${missing[*]}" >&2
  sudo_cmd=()
  [ "$(id -u)" = 0 ] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "$want_test" = 1 ]; then
  e2e="$here/tests/e2e"
  stamp="$e2e/node_modules/.keyward-lock-sha"
  want=$(sha256sum "$e2e/package-lock.json" | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "bootstrap: npm ci in tests/e2e" >&2
    (cd "$e2e" && npm ci --no-audit --no-fund --loglevel=error >&2)
    echo "$want" > "$stamp"
  fi
fi
