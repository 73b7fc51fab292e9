#!/usr/bin/env bash
# Time `cogtool validate` against GDAL's validate_cloud_optimized_geotiff.py
# and `rio cogeo validate` on the same files, in one run, and print ratios.
#
#   bench/validate.sh [DIR]      (default: ../shared/corpus, or $COGTOOL_CORPUS)
#   EVERY=3 bench/validate.sh    (every 3rd file only: rio-cogeo is slow)
#
# Targets (docs/benchmarks/2026-11-validate.md): one call per file >= 20x faster than
# GDAL's script; the whole corpus in one call < 1 s. Uses target/release
# (built if missing). rio is optional: set RIO=/path/to/rio or have `rio`
# with the cogeo plugin on PATH; nothing is downloaded here.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:-${COGTOOL_CORPUS:-../shared/corpus}}
BIN=target/release/cogtool
[ -x "$BIN" ] || cargo build --release --quiet
PY=/usr/bin/python3
RIO=${RIO:-rio}
# GDAL's script runs past 180 s on this file (1.6 billion strips); cogtool
# takes milliseconds, but a comparison needs both to finish.
EXCLUDE='huge-number-strips'

LIST=$(mktemp); trap 'rm -f "$LIST"' EXIT
if [ -f "$DIR/manifest.tsv" ]; then
  tail -n +2 "$DIR/manifest.tsv" | cut -f1 | sed "s|^|$DIR/|"
else
  find "$DIR" -type f ! -name '*.md' ! -name '*.tsv' | sort
fi | grep -v -e "$EXCLUDE" | awk -v k="${EVERY:-1}" '(NR - 1) % k == 0' > "$LIST"
N=$(wc -l < "$LIST")
echo "files: $N from $DIR (excluded: $EXCLUDE)"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { print b - a }'; }
div() { awk -v a="$1" -v b="$2" 'BEGIN { print a / b }'; }

t0=$(now); "$BIN" validate --full-check yes @"$LIST" > /dev/null || true; t1=$(now)
all=$(elapsed "$t0" "$t1")
t0=$(now); while IFS= read -r f; do "$BIN" validate --full-check yes "$f" > /dev/null || true; done < "$LIST"; t1=$(now)
per=$(elapsed "$t0" "$t1")

gdal=""
if $PY -c 'import osgeo_utils.samples.validate_cloud_optimized_geotiff' 2>/dev/null; then
  t0=$(now)
  while IFS= read -r f; do
    $PY -m osgeo_utils.samples.validate_cloud_optimized_geotiff -q --full-check=yes "$f" > /dev/null 2>&1 || true
  done < "$LIST"
  t1=$(now); gdal=$(elapsed "$t0" "$t1")
else
  echo "note: GDAL's python validator is not installed; skipping it"
fi

rio=""
if "$RIO" cogeo --version > /dev/null 2>&1; then
  t0=$(now)
  while IFS= read -r f; do "$RIO" cogeo validate "$f" > /dev/null 2>&1 || true; done < "$LIST"
  t1=$(now); rio=$(elapsed "$t0" "$t1")
else
  echo "note: rio-cogeo is not installed (set RIO=/path/to/rio); skipping it"
fi

printf '%-44s %9s %12s\n' "command" "total s" "ms per file"
row() { printf '%-44s %9.3f %12.2f\n' "$1" "$2" "$(div "$2" "$N" | awk '{ print $1 * 1000 }')"; }
row "cogtool validate, one call for all files" "$all"
row "cogtool validate, one call per file" "$per"
[ -n "$gdal" ] && row "GDAL validate_cloud_optimized_geotiff.py" "$gdal"
[ -n "$rio" ] && row "rio cogeo validate" "$rio"
[ -n "$gdal" ] && printf 'GDAL script / cogtool per file: %.1fx (target >= 20x)\n' "$(div "$gdal" "$per")"
[ -n "$gdal" ] && printf 'GDAL script / cogtool one call: %.1fx\n' "$(div "$gdal" "$all")"
[ -n "$rio" ] && printf 'rio cogeo / cogtool per file: %.1fx\n' "$(div "$rio" "$per")"
printf 'whole set in one call: %.3f s (target < 1 s)\n' "$all"
