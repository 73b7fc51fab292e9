#!/usr/bin/env bash
# Fixtures of `create --verify` (owner: verify). Run from inside testdata/
# by testdata/make.sh. Needs /usr/bin/python3 with python3-gdal and numpy.
#
# verify_f32_nodata_digits.tif: 300x300 Float32 whose GDAL_NODATA is
# "-3.39999999999999996e+38" (GDAL's %.18g of -3.4e38, more digits than a
# float holds: the band's nodata samples are that value rounded to f32).
# The left 120 columns and a 60x60 hole are nodata, the rest steps of
# 10x10 pixels, 100..622. Deflate keeps it a few KB.
set -euo pipefail
PY=/usr/bin/python3
export GDAL_PAM_ENABLED=NO
export GDAL_NUM_THREADS=1
"$PY" - <<'PYEOF'
import numpy as np
from osgeo import gdal
gdal.UseExceptions()
w = h = 300
y, x = np.mgrid[0:h, 0:w].astype(np.float64)
a = (100 + (x // 10) * 7 + (y // 10) * 11).astype(np.float32)
nd = -3.4e38
a[:, :120] = nd
a[200:260, 180:240] = nd
ds = gdal.GetDriverByName("GTiff").Create("verify_f32_nodata_digits.tif", w, h, 1, gdal.GDT_Float32,
                                          ["COMPRESS=DEFLATE", "ZLEVEL=9"])
ds.SetGeoTransform((500000, 10, 0, 4000000, 0, -10))
b = ds.GetRasterBand(1)
b.SetNoDataValue(nd)
b.WriteArray(a)
ds = None
PYEOF
