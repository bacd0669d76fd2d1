#!/usr/bin/env bash
# Renders the PNG sizes of the app icon into resources/icons/hicolor from its scalable SVG, and the
# Windows .ico from them, with ImageMagick (`convert`, Debian's imagemagick package). They are
# committed, so building and packaging need no renderer: run this again only after changing the
# SVG, and commit the result.
#
#   installers/linux/render-icons.sh
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
hicolor="$root/resources/icons/hicolor"
svg="$hicolor/scalable/apps/io.github.keyward.Keyward.svg"

render() { # render SIZE_DIR PIXELS
  mkdir -p "$hicolor/$1/apps"
  # -density scales the 64 px SVG so it is rasterized at the target size, not upscaled.
  convert -background none -density "$(( 72 * $2 / 64 ))" "$svg" -resize "$2x$2" \
    -define png:exclude-chunks=date,time -strip "PNG32:$hicolor/$1/apps/io.github.keyward.Keyward.png"
}

for size in 16 22 24 32 48 64 128 256; do
  render "${size}x${size}" "$size"
done
for size in 16 24 32 48 128; do
  render "${size}x${size}@2" "$(( size * 2 ))"
done

# The Windows icon (installers/windows/keyward.rc) holds the usual sizes of an .ico.
convert $(for size in 16x16 24x24 32x32 48x48 64x64 256x256; do echo "$hicolor/$size/apps/io.github.keyward.Keyward.png"; done) \
  "$root/resources/icons/keyward.ico"
