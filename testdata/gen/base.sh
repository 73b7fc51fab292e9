#!/usr/bin/env bash
# Shared base fixtures (owner: foundation). Run from inside testdata/ by
# testdata/make.sh. Needs GDAL 3.x (gdal_translate, gdaladdo) and
# /usr/bin/python3 with python3-gdal and numpy.
#
# All content is synthetic and deterministic (closed-form patterns plus a
# seeded generator), so re-running gives the same pixels. Smooth content keeps
# the compressed files small: the whole set stays well under 1.5 MB.
set -euo pipefail
PY=/usr/bin/python3
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export GDAL_PAM_ENABLED=NO        # no .aux.xml sidecars
export GDAL_NUM_THREADS=1         # same bytes on every machine

# ---- 1. uncompressed sources written with python-gdal ----------------------
"$PY" - "$TMP" <<'EOF'
import sys
import numpy as np
from osgeo import gdal, osr
gdal.UseExceptions()
tmp = sys.argv[1]
rng = np.random.default_rng(20261121)

def srs_wkt(epsg):
    s = osr.SpatialReference()
    s.ImportFromEPSG(epsg)
    return s.ExportToWkt()

def write(name, arrays, dtype, epsg, gt, nodata=None, band_setup=None, metadata=None):
    h, w = arrays[0].shape
    ds = gdal.GetDriverByName("GTiff").Create(f"{tmp}/{name}", w, h, len(arrays), dtype)
    ds.SetGeoTransform(gt)
    ds.SetProjection(srs_wkt(epsg))
    for i, a in enumerate(arrays):
        b = ds.GetRasterBand(i + 1)
        if nodata is not None:
            b.SetNoDataValue(nodata)
        if band_setup:
            band_setup(b)
        b.WriteArray(a)
    for k, v in (metadata or {}).items():
        ds.SetMetadataItem(k, v)
    ds = None

def smooth(w, h, fx, fy, phase):
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    v = 0.5 + 0.25 * np.sin(x / fx + phase) + 0.25 * np.cos(y / fy - phase)
    # 16 levels: long runs of equal values keep DEFLATE/LZW output small.
    return np.floor(v * 16.0) / 16.0

# RGB 1100x900, UTM 33N, 10 m pixels: smooth waves, one per band.
w, h = 1100, 900
rgb = [np.clip(smooth(w, h, 60 + 17 * i, 45 + 11 * i, i) * 255, 0, 255).astype(np.uint8) for i in range(3)]
write("rgb.tif", rgb, gdal.GDT_Byte, 32633, (500000.0, 10.0, 0.0, 5400000.0, 0.0, -10.0))

# Gray 600x500 for the BigTIFF COG, WGS84 geographic.
g = (smooth(600, 500, 40, 30, 0.3) * 250).astype(np.uint8)
write("gray.tif", [g], gdal.GDT_Byte, 4326, (10.0, 0.001, 0.0, 50.0, 0.0, -0.001))

# RGBA 512x384: alpha 0 outside an ellipse, so the JPEG COG gets a mask.
w, h = 512, 384
y, x = np.mgrid[0:h, 0:w]
inside = ((x - w / 2) / (w * 0.45)) ** 2 + ((y - h / 2) / (h * 0.45)) ** 2 <= 1.0
rgba = [np.clip(smooth(w, h, 30 + 9 * i, 25 + 7 * i, i) * 255, 0, 255).astype(np.uint8) for i in range(3)]
rgba = [np.where(inside, a, 0).astype(np.uint8) for a in rgba]
rgba.append(np.where(inside, 255, 0).astype(np.uint8))
write("rgba.tif", rgba, gdal.GDT_Byte, 3857, (1000000.0, 30.0, 0.0, 6000000.0, 0.0, -30.0))

