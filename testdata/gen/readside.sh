#!/usr/bin/env bash
# Fixtures for the read side of `cogtool info` / `dump` (tests/read/info.rs):
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
# Overviews stored as SubIFDs (tag 330) of the first IFD, as some writers
# (not GDAL) do: a 64x64 Byte image in 32x32 tiles, uncompressed, with a
# 32x32 overview (NewSubfileType 1) reachable only through SubIFDs.
/usr/bin/python3 - <<'PY'
import struct
def ifd_bytes(entries, at, next_off):
    # entries: (tag, type, count, value-or-bytes); out-of-line data after the IFD.
    entries = sorted(entries)
    n = len(entries)
    extra_at = at + 2 + 12 * n + 4
    head, extra = struct.pack("<H", n), b""
    for tag, typ, count, val in entries:
        if isinstance(val, bytes):
            head += struct.pack("<HHII", tag, typ, count, extra_at + len(extra))
            extra += val
        elif typ == 3:
            head += struct.pack("<HHIHH", tag, typ, count, val, 0)
        else:
            head += struct.pack("<HHII", tag, typ, count, val)
    return head + struct.pack("<I", next_off) + extra

def image(w, h, subfile, tiles_at, sub_ifds=None):
    t = 32
    n = (w // t) * (h // t)
    e = [(254, 4, 1, subfile), (256, 3, 1, w), (257, 3, 1, h), (258, 3, 1, 8), (259, 3, 1, 1),
         (262, 3, 1, 1), (277, 3, 1, 1), (322, 3, 1, t), (323, 3, 1, t)]
    offs = [tiles_at + i * t * t for i in range(n)]
    if n == 1:
        e += [(324, 4, 1, offs[0]), (325, 4, 1, t * t)]
    else:
        e += [(324, 4, n, struct.pack("<%dI" % n, *offs)), (325, 4, n, struct.pack("<%dI" % n, *[t * t] * n))]
    if sub_ifds is not None:
        e.append((330, 13, 1, sub_ifds))
    return e

main_at, sub_at, data_at = 8, 400, 800
main = ifd_bytes(image(64, 64, 0, data_at, sub_ifds=sub_at), main_at, 0)
sub = ifd_bytes(image(32, 32, 1, data_at + 4 * 1024), sub_at, 0)
assert main_at + len(main) <= sub_at and sub_at + len(sub) <= data_at
b = bytearray(b"II*\0" + struct.pack("<I", main_at))
b += main; b += bytes(sub_at - len(b)); b += sub; b += bytes(data_at - len(b))
for k in range(4):
    b += bytes([40 * (k + 1)]) * 1024   # main tiles: 40, 80, 120, 160
b += bytes([200]) * 1024                # overview tile: 200
open("readside_subifd_overview.tif", "wb").write(b)
PY
