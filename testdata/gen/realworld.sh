#!/usr/bin/env bash
# Small reproductions of what real producers write and `create` once got
# wrong (owner: create correctness). Run from inside testdata/ by
# testdata/make.sh. Needs GDAL 3.x (gdal_translate) and /usr/bin/python3
# with python3-gdal and numpy. Content is closed-form: re-running gives the
# same pixels.
#   rw_f32_nodata_digits.tif  Float32, GDAL_NODATA "-3.39999999999999996e+38"
#                             (more digits than a float holds), left half nodata
#   rw_i16_nodata_fraction.tif Int16, GDAL_NODATA "1.5" (GDAL masks the 1s)
#   rw_palette_minisblack.tif one Byte band stored MINISBLACK with a ColorMap
#                             and a COLORINTERP=Palette item (GDAL writes this)
#   rw_palette_miniswhite.tif the same stored MINISWHITE
#   rw_cint16_odd.tif         a 301x203 CInt16 band (odd level sizes), for
#                             GDAL's complex overview rules
set -euo pipefail
PY=/usr/bin/python3
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export GDAL_PAM_ENABLED=NO
export GDAL_NUM_THREADS=1

"$PY" - "$TMP" <<'PYEOF'
import sys
import numpy as np
from osgeo import gdal
gdal.UseExceptions()
tmp = sys.argv[1]
gt = gdal.GetDriverByName("GTiff")
opts = ["TILED=YES", "BLOCKXSIZE=128", "BLOCKYSIZE=128", "COMPRESS=DEFLATE"]

ds = gt.Create("rw_f32_nodata_digits.tif", 300, 300, 1, gdal.GDT_Float32, opts)
y, x = np.mgrid[0:300, 0:300]
a = (100.0 + (x * 7 + y * 3) % 1000).astype(np.float32)
a[:, :150] = np.float32(-3.4e38)
a[200:, 140:170] = np.float32(-3.4e38)
ds.GetRasterBand(1).WriteArray(a)
ds.GetRasterBand(1).SetNoDataValue(-3.39999999999999996e38)
ds = None

ds = gt.Create("rw_i16_nodata_fraction.tif", 300, 300, 1, gdal.GDT_Int16, opts)
ds.GetRasterBand(1).WriteArray((x % 3).astype(np.int16))
ds.GetRasterBand(1).SetNoDataValue(1.5)
ds = None

src = f"{tmp}/pal.tif"
ds = gt.Create(src, 200, 150, 1, gdal.GDT_Byte)
y, x = np.mgrid[0:150, 0:200]
ds.GetRasterBand(1).WriteArray(((x // 23 + y // 17) % 11).astype(np.uint8))
ct = gdal.ColorTable()
for i in range(11):
    ct.SetColorEntry(i, (i * 23 % 256, 255 - i * 20, (i * 71) % 256, 255))
ds.GetRasterBand(1).SetColorTable(ct)
ds = None
ds = gt.Create("rw_cint16_odd.tif", 301, 203, 1, gdal.GDT_CInt16, opts)
y, x = np.mgrid[0:203, 0:301]
re = ((x * 37 + y * 101) % 2001 - 1000).astype(np.int16)
im = ((x * 53 - y * 29) % 1501 - 750).astype(np.int16)
ds.GetRasterBand(1).WriteArray(re + 1j * im)
ds = None

for p in ["MINISBLACK", "MINISWHITE"]:
    gdal.Translate(f"rw_palette_{p.lower()}.tif", src, creationOptions=[f"PHOTOMETRIC={p}", "COMPRESS=DEFLATE"])
PYEOF