# Float32 300x200 elevation-like surface, -9999 in a disc and the
# left 5 columns, EPSG:4326.
w, h = 300, 200
y, x = np.mgrid[0:h, 0:w].astype(np.float64)
f = (100.0 + 40.0 * np.sin(x / 23.0) * np.cos(y / 17.0) + 0.05 * x).astype(np.float32)
f = np.round(f * 2.0) / 2.0  # half-unit steps compress well
f[rng.random(f.shape) < 0.001] = 55.25  # a few seeded outliers
f[(x - 220) ** 2 + (y - 60) ** 2 < 30 ** 2] = -9999.0
f[:, :5] = -9999.0
def elevation(b):
    # GDAL_METADATA items with roles: description, scale, offset, unittype.
    b.SetDescription("elevation")
    b.SetScale(0.5)
    b.SetOffset(10.0)
    b.SetUnitType("m")
write("float.tif", [f], gdal.GDT_Float32, 4326, (5.0, 0.01, 0.0, 45.0, 0.0, -0.01), nodata=-9999.0,
      band_setup=elevation, metadata={"SOURCE": "cogtool <testdata> & base.sh"})

# 700x400 Byte for the 3x2 tile grid: each 256x256 tile has its own base level
# (40 * tile index) plus a small gradient, so tiles are distinguishable.
w, h = 700, 400
y, x = np.mgrid[0:h, 0:w]
t = (x // 256) + 3 * (y // 256)
grid = (40 * t + (x % 256) // 32 + (y % 256) // 32).astype(np.uint8)
write("grid.tif", [grid], gdal.GDT_Byte, 32631, (600000.0, 20.0, 0.0, 4800000.0, 0.0, -20.0))

# 200x150 RGB for the plain striped GeoTIFF.
w, h = 200, 150
st = [np.clip(smooth(w, h, 15 + 4 * i, 12 + 3 * i, i) * 255, 0, 255).astype(np.uint8) for i in range(3)]
write("strip_src.tif", st, gdal.GDT_Byte, 32632, (300000.0, 5.0, 0.0, 5000000.0, 0.0, -5.0))

# 500x400 Byte for the tiled non-COG.
tn = (smooth(500, 400, 20, 35, 1.0) * 200).astype(np.uint8)
write("tiled_src.tif", [tn], gdal.GDT_Byte, 32630, (400000.0, 2.0, 0.0, 4400000.0, 0.0, -2.0))

# 400x300 UInt16 for the big-endian tiled TIFF.
be = (smooth(400, 300, 25, 19, 0.7) * 60000).astype(np.uint16)
write("be_src.tif", [be], gdal.GDT_UInt16, 32629, (200000.0, 3.0, 0.0, 4300000.0, 0.0, -3.0), nodata=0)
EOF

T="gdal_translate -q"

# ---- 2. COGs ---------------------------------------------------------------
# 3-band Byte, DEFLATE, 512x512 tiles, 2 overviews (550x450, 275x225).
$T -of COG -co COMPRESS=DEFLATE "$TMP/rgb.tif" cog_rgb_deflate.tif
# BigTIFF, LZW + horizontal predictor, 256 tiles, overviews 300x250, 150x125.
$T -of COG -co COMPRESS=LZW -co PREDICTOR=YES -co BIGTIFF=YES -co BLOCKSIZE=256 \
   "$TMP/gray.tif" cog_gray_lzw_bigtiff.tif
# JPEG (YCbCr), alpha turned into an internal mask, 256 tiles, 1 overview.
$T -of COG -co COMPRESS=JPEG -co QUALITY=80 -co BLOCKSIZE=256 \
   "$TMP/rgba.tif" cog_mask_jpeg.tif
# Float32 with nodata -9999, DEFLATE + floating-point predictor, 128 tiles.
$T -of COG -co COMPRESS=DEFLATE -co PREDICTOR=YES -co BLOCKSIZE=128 \
   "$TMP/float.tif" cog_float32_nodata.tif
# 3 tiles across x 2 down, no overviews.
$T -of COG -co COMPRESS=DEFLATE -co BLOCKSIZE=256 -co OVERVIEWS=NONE \
   "$TMP/grid.tif" cog_3x2_tiles.tif

# ---- 3. non-COG TIFFs --------------------------------------------------------
# Plain strip GeoTIFF, uncompressed, pixel-interleaved, 4 rows per strip
# (38 strips: more than the 24 values info shows before cutting an array).
$T -of GTiff -co TILED=NO -co COMPRESS=NONE -co BLOCKYSIZE=4 "$TMP/strip_src.tif" striped.tif
# Tiled GeoTIFF with overviews appended by gdaladdo after the main image data:
# overview IFDs and tiles come after the full-resolution tiles (not a COG).
$T -of GTiff -co TILED=YES -co BLOCKXSIZE=256 -co BLOCKYSIZE=256 -co COMPRESS=DEFLATE \
   "$TMP/tiled_src.tif" tiled_not_cog.tif
gdaladdo -q -r average tiled_not_cog.tif 2 4
# Big-endian ("MM") tiled UInt16 with nodata 0 and internal overviews.
$T -of GTiff -co TILED=YES -co BLOCKXSIZE=128 -co BLOCKYSIZE=128 -co COMPRESS=DEFLATE \
   -co ENDIANNESS=BIG "$TMP/be_src.tif" tiled_bigendian.tif
gdaladdo -q -r nearest tiled_bigendian.tif 2

# A real PNG, named .tif.
$T -of PNG -outsize 64 48 "$TMP/strip_src.tif" bad_png.tif
rm -f bad_png.tif.aux.xml

# ---- 4. hostile files, written byte by byte --------------------------------
"$PY" - <<'EOF'
import struct

def ifd_classic(entries, next_ifd):
    """entries: list of (tag, type, count, value_or_offset as 4 raw bytes)."""
    out = struct.pack("<H", len(entries))
    for tag, typ, count, raw in sorted(entries):
        out += struct.pack("<HHI", tag, typ, count) + raw
    return out + struct.pack("<I", next_ifd)

def short(v):
    return struct.pack("<HH", v, 0)

def long_(v):
    return struct.pack("<I", v)

def small_image(strip_offset):
    # 8x8 1-band Byte, one uncompressed strip.
    so = (1, long_(strip_offset))
    return [
        (256, 3, 1, short(8)), (257, 3, 1, short(8)), (258, 3, 1, short(8)),
        (259, 3, 1, short(1)), (262, 3, 1, short(1)),
        (273, 4, so[0], so[1]), (277, 3, 1, short(1)), (278, 3, 1, short(8)),
        (279, 4, 1, long_(64)),
    ]

# Truncated: a valid COG cut in the middle of its first IFD.
data = open("cog_rgb_deflate.tif", "rb").read()
first_ifd = struct.unpack("<I", data[4:8])[0]
open("bad_truncated.tif", "wb").write(data[: first_ifd + 40])

# IFD loop: IFD0 -> IFD1 -> IFD0 ...
pixels = bytes(range(64))
ifd0_off = 8 + 64
ifd_len = 2 + 9 * 12 + 4
ifd1_off = ifd0_off + ifd_len
blob = b"II*\x00" + struct.pack("<I", ifd0_off) + pixels
blob += ifd_classic(small_image(8), ifd1_off)
blob += ifd_classic(small_image(8), ifd0_off)
open("bad_ifd_loop.tif", "wb").write(blob)

# First IFD offset points past the end of the file.
blob = b"II*\x00" + struct.pack("<I", 9123) + pixels
blob += ifd_classic(small_image(8), 0)
open("bad_offset_past_end.tif", "wb").write(blob)

# BitsPerSample with count 2^32-1 (SHORT): would need 8 GiB of values.
# (A huge StripOffsets count alone does not make the file unreadable for
# GDAL, which reads strile arrays lazily; BitsPerSample is needed up front.)
blob = b"II*\x00" + struct.pack("<I", 8 + 64) + pixels
entries = [e for e in small_image(8) if e[0] != 258] + [(258, 3, 0xFFFFFFFF, long_(8))]
blob += ifd_classic(entries, 0)
open("bad_huge_count.tif", "wb").write(blob)

# BigTIFF whose first IFD offset is above 2^63.
blob = b"II+\x00" + struct.pack("<HHQ", 8, 0, 0x8000000000001000) + bytes(64)
open("bad_bigtiff_offset.tif", "wb").write(blob)

# Empty file.
open("bad_empty.tif", "wb").close()
EOF

rm -f ./*.aux.xml
