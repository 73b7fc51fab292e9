#!/usr/bin/env bash
# Fixtures for the codec/raster tests (tests/codec/codec_raster.rs): small TIFFs in
# layouts RasterReader must handle, and GDAL's checksums of each band in
# codec_checksums.tsv, so the tests need no GDAL to run.
set -euo pipefail
/usr/bin/python3 - <<'PY'
import numpy as np
from osgeo import gdal
gdal.UseExceptions()

def make(name, arr, dtype, opts, nodata=None, sparse_hole=None):
    bands = arr.shape[0]
    h, w = arr.shape[1], arr.shape[2]
    mem = gdal.GetDriverByName("MEM").Create("", w, h, bands, dtype)
    for b in range(bands):
        band = mem.GetRasterBand(b + 1)
        if nodata is not None:
            band.SetNoDataValue(nodata)
        band.WriteArray(arr[b])
    gdal.GetDriverByName("GTiff").CreateCopy(name, mem, options=opts)

rng = np.random.default_rng(7)
def ramp(bands, h, w, scale, offset=0):
    y, x = np.mgrid[0:h, 0:w]
    out = np.stack([(x * (b + 1) + y * 3) * scale + offset for b in range(bands)])
    return out + rng.integers(-2, 3, size=out.shape) * scale

# big-endian, band-interleaved strips of 7 rows, Int16, DEFLATE + horizontal predictor
make("codec_be_separate_i16.tif", ramp(3, 23, 37, 97, -900).astype(np.int16), gdal.GDT_Int16,
     ["ENDIANNESS=BIG", "INTERLEAVE=BAND", "BLOCKYSIZE=7", "COMPRESS=DEFLATE", "PREDICTOR=2"])
# tiles with partial edge tiles, Float32 with NaN, LZW + floating point predictor
a = ramp(2, 29, 45, 0.37, -5.0).astype(np.float32)
a[0, 3, 4] = np.nan
make("codec_tiled_f32_pred3.tif", a, gdal.GDT_Float32,
     ["TILED=YES", "BLOCKXSIZE=16", "BLOCKYSIZE=16", "COMPRESS=LZW", "PREDICTOR=3"], nodata=float("nan"))
# big-endian Float64, ZSTD + floating point predictor, pixel interleaved strips
make("codec_be_f64_zstd.tif", ramp(2, 19, 21, 1.0e5 / 3).astype(np.float64), gdal.GDT_Float64,
     ["ENDIANNESS=BIG", "BLOCKYSIZE=5", "COMPRESS=ZSTD", "PREDICTOR=3"])
# sparse tiles: empty tiles read as nodata (SPARSE_OK)
s = np.full((1, 40, 40), 7, np.uint8)
s[0, 0:16, 0:16] = ramp(1, 16, 16, 1)[0].astype(np.uint8)
make("codec_sparse_nodata.tif", s, gdal.GDT_Byte,
     ["TILED=YES", "BLOCKXSIZE=16", "BLOCKYSIZE=16", "SPARSE_OK=TRUE", "COMPRESS=PACKBITS"], nodata=7)
# bit-packed samples: 1-bit PackBits, 12-bit ZSTD, 4-bit band interleaved
make("codec_nbits1.tif", (ramp(1, 13, 27, 1) % 3 == 0).astype(np.uint8), gdal.GDT_Byte,
     ["NBITS=1", "COMPRESS=PACKBITS", "BLOCKYSIZE=4"])
make("codec_nbits12.tif", (ramp(2, 11, 19, 13) % 4096).astype(np.uint16), gdal.GDT_UInt16,
     ["NBITS=12", "COMPRESS=ZSTD", "TILED=YES", "BLOCKXSIZE=16", "BLOCKYSIZE=16"])
make("codec_nbits4_separate.tif", (ramp(2, 9, 15, 1) % 16).astype(np.uint8), gdal.GDT_Byte,
     ["NBITS=4", "INTERLEAVE=BAND", "COMPRESS=LZW"])
# complex integers, uncompressed, and 32-bit unsigned beyond Int32 (checksum clamps)
c = ramp(1, 9, 11, 5).astype(np.int16)
make("codec_cint16.tif", (c + 1j * (c // 2 - 40)).astype(np.complex64), gdal.GDT_CInt16, [])
make("codec_u32_deflate.tif", (ramp(1, 10, 12, 400000000).astype(np.uint64) % 4294967296).astype(np.uint32),
     gdal.GDT_UInt32, ["COMPRESS=DEFLATE", "PREDICTOR=2", "TILED=YES", "BLOCKXSIZE=16", "BLOCKYSIZE=16"])

import glob
with open("codec_checksums.tsv", "w") as f:
    f.write("# file\tGDAL checksum per band (gdalinfo -checksum), made by gen/codec.sh\n")
    for name in sorted(glob.glob("codec_*.tif")):
        ds = gdal.Open(name)
        sums = [str(ds.GetRasterBand(b + 1).Checksum()) for b in range(ds.RasterCount)]
        f.write(name + "\t" + ",".join(sums) + "\n")
PY
