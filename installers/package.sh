#!/usr/bin/env bash
# README's packaging command (Debian 12). Installs the build dependencies, builds `keyward` in its
# own tree without tests (build-package/, override with KEYWARD_PACKAGE_BUILD_DIR), packs it with
# CPack's DEB generator (installers/packaging.cmake), checks the package with lintian when it is
# installed, and prints the path of the .deb on stdout; progress goes to stderr.
#
# The tree is built as RelWithDebInfo (-O2 -g, as Debian builds its packages) and cpack strips the
# binary, so the package carries no debug information.
#
#   installers/package.sh            then: sudo apt install ./build-package/packages/keyward_*.deb
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${KEYWARD_PACKAGE_BUILD_DIR:-$root/build-package}
out="$build/packages"

"$root/installers/bootstrap.sh"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKEYWARD_BUILD_TESTS=OFF >&2
cmake --build "$build" --parallel "$(nproc)" --target keyward >&2

rm -rf "$out"
cpack --config "$build/CPackConfig.cmake" -G DEB -B "$out" >&2
rm -rf "$out/_CPack_Packages"
debs=("$out"/keyward_*.deb)
if [ ${#debs[@]} -ne 1 ] || [ ! -f "${debs[0]}" ]; then
  echo "package: cpack made no single keyward_*.deb in $out" >&2
  exit 1
fi

if command -v lintian >/dev/null; then
  # Errors fail the build; warnings and notes are shown.
  lintian --no-cfg --fail-on error "${debs[0]}" >&2
else
  echo "package: lintian is not installed (installers/bootstrap.sh --test installs it); not checked" >&2
fi
echo "${debs[0]}"
