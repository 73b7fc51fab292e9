#!/usr/bin/env bash
# Lossless repack: an input whose tiles are already what the COG asks for.
# cogtool create (copies them) vs gdal_translate -of COG (recompresses) vs
# cp of the same file (the physical floor), in one run.
#
#   bench/repack.sh [RUNS]     (default 3 runs of each, alternating)
#
# Input (generated into $BENCH_DIR, default /tmp/cogtool-bench):
#   repack.tif  12288 x 12288 RGB Byte, DEFLATE, 512 tiles, internal
#               AVERAGE overviews 2 4 8 16 32 (not a COG: gdaladdo's layout)
# Prints the median wall time and peak RSS of each, the ratios to GDAL and
# to cp, checks that cogtool copied every level, that its output passes
# GDAL's validator, and that both outputs have the same checksums (full
# resolution and overviews).
set -euo pipefail
RUNS=${1:-3}
DIR=${BENCH_DIR:-/tmp/cogtool-bench}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
COGTOOL=${COGTOOL:-$ROOT/target/release/cogtool}
mkdir -p "$DIR"
[ -x "$COGTOOL" ] || (cd "$ROOT" && cargo build --release --quiet)
command -v gdal_translate >/dev/null || { echo "gdal_translate not found" >&2; exit 2; }
IN=$DIR/repack.tif
if [ ! -f "$IN" ]; then
  /usr/bin/python3 - "$IN" <<'PYEOF'
import sys
import numpy as np
from osgeo import gdal
gdal.UseExceptions()
w = h = 12288
d = gdal.GetDriverByName("GTiff").Create(sys.argv[1], w, h, 3, gdal.GDT_Byte,
    ["TILED=YES", "COMPRESS=DEFLATE", "BLOCKXSIZE=512", "BLOCKYSIZE=512", "PHOTOMETRIC=RGB"])
d.SetGeoTransform([500000, 1, 0, 4200000, 0, -1])
rng = np.random.default_rng(1)
for b in range(3):
    for y0 in range(0, h, 1024):
        y, x = np.mgrid[y0:y0 + 1024, 0:w]
        v = (x * 3 + y * 5 + b * 40 + (x * y) // 97) % 251 + rng.integers(0, 4, (1024, w))
        d.GetRasterBand(b + 1).WriteArray(v.astype(np.uint8), 0, y0)
d.BuildOverviews("AVERAGE", [2, 4, 8, 16, 32])
PYEOF
fi
measure() { # command...: "seconds kib" of one run
  /usr/bin/time -f "%e %M" -o "$DIR/time.txt" "$@" >/dev/null 2>&1
  tail -1 "$DIR/time.txt"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
declare -A T M
names="cogtool gdal cp"
for name in $names; do T[$name]=""; M[$name]=""; done
for _ in $(seq "$RUNS"); do
  for name in $names; do
    rm -f "$DIR/out_$name.tif"
    case $name in
      cogtool) r=$(measure "$COGTOOL" create -q "$IN" "$DIR/out_$name.tif" --compress deflate) ;;
      gdal) r=$(measure gdal_translate -q -of COG -co COMPRESS=DEFLATE "$IN" "$DIR/out_$name.tif") ;;
      cp) r=$(measure cp "$IN" "$DIR/out_$name.tif") ;;
    esac
    T[$name]+="${r% *} "; M[$name]+="${r#* } "
  done
done
copied=$("$COGTOOL" create -v "$IN" "$DIR/out_cogtool.tif" --compress deflate --overwrite 2>&1 | grep -c "tiles copied" || true)
valid=$(/usr/bin/python3 -m osgeo_utils.samples.validate_cloud_optimized_geotiff --full-check=yes "$DIR/out_cogtool.tif" | head -1)
sums() { gdalinfo -checksum "$1" | grep -i "checksum" | tr -s ' '; }
[ "$(sums "$DIR/out_cogtool.tif")" == "$(sums "$DIR/out_gdal.tif")" ] && same=yes || same=NO
med() { echo "$1" | tr ' ' '\n' | grep . | median; }
g_t=$(med "${T[gdal]}"); g_m=$(med "${M[gdal]}"); c_t=$(med "${T[cp]}")
echo "input: $(du -h "$IN" | cut -f1), 12288x12288 RGB DEFLATE 512 tiles, overviews 2..32 ($RUNS runs each, medians)"
for name in $names; do
  t=$(med "${T[$name]}"); m=$(med "${M[$name]}")
  printf '%-8s wall %7.2f s (%.3fx GDAL, %.2fx cp)  peak RSS %7.1f MiB (%.2fx GDAL)\n' "$name" "$t" \
    "$(echo "$t / $g_t" | bc -l)" "$(echo "$t / ($c_t + 0.001)" | bc -l)" "$(echo "$m / 1024" | bc -l)" "$(echo "$m / $g_m" | bc -l)"
done
echo "levels copied by cogtool: $copied of 6"
echo "GDAL's validator on cogtool's output: $valid"
echo "checksums of cogtool's and GDAL's outputs equal (all bands, all levels): $same"
