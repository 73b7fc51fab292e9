#!/usr/bin/env bash
# Benchmark for `cogtool dump` (not run by CI): bulk dump of a whole level
# versus one process per tile, with the number of reads each needs.
# Needs gdal_translate. Usage: bench/dump.sh [COGTOOL_BINARY]
# (default target/release/cogtool; build it with `cargo build --release`).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-target/release/cogtool}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export GDAL_PAM_ENABLED=NO

# 4096x4096 JPEG COG with a mask, 256x256 tiles: 16 x 16 tiles at level 0.
gdal_translate -q -of COG -co COMPRESS=JPEG -co BLOCKSIZE=256 -outsize 4096 4096 \
  testdata/dump_jpeg_mask.tif "$TMP/big.tif"
ls -l "$TMP/big.tif" | awk '{print "input: " $5 " bytes"}'

t0=$(date +%s.%N)
"$BIN" -v dump "$TMP/big.tif" --level 0 --all --raw -o "$TMP/bulk" 2>"$TMP/bulk.log"
t1=$(date +%s.%N)
echo "bulk --all: $(grep -c 'read bytes' "$TMP/bulk.log") reads, $(echo "$t1 - $t0" | bc) s"

t0=$(date +%s.%N)
reads=0
for y in $(seq 0 15); do
  for x in $(seq 0 15); do
    n=$("$BIN" -v dump "$TMP/big.tif" --xyz "$x" "$y" 0 --raw -o - 2>&1 >/dev/null | grep -c 'read bytes')
    reads=$((reads + n))
  done
done
t1=$(date +%s.%N)
echo "256 single-tile runs: $reads reads in all, $(echo "$t1 - $t0" | bc) s"

# Same bytes either way.
for y in 0 7 15; do
  for x in 0 9 15; do
    "$BIN" -q dump "$TMP/big.tif" --xyz "$x" "$y" 0 --raw -o - | cmp - "$TMP/bulk/0/$x/$y.jpg"
  done
done
echo "bulk and single-tile outputs agree"
