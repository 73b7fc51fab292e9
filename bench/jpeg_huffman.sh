#!/usr/bin/env bash
# Cost of the JPEG Huffman recoding (src/codec/jpeg_huffman.rs) next to the
# JPEG encoding it follows, per 512x512 tile, single-threaded, release build.
#
#   bench/jpeg_huffman.sh
#
# Tiles: synthetic ones, plus (when GDAL and the corpus are here) 512x512
# windows cut from two photographs and a hillshade of ../shared/corpus
# (or $COGTOOL_CORPUS) into $BENCH_DIR (default /tmp/cogtool-bench).
# Prints encode and recode milliseconds per tile and the size change.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=${BENCH_DIR:-/tmp/cogtool-bench}
CORPUS=${COGTOOL_CORPUS:-$ROOT/../shared/corpus}
mkdir -p "$DIR"

tiles=""
if command -v gdal_translate >/dev/null && [ -f "$CORPUS/manifest.tsv" ]; then
    cut() { # name source x y samples
        local out="$DIR/jpeg_tile_$1.raw"
        [ -f "$out" ] || gdal_translate -q -of ENVI -co INTERLEAVE=BIP -srcwin "$3" "$4" 512 512 "$CORPUS/$2" "$out"
        tiles="$tiles${tiles:+,}$out:$5"
    }
    cut hirise cogeotiff__rio-tiler/tests__fixtures__cog_hirise_mars.tif 300 300 3
    cut photo cogeotiff__rio-cogeo/tests__fixtures__image_2000px.tif 500 500 3
    cut shade rasterio__rasterio/tests__data__shade.tif 256 256 1
else
    echo "note: GDAL or the corpus missing, synthetic tiles only" >&2
fi

cd "$ROOT"
COGTOOL_BENCH_TILES="$tiles" cargo test --release --quiet --lib \
    codec::jpeg_huffman::tests::bench_recoding_against_encoding -- --ignored --nocapture --test-threads=1
