#!/usr/bin/env bash
# Many files per call: `cogtool create IN... DIR/` (small files converted
# several at a time, cores shared) against one cogtool process per file
# (a shell loop), and against gdal_translate -of COG per file, sequential
# and as `xargs -P <cores>`, in one run.
#
#   bench/batch.sh [FILES]     (default 200 inputs)
#
# Inputs (generated into $BENCH_DIR/batch_in, default /tmp/cogtool-bench):
#   FILES copies of one 1024 x 1024 RGB Byte DEFLATE GeoTIFF (512 tiles),
#   each with other pixels (a seed per file).
# Prints the wall and CPU time of each way, the ratios to the batch call,
# and checks that the batch outputs equal the per-file ones byte for byte.
set -euo pipefail
FILES=${1:-200}
DIR=${BENCH_DIR:-/tmp/cogtool-bench}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
COGTOOL=${COGTOOL:-$ROOT/target/release/cogtool}
CORES=$(nproc)
[ -x "$COGTOOL" ] || (cd "$ROOT" && cargo build --release --quiet)
IN=$DIR/batch_in
if [ "$(ls "$IN" 2>/dev/null | wc -l)" != "$FILES" ]; then
  rm -rf "$IN"; mkdir -p "$IN"
  /usr/bin/python3 - "$IN" "$FILES" <<'PYEOF'
import sys
import numpy as np
from osgeo import gdal
gdal.UseExceptions()
w = h = 1024
y, x = np.mgrid[0:h, 0:w]
for i in range(int(sys.argv[2])):
    d = gdal.GetDriverByName("GTiff").Create(f"{sys.argv[1]}/in_{i:04d}.tif", w, h, 3, gdal.GDT_Byte,
        ["TILED=YES", "COMPRESS=DEFLATE", "BLOCKXSIZE=512", "BLOCKYSIZE=512"])
    d.SetGeoTransform([500000 + i * 1024, 1, 0, 4200000, 0, -1])
    noise = np.random.default_rng(i).integers(0, 8, (3, h, w))
    for b in range(3):
        d.GetRasterBand(b + 1).WriteArray(((x * 3 + y * (5 + i % 7) + b * 40) % 251 + noise[b]).astype(np.uint8))
    d = None
PYEOF
fi
run() { # name command...: prints "name wall cpu"
  local name=$1; shift
  /usr/bin/time -f "%e %U %S" -o "$DIR/time.txt" bash -c "$*" >/dev/null 2>&1
  awk -v n="$name" '{print n, $1, $2 + $3}' "$DIR/time.txt"
}
out() { rm -rf "$DIR/batch_$1"; mkdir -p "$DIR/batch_$1"; echo "$DIR/batch_$1"; }
results=$(
  run batch "$COGTOOL create -q $IN/*.tif $(out batch)/"
  run loop "for f in $IN/*.tif; do $COGTOOL create -q \$f $(out loop)/\$(basename \$f); done"
  run gdal-loop "for f in $IN/*.tif; do gdal_translate -q -of COG \$f $(out gdal)/\$(basename \$f); done"
  run gdal-xargs "ls $IN/*.tif | xargs -P $CORES -I{} sh -c 'gdal_translate -q -of COG {} $(out gdalx)/\$(basename {})'"
)
same=yes
for f in "$IN"/*.tif; do cmp -s "$DIR/batch_batch/$(basename "$f")" "$DIR/batch_loop/$(basename "$f")" || same=NO; done
b=$(echo "$results" | awk '$1 == "batch" {print $2}')
echo "$FILES inputs of 1024x1024 RGB DEFLATE, $CORES cores"
echo "$results" | while read -r name wall cpu; do
  printf '%-11s wall %7.2f s (%.2fx the batch call)  cpu %7.2f s\n' "$name" "$wall" "$(echo "$wall / $b" | bc -l)" "$cpu"
done
echo "batch outputs equal the per-file outputs byte for byte: $same"
