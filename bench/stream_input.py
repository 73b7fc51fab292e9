"""The input of bench/s3_stream.sh and bench/parts.sh: 12288 x 12288 RGB
Byte, DEFLATE, 512 tiles, no overviews (GDAL's Python bindings).

usage: stream_input.py OUT.tif
"""
import sys
import numpy as np
from osgeo import gdal
gdal.UseExceptions()
w = h = 12288
d = gdal.GetDriverByName("GTiff").Create(sys.argv[1], w, h, 3, gdal.GDT_Byte,
    ["TILED=YES", "COMPRESS=DEFLATE", "BLOCKXSIZE=512", "BLOCKYSIZE=512", "PHOTOMETRIC=RGB"])
d.SetGeoTransform([500000, 1, 0, 4200000, 0, -1])
rng = np.random.default_rng(1)
for b in range(3):
    for y0 in range(0, h, 1024):
        y, x = np.mgrid[y0:y0 + 1024, 0:w]
        v = (x * 3 + y * 5 + b * 40 + (x * y) // 97) % 251 + rng.integers(0, 4, (1024, w))
        d.GetRasterBand(b + 1).WriteArray(v.astype(np.uint8), 0, y0)
