#!/usr/bin/env bash
# An input whose stored tiles a COG can reuse, with its layout broken by an
# in-place edit (owner: create, lossless repack). Run from inside testdata/
# by testdata/make.sh. Needs /usr/bin/python3 with python3-gdal and numpy.
# Content is closed-form or from a seeded generator: re-running gives the
# same pixels.
#   repack_edited.tif  768x512 RGB Byte, 256x256 DEFLATE tiles, AVERAGE
#                      overviews 2 and 4 inside, written as a COG, then one
#                      tile of full resolution rewritten in update mode
#                      (GDAL appends it at the end: the layout is no
#                      longer a COG's, the overviews keep the old pixels)
set -euo pipefail
/usr/bin/python3 - <<'PYEOF'
import numpy as np
from osgeo import gdal
gdal.UseExceptions()
gdal.SetConfigOption("GDAL_PAM_ENABLED", "NO")
w, h = 768, 512
mem = gdal.GetDriverByName("MEM").Create("", w, h, 3, gdal.GDT_Byte)
mem.SetGeoTransform([500000, 10, 0, 4200000, 0, -10])
y, x = np.mgrid[0:h, 0:w]
for b in range(3):
    mem.GetRasterBand(b + 1).SetColorInterpretation(gdal.GCI_RedBand + b)
    mem.GetRasterBand(b + 1).WriteArray(((x * 3 + y * 5 + b * 40 + (x * y) // 97) % 251).astype(np.uint8))
gdal.Translate("repack_edited.tif", mem, format="COG",
               creationOptions=["BLOCKSIZE=256", "COMPRESS=DEFLATE", "RESAMPLING=AVERAGE", "OVERVIEW_COUNT=2"])
d = gdal.Open("repack_edited.tif", gdal.GA_Update)
noise = np.random.default_rng(7).integers(0, 256, (256, 256), dtype=np.uint8)
for b in range(3):
    d.GetRasterBand(b + 1).WriteArray(noise, 256, 0)
d = None
PYEOF
