#!/usr/bin/env bash
# Fixtures for --web-optimized / --tms. Run from testdata/.
#   tms_utm_rgb.tif    : 300x220 RGB byte, UTM 33N (EPSG:32633), 20 m pixels,
#                        no nodata (so the warp adds an alpha band, as GDAL does).
#   tms_utm_nodata.tif : 160x120 Int16, UTM 33N, 45 m pixels, nodata -9999
#                        with a nodata hole (the warp pads with nodata).
# Both are plain tiled GTiffs (DEFLATE), a few KB each.
set -euo pipefail
/usr/bin/python3 - <<'PY'
import numpy as np
from osgeo import gdal
gdal.UseExceptions()

def make(path, w, h, res, dtype, bands, nodata=None):
    ds = gdal.GetDriverByName("GTiff").Create(path, w, h, len(bands), dtype,
                                              options=["TILED=YES", "COMPRESS=DEFLATE", "PREDICTOR=2"])
    ds.SetGeoTransform([432000, res, 0, 5763000, 0, -res])
    ds.SetProjection("EPSG:32633")
    for i, a in enumerate(bands):
        b = ds.GetRasterBand(i + 1)
        if nodata is not None:
            b.SetNoDataValue(nodata)
        b.WriteArray(a)
    ds = None

y, x = np.mgrid[0:220, 0:300]
rgb = [((x + y) // 2), (x * 255 // 299), ((y // 11) * 23 % 256)]
make("tms_utm_rgb.tif", 300, 220, 20.0, gdal.GDT_Byte, [a.astype(np.uint8) for a in rgb])

y, x = np.mgrid[0:120, 0:160]
dem = (100 + x * 5 + (y * y) // 7).astype(np.int16)
dem[40:60, 50:90] = -9999
make("tms_utm_nodata.tif", 160, 120, 45.0, gdal.GDT_Int16, [dem], nodata=-9999)
PY
