#!/usr/bin/env bash
# Fixtures for the remote-source tests. Run from testdata/.
#   remote_small.tif  : 256x256 RGB byte COG, DEFLATE, 64x64 tiles, 2 overviews;
#                       its IFDs fit in the first 16 KiB (one request for info).
#   remote_mask.tif   : 300x200 byte COG, DEFLATE, internal mask, 1 overview,
#                       tiles beyond 16 KiB (tile reads, read_many merging).
set -euo pipefail
/usr/bin/python3 - <<'PY'
import numpy as np
from osgeo import gdal
gdal.UseExceptions()

def mem(w, h, bands, data):
    ds = gdal.GetDriverByName("MEM").Create("", w, h, bands, gdal.GDT_Byte)
    ds.SetGeoTransform([500000, 10, 0, 4000000, 0, -10])
    ds.SetProjection("EPSG:32631")
    for b in range(bands):
        ds.GetRasterBand(b + 1).WriteArray(data[b])
    return ds

y, x = np.mgrid[0:256, 0:256]
rgb = [(x + y) // 2, x, (y // 4) * 4]
src = mem(256, 256, 3, [a.astype(np.uint8) for a in rgb])
gdal.Translate("remote_small.tif", src, format="COG",
               creationOptions=["COMPRESS=DEFLATE", "PREDICTOR=2", "BLOCKSIZE=64", "OVERVIEW_COUNT=2"])

# Pseudo-random texture (fixed seed) so tiles are bigger than a few bytes.
rng = np.random.default_rng(6)
y, x = np.mgrid[0:200, 0:300]
band = ((x * y) % 251 + rng.integers(0, 16, size=(200, 300))).astype(np.uint8)
src = mem(300, 200, 1, [band])
m = src.GetRasterBand(1)
m.CreateMaskBand(gdal.GMF_PER_DATASET)
mask = np.full((200, 300), 255, np.uint8)
mask[:40, :60] = 0
m.GetMaskBand().WriteArray(mask)
gdal.Translate("remote_mask.tif", src, format="COG",
               creationOptions=["COMPRESS=DEFLATE", "BLOCKSIZE=64", "OVERVIEW_COUNT=1"])
PY
ls -l remote_*.tif
