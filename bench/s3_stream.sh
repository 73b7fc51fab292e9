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
  /usr/bin/python3 "$ROOT/bench/stream_input.py" "$IN"
fi
exec "$PY" "$ROOT/bench/s3_stream.py" "$COGTOOL" "$IN" "$DIR" "$RUNS"
