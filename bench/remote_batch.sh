#!/usr/bin/env bash
# validate and info --json over 300 remote COGs behind a server that takes
# 100 ms per request (bench/range_server.py on 127.0.0.1), with
# --concurrency 32: wall time, requests, and the most requests the server
# saw in flight at once (targets: each at most 3 s, at least 16 in flight).
# Local files as a reference: the shared corpus, if present.
#
#   bench/remote_batch.sh [FILES] [DELAY_MS]     (default 300, 100)
set -euo pipefail
FILES=${1:-300}
DELAY=${2:-100}
DIR=${BENCH_DIR:-/tmp/cogtool-bench}/remote_batch
ROOT=$(cd "$(dirname "$0")/.." && pwd)
COGTOOL=${COGTOOL:-$ROOT/target/release/cogtool}
[ -x "$COGTOOL" ] || (cd "$ROOT" && cargo build --release --quiet)
mkdir -p "$DIR"
for i in $(seq -w 1 "$FILES"); do [ -f "$DIR/c$i.tif" ] || cp "$ROOT/testdata/cog_rgb_deflate.tif" "$DIR/c$i.tif"; done
PORT=$((20000 + RANDOM % 20000))
/usr/bin/python3 "$ROOT/bench/range_server.py" "$DIR" "$PORT" "$DELAY" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null' EXIT
sleep 1
urls() { for i in $(seq -w 1 "$FILES"); do echo "http://127.0.0.1:$PORT/c$i.tif"; done; }
stats() { curl -s "http://127.0.0.1:$PORT/__stats"; }
stats >/dev/null
for cmd in "validate" "info --json"; do
  start=$(date +%s.%N)
  urls | "$COGTOOL" --concurrency 32 $cmd - >/dev/null 2>&1 || urls | xargs "$COGTOOL" --concurrency 32 $cmd >/dev/null
  end=$(date +%s.%N)
  printf '%-12s %d URLs, %d ms per request: wall %.2f s, server stats %s\n' "$cmd" "$FILES" "$DELAY" "$(echo "$end - $start" | bc -l)" "$(stats)"
done
if [ -d "$ROOT/../shared/corpus" ]; then
  files=$(find "$ROOT/../shared/corpus" -name '*.tif' -o -name '*.tiff' | head -465)
  for cmd in "validate" "info"; do
    start=$(date +%s.%N); echo "$files" | xargs "$COGTOOL" $cmd >/dev/null 2>&1 || true; end=$(date +%s.%N)
    printf 'local %-8s %d corpus files: wall %.2f s\n' "$cmd" "$(echo "$files" | wc -l)" "$(echo "$end - $start" | bc -l)"
  done
fi
