#!/usr/bin/env bash
# Inputs that carry overviews of their own, as gdaladdo and other tools
# leave them (owner: create, GDAL's OVERVIEWS rules). Run from inside
# testdata/ by testdata/make.sh. Needs /usr/bin/python3 with python3-gdal
# and numpy. Content is closed-form: re-running gives the same pixels.
#   ovr_internal_mask.tif  600x400 Byte, internal mask (top-left third
#                          masked), AVERAGE overviews 2 and 4 with mask
#                          overviews
#   ovr_mask_no_ovr.tif    the same, the mask added after the overviews (so
#                          it has none of its own)
#   ovr_factor4.tif        700x500 Byte, one AVERAGE overview at factor 4
#                          (fewer levels than GDAL's rule would make)
#   ovr_unsorted.tif       300x300 Byte, overviews made 4 then 2 (file order
#                          not largest first)
#   ovr_external.tif       200x150 RGB with no overviews inside and
#   ovr_external.tif.ovr   NEAREST overviews 2 and 4 beside it (gdaladdo -ro)
set -euo pipefail
/usr/bin/python3 - <<'PYEOF'
import numpy as np
from osgeo import gdal
gdal.UseExceptions()
gdal.SetConfigOption("GDAL_TIFF_INTERNAL_MASK", "YES")
gdal.SetConfigOption("GDAL_PAM_ENABLED", "NO")
gt = gdal.GetDriverByName("GTiff")
opts = ["TILED=YES", "BLOCKXSIZE=128", "BLOCKYSIZE=128", "COMPRESS=DEFLATE"]

def pixels(w, h, band=0):
    y, x = np.mgrid[0:h, 0:w]
    return ((x * 3 + y * 5 + band * 40 + (x * y) // 97) % 251).astype(np.uint8)

def make(name, w, h, bands=1, levels=(), mask=None, mask_after=False, resampling="AVERAGE", ro=False):
    d = gt.Create(name, w, h, bands, gdal.GDT_Byte, opts)
    d.SetGeoTransform([500000, 10, 0, 4200000, 0, -10])
    for b in range(bands):
        d.GetRasterBand(b + 1).WriteArray(pixels(w, h, b))
    def add_mask():
        d.CreateMaskBand(gdal.GMF_PER_DATASET)
        m = np.full((h, w), 255, np.uint8)
        m[: h // 3, : w // 3] = 0
        d.GetRasterBand(1).GetMaskBand().WriteArray(m)
    if mask and not mask_after:
        add_mask()
    for group in levels:
        d.BuildOverviews(resampling, list(group))
    if mask and mask_after:
        add_mask()
    d = None

make("ovr_internal_mask.tif", 600, 400, levels=[(2, 4)], mask=True)
make("ovr_mask_no_ovr.tif", 600, 400, levels=[(2, 4)], mask=True, mask_after=True)
make("ovr_factor4.tif", 700, 500, levels=[(4,)])
make("ovr_unsorted.tif", 300, 300, levels=[(4,), (2,)])
make("ovr_external.tif", 200, 150, bands=3)
PYEOF
gdaladdo -q -ro -r nearest --config COMPRESS_OVERVIEW DEFLATE ovr_external.tif 2 4
