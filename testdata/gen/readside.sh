#!/usr/bin/env bash
# Fixtures for the read side of `cogtool info` / `dump` (tests/info.rs):
# a user-defined CRS without an EPSG code, Float32 nodata that prints badly
# as a plain decimal, GCP georeferencing, and a COG cut short (tiles past
# the end). Run from testdata/ (testdata/make.sh does). Needs GDAL.
set -euo pipefail
/usr/bin/python3 - <<'PY'
import os
import numpy as np
from osgeo import gdal
gdal.UseExceptions()

def raster(path, w, h, dtype, nodata=None):
    ds = gdal.GetDriverByName("GTiff").Create(path, w, h, 1, dtype)
    y, x = np.mgrid[0:h, 0:w]
    ds.GetRasterBand(1).WriteArray((x + y).astype(np.float64))
    if nodata is not None:
        ds.GetRasterBand(1).SetNoDataValue(nodata)
    return ds

# User-defined polar stereographic (no EPSG code), Float32 nodata -3.4e+38.
ds = raster("/tmp/_rs_polar.tif", 16, 16, gdal.GDT_Float32, -3.4e38)
ds.SetProjection("+proj=stere +lat_0=90 +lat_ts=70 +lon_0=-45 +datum=WGS84 +units=m")
ds.SetGeoTransform([-100000, 1000, 0, 100000, 0, -1000])
ds = None
gdal.Translate("readside_polar_f32.tif", "/tmp/_rs_polar.tif", creationOptions=["COMPRESS=DEFLATE"])
os.remove("/tmp/_rs_polar.tif")

# GCPs only (ModelTiepoint with several points, no pixel scale), nodata 1e20.
ds = raster("/tmp/_rs_gcp.tif", 20, 10, gdal.GDT_Float32, 1e20)
gcps = [gdal.GCP(10.0 + i, 50.0 - i, 0.0, 5.0 * i, 2.0 * i) for i in range(5)]
ds.SetGCPs(gcps, 'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433],AUTHORITY["EPSG","4326"]]')
ds = None
gdal.Translate("readside_gcps.tif", "/tmp/_rs_gcp.tif")
os.remove("/tmp/_rs_gcp.tif")
PY
# A COG cut short: the last bytes (tile data) are gone.
cog=readside_truncated.tif
gdal_translate -q -of COG -co BLOCKSIZE=256 -co COMPRESS=DEFLATE cog_3x2_tiles.tif "$cog"
size=$(stat -c %s "$cog")
truncate -s $((size / 2)) "$cog"
