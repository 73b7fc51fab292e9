#!/usr/bin/env bash
# An input that has overviews of its own: cogtool create (keeps them, as
# GDAL does by default) vs gdal_translate -of COG, and cogtool recomputing
# them (--regenerate-overviews), on the same input in one run.
#
#   bench/overviews.sh [RUNS]     (default 3 runs of each, alternating)
#
# Input (generated into $BENCH_DIR, default /tmp/cogtool-bench):
#   ovr.tif  8192 x 8192 RGB Byte, DEFLATE, 512 tiles, AVERAGE overviews 2 4 8 16
# Prints the median wall time and peak RSS of each, the ratios to GDAL, and
# checks that both outputs have the same overview checksums.
set -euo pipefail
RUNS=${1:-3}
DIR=${BENCH_DIR:-/tmp/cogtool-bench}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
COGTOOL=${COGTOOL:-$ROOT/target/release/cogtool}
mkdir -p "$DIR"
[ -x "$COGTOOL" ] || (cd "$ROOT" && cargo build --release --quiet)
command -v gdal_translate >/dev/null || { echo "gdal_translate not found" >&2; exit 2; }
IN=$DIR/ovr.tif
if [ ! -f "$IN" ]; then
  /usr/bin/python3 - "$IN" <<'PYEOF'
import sys
import numpy as np
from osgeo import gdal
gdal.UseExceptions()
w = h = 8192
d = gdal.GetDriverByName("GTiff").Create(sys.argv[1], w, h, 3, gdal.GDT_Byte,
    ["TILED=YES", "COMPRESS=DEFLATE", "BLOCKXSIZE=512", "BLOCKYSIZE=512"])
for b in range(3):
    for y0 in range(0, h, 1024):
        y, x = np.mgrid[y0:y0 + 1024, 0:w]
        d.GetRasterBand(b + 1).WriteArray(((x * 3 + y * 5 + b * 40 + (x * y) // 97) % 251).astype(np.uint8), 0, y0)
d.BuildOverviews("AVERAGE", [2, 4, 8, 16])
PYEOF
fi
measure() { # command...: "seconds kib" of one run
  /usr/bin/time -f "%e %M" -o "$DIR/time.txt" "$@" >/dev/null 2>&1
  tail -1 "$DIR/time.txt"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
declare -A T M
for name in cogtool gdal regenerate; do T[$name]=""; M[$name]=""; done
for _ in $(seq "$RUNS"); do
  for name in cogtool gdal regenerate; do
    rm -f "$DIR/out_$name.tif"
    case $name in
      cogtool) r=$(measure "$COGTOOL" create -q "$IN" "$DIR/out_$name.tif") ;;
      gdal) r=$(measure gdal_translate -q -of COG "$IN" "$DIR/out_$name.tif") ;;
      regenerate) r=$(measure "$COGTOOL" create -q --regenerate-overviews "$IN" "$DIR/out_$name.tif") ;;
    esac
    T[$name]+="${r% *} "; M[$name]+="${r#* } "
  done
done
sums() { gdalinfo -checksum "$1" | grep -i "overviews checksum" | tr -s ' '; }
[ "$(sums "$DIR/out_cogtool.tif")" == "$(sums "$DIR/out_gdal.tif")" ] && same=yes || same=NO
g_t=$(echo "${T[gdal]}" | tr ' ' '\n' | grep . | median); g_m=$(echo "${M[gdal]}" | tr ' ' '\n' | grep . | median)
for name in cogtool regenerate gdal; do
  t=$(echo "${T[$name]}" | tr ' ' '\n' | grep . | median); m=$(echo "${M[$name]}" | tr ' ' '\n' | grep . | median)
  printf '%-11s wall %6.2f s (%.2fx GDAL)  peak RSS %7.1f MiB (%.2fx GDAL)\n' "$name" "$t" "$(echo "$t / $g_t" | bc -l)" \
    "$(echo "$m / 1024" | bc -l)" "$(echo "$m / $g_m" | bc -l)"
done
echo "overview checksums of cogtool and GDAL equal: $same"
