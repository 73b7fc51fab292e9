#!/usr/bin/env bash
# SHA-256 of every `cogtool create` output over the fixtures in testdata/
# and a spread of option sets (codecs, predictors, resamplings, masks,
# sparse, band interleave, block sizes; the input's own overviews kept,
# as by default, or recomputed). One line per (file, options):
#   FILE<TAB>OPTIONS<TAB>sha256 | error: MESSAGE
# tests/create/create_bytes.rs compares this with testdata/create_hashes.tsv: any
# change of output bytes shows up there, intended (regenerate and review
# the diff) or not (a refactoring that must not change bytes).
#
#   tests/create_support/output_hashes.sh COGTOOL [TESTDATA_DIR] > hashes.tsv
set -euo pipefail
BIN=$1
DIR=${2:-$(cd "$(dirname "$0")/../../testdata" && pwd)}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

OPTION_SETS=(
  ""
  "--overviews force-use-existing --compress deflate"
  "--regenerate-overviews --compress deflate --predictor auto --resampling average"
  "--regenerate-overviews --compress zstd --resampling nearest --blocksize 128"
  "--regenerate-overviews --compress lzw --resampling bilinear --interleave band"
  "--regenerate-overviews --compress deflate --add-mask --resampling average"
  "--regenerate-overviews --sparse --resampling mode --blocksize 256"
  "--regenerate-overviews --compress packbits --resampling rms"
  "--regenerate-overviews --compress deflate --resampling lanczos --overview-count 2"
  "--regenerate-overviews --compress zstd --predictor auto --resampling gauss"
  "--regenerate-overviews --compress deflate --resampling cubicspline --nodata none"
  "--regenerate-overviews --compress jpeg --quality 80"
  "--regenerate-overviews --compress webp"
)

for f in "$DIR"/*.tif; do
  name=$(basename "$f")
  case "$name" in bad_*|validate_not_tiff.tif) continue ;; esac
  for opts in "${OPTION_SETS[@]}"; do
    out="$WORK/out.tif"
    rm -f "$out"
    # shellcheck disable=SC2086
    if err=$("$BIN" create -q "$f" "$out" $opts 2>&1 >/dev/null); then
      h=$(sha256sum "$out" | cut -d' ' -f1)
    else
      h="error: $(printf '%s' "$err" | head -1 | sed "s|$DIR/||g; s|$WORK/||g")"
    fi
    printf '%s\t%s\t%s\n' "$name" "${opts:-defaults}" "$h"
  done
done
