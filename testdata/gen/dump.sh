#!/usr/bin/env bash
# Fixtures for `cogtool dump` (owner: dump). Run from inside testdata/ by
# testdata/make.sh. Needs GDAL 3.x and /usr/bin/python3 with python3-gdal and
# numpy. Tiny synthetic images; every tile has different content so a wrong
# tile index shows up as wrong bytes.
set -euo pipefail
PY=/usr/bin/python3
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export GDAL_PAM_ENABLED=NO
export GDAL_NUM_THREADS=1

"$PY" - "$TMP" <<'EOF'
import sys
import numpy as np
from osgeo import gdal
gdal.UseExceptions()
tmp = sys.argv[1]

def write(name, arrays, dtype=gdal.GDT_Byte, nodata=None):
    h, w = arrays[0].shape
    ds = gdal.GetDriverByName("GTiff").Create(f"{tmp}/{name}", w, h, len(arrays), dtype)
    ds.SetGeoTransform((1000.0, 1.0, 0.0, 2000.0, 0.0, -1.0))
    for i, a in enumerate(arrays):
        b = ds.GetRasterBand(i + 1)
        if nodata is not None:
            b.SetNoDataValue(nodata)
        b.WriteArray(a)
    ds = None

# 48x32 with 16x16 tiles: 3 across, 2 down. Tile t holds 10*t plus a ramp.
y, x = np.mgrid[0:32, 0:48]
t = x // 16 + 3 * (y // 16)
write("grid.tif", [(10 * t + (x % 16) + (y % 16) * 3).astype(np.uint8)])

# 64x32, nodata 0; the top-right 16x16 tiles are all nodata (sparse).
y, x = np.mgrid[0:32, 0:64]
v = (1 + x + 2 * y).astype(np.uint8)
v[0:16, 32:64] = 0
write("sparse.tif", [v], nodata=0)

# RGBA 208x112: alpha 0 in the left columns, so the JPEG COG gets a mask.
# Seeded noise makes the file larger than the 16 KiB first read, so tests
# see tile reads apart from the header read.
rng = np.random.default_rng(4)
y, x = np.mgrid[0:112, 0:208]
rgba = [((x * (3 + i) + y * (5 - i) + rng.integers(0, 40, x.shape)) % 256).astype(np.uint8) for i in range(3)]
rgba.append(np.where(x < 20, 0, 255).astype(np.uint8))
write("rgba.tif", rgba)

# 40x30 UInt16 for the big-endian BigTIFF.
y, x = np.mgrid[0:30, 0:40]
write("u16.tif", [(x * 1000 + y * 7).astype(np.uint16)], gdal.GDT_UInt16)
EOF

# BLOCKSIZE below 128 makes GDAL warn; tiny tiles keep the fixtures tiny.
T="gdal_translate -q"
# COG, DEFLATE, 16x16 tiles in a 3x2 grid, plus overviews.
$T -of COG -co COMPRESS=DEFLATE -co BLOCKSIZE=16 -co OVERVIEW_COUNT=2 "$TMP/grid.tif" dump_3x2.tif
# COG with empty (sparse) tiles: offset and byte count 0.
$T -of COG -co COMPRESS=DEFLATE -co BLOCKSIZE=16 -co SPARSE_OK=YES -co OVERVIEWS=NONE \
   "$TMP/sparse.tif" dump_sparse.tif
# JPEG COG (YCbCr, JPEGTables) with an internal mask, 32x32 tiles: 7x4 grid,
# overviews 104x56 and 52x28 (128x128 tiles).
$T -of COG -co COMPRESS=JPEG -co QUALITY=85 -co BLOCKSIZE=32 -co OVERVIEW_COUNT=2 \
   "$TMP/rgba.tif" dump_jpeg_mask.tif
# Striped (not tiled) TIFF.
$T -of GTiff -co TILED=NO "$TMP/grid.tif" dump_strips.tif
# Big-endian BigTIFF, tiled 16x16, ZSTD, with one overview.
$T -of GTiff -co TILED=YES -co BLOCKXSIZE=16 -co BLOCKYSIZE=16 -co COMPRESS=ZSTD \
   -co BIGTIFF=YES -co ENDIANNESS=BIG "$TMP/u16.tif" dump_be_bigtiff.tif
gdaladdo -q -r nearest dump_be_bigtiff.tif 2
# Big-endian file with GDAL's COG layout (ghost area, leaders, trailers):
# the leader stays a little-endian uint32 even in an MM file.
$T -of GTiff -co TILED=YES -co BLOCKXSIZE=16 -co BLOCKYSIZE=16 -co COMPRESS=DEFLATE \
   -co COPY_SRC_OVERVIEWS=YES -co ENDIANNESS=BIG dump_3x2.tif dump_be_cog.tif
# Band-interleaved (planar) tiled TIFF: each band has its own tiles (--band).
$T -of GTiff -co TILED=YES -co BLOCKXSIZE=16 -co BLOCKYSIZE=16 -co COMPRESS=DEFLATE \
   -co INTERLEAVE=BAND -srcwin 0 0 32 32 "$TMP/rgba.tif" dump_planar.tif
rm -f ./dump_*.aux.xml
