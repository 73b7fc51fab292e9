#!/usr/bin/env bash
# A COG streamed to S3 while computed vs built locally, then uploaded.
#
#   bench/s3_stream.sh [RUNS]     (default 3 runs of each, alternating)
#
# Input (generated into $BENCH_DIR, default /tmp/cogtool-bench):
#   stream.tif  12288 x 12288 RGB Byte, DEFLATE, 512 tiles, no overviews
# The S3 server is moto (`moto_server` of the venv .ci/run makes,
# /opt/cogtool-venv, or $MOTO_PYTHON's) on 127.0.0.1; bench/s3_stream.py
# runs and watches:
#   streamed  cogtool create IN s3://bench/stream.tif --compress deflate
#   local+up  cogtool create IN local.tif --compress deflate, then the file
#             uploaded by boto3 (8 MiB parts, as many in flight as cogtool)
# and prints wall time, peak RSS, peak temporary disk (every file the
# process has open or created under its TMPDIR and the output's directory,
# deleted and O_TMPFILE ones included), when moto logged the first part,
# and the ratios; both objects must be byte-identical to the local file.
set -euo pipefail
RUNS=${1:-3}
DIR=${BENCH_DIR:-/tmp/cogtool-bench}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
COGTOOL=${COGTOOL:-$ROOT/target/release/cogtool}
PY=${MOTO_PYTHON:-/opt/cogtool-venv/bin/python}
mkdir -p "$DIR"
[ -x "$COGTOOL" ] || (cd "$ROOT" && cargo build --release --quiet)
"$PY" -c "import moto.server, boto3" 2>/dev/null || { echo "$PY cannot import moto.server (pip install 'moto[server]')" >&2; exit 2; }
IN=$DIR/stream.tif
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
PYEOF
fi
exec "$PY" "$ROOT/bench/s3_stream.py" "$COGTOOL" "$IN" "$DIR" "$RUNS"
