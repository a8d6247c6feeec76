#!/usr/bin/env bash
# Demo and test photos of cars, taken from packages (nothing is committed, nothing is
# downloaded at run time): npm `opencv@7.0.0` (examples/files/car1.jpg, car2.jpg, MIT),
# Debian `plasma-workspace-data` (avatars/photos/Car.png, CC0) and Debian `libdlib19.1`
# (examples/mmod_cars_test_image*.jpg, Boost). Writes vendor/demo-photos/, which
# `cc24 serve --demo` attaches to the demo vehicles (setting demo-photos-dir).
# Idempotent; called by scripts/deps.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=vendor/demo-photos
STAMP=$OUT/.complete-v1
[ -f "$STAMP" ] && exit 0

TMP=$(mktemp -d /tmp/cc24-demo-photos.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$OUT"

# npm: the tarball only (the package itself is a native module we do not build)
want=d13eb317dc6fe58e2697033eba9377cc4475eb430fc18b9efeafc2d1ca8c941a
(cd "$TMP" && npm pack opencv@7.0.0 --silent >/dev/null 2>&1) || true
if [ -f "$TMP/opencv-7.0.0.tgz" ] && [ "$(sha256sum "$TMP/opencv-7.0.0.tgz" | cut -d' ' -f1)" = "$want" ]; then
  tar -xzf "$TMP/opencv-7.0.0.tgz" -C "$TMP" package/examples/files/car1.jpg package/examples/files/car2.jpg
  cp "$TMP/package/examples/files/car1.jpg" "$OUT/01-car1.jpg"
  cp "$TMP/package/examples/files/car2.jpg" "$OUT/02-car2.jpg"
  # mirrored views, so that a listing shows both sides
  vips flip "$OUT/01-car1.jpg" "$OUT/05-car1-mirrored.jpg[Q=90]" horizontal
  vips flip "$OUT/02-car2.jpg" "$OUT/06-car2-mirrored.jpg[Q=90]" horizontal
else
  echo "demo-photos: npm opencv@7.0.0 not available; continuing without its photos" >&2
fi
if [ -f /usr/share/plasma/avatars/photos/Car.png ]; then
  cp /usr/share/plasma/avatars/photos/Car.png "$OUT/03-car.png"
fi
DLIB=/usr/share/doc/libdlib19.1/examples
for f in mmod_cars_test_image.jpg mmod_cars_test_image2.jpg; do
  [ -f "$DLIB/$f" ] && cp "$DLIB/$f" "$OUT/04-${f%.jpg}.jpg"
done
cat >"$OUT/SOURCES.txt" <<'TXT'
01-car1.jpg, 02-car2.jpg (and their mirrored copies 05, 06): npm opencv@7.0.0,
  examples/files/ — MIT licence, https://github.com/peterbraden/node-opencv
03-car.png: Debian plasma-workspace-data, /usr/share/plasma/avatars/photos/Car.png —
  CC0-1.0 (Pixabay)
04-mmod_cars_test_image*.jpg: Debian libdlib19.1, examples/ — Boost Software Licence
TXT
touch "$STAMP"
