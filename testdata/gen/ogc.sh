#!/usr/bin/env bash
# Files for `validate --rules ogc` (owner: validate, OGC 21-026 rules).
# Run from inside testdata/ by testdata/make.sh. Needs gdal_translate.
#   ogc_rect_tiles.tif  512x512 Byte, georeferenced, tiled 512x256, no
#                       overviews: GDAL's validator calls it a valid COG,
#                       the standard's small-sizes requirement (square
#                       tiles) does not
set -euo pipefail
gdal_translate -q -of GTiff -outsize 512 512 -b 1 -co TILED=YES -co BLOCKXSIZE=512 -co BLOCKYSIZE=256 \
  -co COMPRESS=DEFLATE --config GDAL_PAM_ENABLED NO cog_rgb_deflate.tif ogc_rect_tiles.tif
