#!/usr/bin/env bash
# What computing band statistics in the pass costs: cogtool create with
# --statistics yes against --statistics no, on the same inputs in one run
# (and, when the venv of tests/create/create_stats.rs has rasterio, the
# same ratio for GDAL's COG driver, STATISTICS=YES against NO).
#
#   bench/statistics.sh [RUNS]     (default 3 runs of each, alternating)
#
# Inputs (generated into $BENCH_DIR, default /tmp/cogtool-bench):
#   stats_rgb.tif  8192 x 8192 RGB Byte, DEFLATE, 512 tiles
#   stats_f32.tif  8192 x 8192 Float32, nodata -9999 (a tenth of the
#                  pixels), DEFLATE, 512 tiles
# Prints the median wall and CPU (user+sys) time of each and the ratios.
set -euo pipefail
RUNS=${1:-3}
DIR=${BENCH_DIR:-/tmp/cogtool-bench}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
COGTOOL=${COGTOOL:-$ROOT/target/release/cogtool}
VENV_PY=${COGTOOL_RASTERIO_PYTHON:-/opt/cogtool-venv/bin/python}
mkdir -p "$DIR"
[ -x "$COGTOOL" ] || (cd "$ROOT" && cargo build --release --quiet)
if [ ! -f "$DIR/stats_f32.tif" ]; then
  /usr/bin/python3 - "$DIR" <<'PYEOF'
import sys
import numpy as np
from osgeo import gdal
gdal.UseExceptions()
w = h = 8192
opts = ["TILED=YES", "COMPRESS=DEFLATE", "BLOCKXSIZE=512", "BLOCKYSIZE=512"]
rgb = gdal.GetDriverByName("GTiff").Create(sys.argv[1] + "/stats_rgb.tif", w, h, 3, gdal.GDT_Byte, opts)
f32 = gdal.GetDriverByName("GTiff").Create(sys.argv[1] + "/stats_f32.tif", w, h, 1, gdal.GDT_Float32, opts)
f32.GetRasterBand(1).SetNoDataValue(-9999)
rng = np.random.default_rng(5)
for y0 in range(0, h, 1024):
    y, x = np.mgrid[y0:y0 + 1024, 0:w]
    for b in range(3):
        v = (x * 3 + y * 5 + b * 40 + (x * y) // 97) % 251 + rng.integers(0, 4, (1024, w))
        rgb.GetRasterBand(b + 1).WriteArray(v.astype(np.uint8), 0, y0)
    f = np.sin(x / 300.0) * np.cos(y / 200.0) * 1000 + rng.normal(0, 5, (1024, w))
    f[(x + y) % 10 == 0] = -9999
    f32.GetRasterBand(1).WriteArray(f.astype(np.float32), 0, y0)
PYEOF
fi
measure() { # command...: "wall cpu" of one run
  /usr/bin/time -f "%e %U %S" -o "$DIR/time.txt" "$@" >/dev/null 2>&1
  awk '{print $1, $2 + $3}' "$DIR/time.txt"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
cat > "$DIR/gdal_cog.py" <<'PYEOF'
import sys, rasterio, rasterio.shutil
rasterio.shutil.copy(sys.argv[1], sys.argv[2], driver="COG", STATISTICS=sys.argv[3])
PYEOF
have_gdal=no
"$VENV_PY" -c "import rasterio" >/dev/null 2>&1 && have_gdal=yes
for input in stats_rgb stats_f32; do
  declare -A W=() C=()
  kinds="no yes"
  [ $have_gdal = yes ] && kinds="no yes gdal-no gdal-yes"
  for _ in $(seq "$RUNS"); do
    for k in $kinds; do
      rm -f "$DIR/out_stats.tif"
      case $k in
        no|yes) r=$(measure "$COGTOOL" create -q "$DIR/$input.tif" "$DIR/out_stats.tif" --statistics "$k") ;;
        gdal-no) r=$(measure "$VENV_PY" "$DIR/gdal_cog.py" "$DIR/$input.tif" "$DIR/out_stats.tif" NO) ;;
        gdal-yes) r=$(measure "$VENV_PY" "$DIR/gdal_cog.py" "$DIR/$input.tif" "$DIR/out_stats.tif" YES) ;;
      esac
      W[$k]+="${r% *} "; C[$k]+="${r#* } "
    done
  done
  med() { echo "$1" | tr ' ' '\n' | grep . | median; }
  echo "$input.tif ($RUNS runs each, medians)"
  for k in $kinds; do
    printf '  %-9s wall %6.2f s  cpu %6.2f s\n' "$k" "$(med "${W[$k]}")" "$(med "${C[$k]}")"
  done
  printf '  cogtool statistics cost: wall %.3fx, cpu %.3fx\n' \
    "$(echo "$(med "${W[yes]}") / $(med "${W[no]}")" | bc -l)" "$(echo "$(med "${C[yes]}") / $(med "${C[no]}")" | bc -l)"
  if [ $have_gdal = yes ]; then
    printf '  GDAL %s statistics cost: wall %.3fx, cpu %.3fx\n' "$("$VENV_PY" -c 'import rasterio; print(rasterio.__gdal_version__)')" \
      "$(echo "$(med "${W[gdal-yes]}") / $(med "${W[gdal-no]}")" | bc -l)" "$(echo "$(med "${C[gdal-yes]}") / $(med "${C[gdal-no]}")" | bc -l)"
  fi
  unset W C
done
