"""GDAL side of tests/create/create_gdal.rs (run with Debian's /usr/bin/python3).

  make DIR            write the test inputs into DIR
  compare A B [full [BANDS]]  per band and level: max |A-B| and mask
                      differences, as JSON; BANDS (1,2,3,5) are A's bands
                      that B's hold, in order
  meta F              georeferencing, nodata, metadata, palette, as JSON
  check               stdin lines "INPUT OUTPUT lossless|lossy": GDAL's COG
                      validator (full check) and, for lossless, per-band
                      checksums of input and output, as JSON lines
"""
import json
import sys

import numpy as np
from osgeo import gdal, osr

gdal.UseExceptions()


def make(d):
    drv = gdal.GetDriverByName("GTiff")
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32633)

    def grad(h, w, k):
        y, x = np.mgrid[0:h, 0:w]
        return (x * 3 + y * 2 + k * 37) % 251 + ((x * 7 + y * 13) % 5)

    ds = drv.Create(f"{d}/rgb.tif", 1500, 1100, 3, gdal.GDT_Byte)
    ds.SetGeoTransform([100000, 10, 0, 5000000, 0, -10])
    ds.SetProjection(srs.ExportToWkt())
    for b in range(3):
        ds.GetRasterBand(b + 1).WriteArray(grad(1100, 1500, b).astype("uint8"))
    ds.SetMetadataItem("AREA", "test")
    # TIFF tags GDAL keeps (written as tags, not GDAL_METADATA), and RPCs.
    for k, v in [("DOCUMENTNAME", "doc"), ("IMAGEDESCRIPTION", "an image"), ("SOFTWARE", "maker 1.0"),
                 ("DATETIME", "2024:05:06 07:08:09"), ("ARTIST", "someone"), ("HOSTCOMPUTER", "host"),
                 ("COPYRIGHT", "(c) nobody"), ("XRESOLUTION", "72.5"), ("YRESOLUTION", "300"),
                 ("RESOLUTIONUNIT", "3"), ("MINSAMPLEVALUE", "2"), ("MAXSAMPLEVALUE", "250")]:
        ds.SetMetadataItem("TIFFTAG_" + k, v)
    one = " ".join(["1"] + ["0"] * 19)
    ds.SetMetadata({"LINE_OFF": "550", "SAMP_OFF": "750", "LAT_OFF": "45.1", "LONG_OFF": "5.2",
                    "HEIGHT_OFF": "100", "LINE_SCALE": "550", "SAMP_SCALE": "750", "LAT_SCALE": "0.05",
                    "LONG_SCALE": "0.07", "HEIGHT_SCALE": "500", "LINE_NUM_COEFF": " ".join(["0.01"] * 20),
                    "LINE_DEN_COEFF": one, "SAMP_NUM_COEFF": " ".join(["0.02"] * 20), "SAMP_DEN_COEFF": one,
                    "ERR_BIAS": "1.5", "ERR_RAND": "2.5"}, "RPC")
    ds = None

    ds = drv.Create(f"{d}/dem.tif", 513, 513, 1, gdal.GDT_Float32, ["TILED=YES", "COMPRESS=DEFLATE"])
    ds.SetGeoTransform([0.5, 1, 0, 10.5, 0, -1])
    band = ds.GetRasterBand(1)
    band.SetNoDataValue(-9999)
    a = np.fromfunction(lambda y, x: np.sin(x / 30) * 100 + y, (513, 513)).astype("float32")
    a[0:40, 0:40] = -9999
    band.WriteArray(a)
    band.SetDescription("elevation")
    band.SetScale(2)
    band.SetOffset(1)
    ds.SetMetadataItem("FOO", "bar")
    ds = None

    ds = drv.Create(f"{d}/pal.tif", 600, 600, 1, gdal.GDT_Byte)
    ct = gdal.ColorTable()
    for i in range(256):
        ct.SetColorEntry(i, (i, 255 - i, i // 2, 255))
    ds.GetRasterBand(1).SetRasterColorTable(ct)
    ds.GetRasterBand(1).WriteArray((grad(600, 600, 0) % 9).astype("uint8"))
    ds = None

    ds = drv.Create(f"{d}/rgba.tif", 700, 600, 4, gdal.GDT_Byte, ["PHOTOMETRIC=RGB", "ALPHA=YES", "INTERLEAVE=BAND"])
    for b in range(3):
        ds.GetRasterBand(b + 1).WriteArray(grad(600, 700, b).astype("uint8"))
    alpha = np.full((600, 700), 255, "uint8")
    alpha[:, :130] = 0
    alpha[300:320, :] = 0
    ds.GetRasterBand(4).WriteArray(alpha)
    ds = None

    # Nodata -10000, outside Byte's range: GDAL keeps it but masks nothing by
    # it, so the alpha masks the colour. Transparent pixels form a
    # checkerboard: GDAL 3.6 fills a window with no valid pixel with the
    # nodata cast to Byte (240, alpha included), which is not copied.
    ds = drv.Create(f"{d}/rgba_nd.tif", 700, 600, 4, gdal.GDT_Byte, ["PHOTOMETRIC=RGB", "ALPHA=YES"])
    for b in range(3):
        ds.GetRasterBand(b + 1).WriteArray(grad(600, 700, b).astype("uint8"))
    y, x = np.mgrid[0:600, 0:700]
    ds.GetRasterBand(4).WriteArray(np.where((x < 130) & ((x + y) % 2 == 0), 0, 255).astype("uint8"))
    for b in range(4):
        ds.GetRasterBand(b + 1).SetNoDataValue(-10000)
    ds = None

    ds = drv.Create(f"{d}/i16.tif", 100, 80, 3, gdal.GDT_Int16)
    for b in range(3):
        ds.GetRasterBand(b + 1).WriteArray((grad(80, 100, b).astype("int16") - 100) * 50)
    ds = None

    ds = drv.Create(f"{d}/f64nan.tif", 1030, 700, 1, gdal.GDT_Float64, ["BIGTIFF=YES", "ENDIANNESS=BIG"])
    band = ds.GetRasterBand(1)
    band.SetNoDataValue(float("nan"))
    a = np.fromfunction(lambda y, x: x * 0.25 - y * 0.5, (700, 1030))
    a[100:300, 200:700] = np.nan
    band.WriteArray(a)
    ds = None

    # Smooth photo-like bands for the lossy codecs (JPEG, WebP): errors stay
    # small, so "within a tolerance of GDAL" means something.
    def smooth(h, w, k):
        y, x = np.mgrid[0:h, 0:w]
        v = 128 + 60 * np.sin(x / 37.0 + k) + 50 * np.cos(y / 23.0 - k) + 10 * np.sin((x + y) / 9.0)
        return np.clip(v, 0, 255).astype("uint8")

    ds = drv.Create(f"{d}/smooth.tif", 1000, 700, 3, gdal.GDT_Byte)
    ds.SetGeoTransform([0, 1, 0, 0, 0, -1])
    for b in range(3):
        ds.GetRasterBand(b + 1).WriteArray(smooth(700, 1000, b))
    ds = None
    ds = drv.Create(f"{d}/smooth_gray.tif", 777, 513, 1, gdal.GDT_Byte)
    ds.GetRasterBand(1).WriteArray(smooth(513, 777, 0))
    ds = None
    ds = drv.Create(f"{d}/smooth_rgba.tif", 700, 600, 4, gdal.GDT_Byte, ["PHOTOMETRIC=RGB", "ALPHA=YES"])
    for b in range(3):
        ds.GetRasterBand(b + 1).WriteArray(smooth(600, 700, b))
    alpha = np.full((600, 700), 255, "uint8")
    alpha[:, :128] = 0
    alpha[256:320, :] = 0
    ds.GetRasterBand(4).WriteArray(alpha)
    ds = None

    # GDAL's NBITS: 1-bit (read by GDAL as a black/white palette), 12-bit.
    ds = drv.Create(f"{d}/nbits1.tif", 600, 530, 1, gdal.GDT_Byte, ["NBITS=1"])
    ds.GetRasterBand(1).WriteArray((grad(530, 600, 0) % 3 == 0).astype("uint8"))
    ds = None
    ds = drv.Create(f"{d}/nbits12.tif", 700, 600, 2, gdal.GDT_UInt16, ["NBITS=12", "TILED=YES"])
    for b in range(2):
        ds.GetRasterBand(b + 1).WriteArray((grad(600, 700, b).astype("uint16") * 16))
    ds = None

    # Complex types (tiny but with one overview at BLOCKSIZE=256).
    for name, dt, npt in [("cint16", gdal.GDT_CInt16, "int16"), ("cint32", gdal.GDT_CInt32, "int32"),
                          ("cfloat32", gdal.GDT_CFloat32, "complex64"), ("cfloat64", gdal.GDT_CFloat64, "complex128")]:
        ds = drv.Create(f"{d}/{name}.tif", 300, 270, 2, dt)
        for b in range(2):
            re_ = grad(270, 300, b).astype("float64") - 100
            im = grad(270, 300, b + 1).astype("float64") * -3
            ds.GetRasterBand(b + 1).WriteArray((re_ + 1j * im) if npt.startswith("complex") else (re_ + 1j * im))
        ds = None

    # RGB + alpha + one more band: the alpha is not the last band.
    ds = drv.Create(f"{d}/rgbax.tif", 900, 700, 5, gdal.GDT_Byte, ["PHOTOMETRIC=RGB"])
    for b in range(5):
        ds.GetRasterBand(b + 1).WriteArray(grad(700, 900, b).astype("uint8"))
    alpha = np.full((700, 900), 255, "uint8")
    alpha[:, :200] = 0
    alpha[400:420, :] = 0
    ds.GetRasterBand(4).WriteArray(alpha)
    ds.GetRasterBand(4).SetColorInterpretation(gdal.GCI_AlphaBand)
    ds.GetRasterBand(5).SetDescription("extra")
    ds = None

    # GDAL's PAM sidecar (INPUT.aux.xml), merged into the dataset by GDAL.
    ds = drv.Create(f"{d}/pam.tif", 600, 530, 2, gdal.GDT_Int16)
    for b in range(2):
        ds.GetRasterBand(b + 1).WriteArray(grad(530, 600, b).astype("int16") - 50)
    ds.SetMetadataItem("AREA", "tiff")
    ds.SetMetadataItem("ONLYTIFF", "t")
    ds.GetRasterBand(1).SetMetadataItem("B1", "tiff")
    ds.GetRasterBand(2).SetDescription("own description")
    ds.GetRasterBand(2).SetScale(2)
    ds = None
    with open(f"{d}/pam.tif.aux.xml", "w") as f:
        f.write("""<PAMDataset>
  <Metadata><MDI key="AREA">pam</MDI><MDI key="ONLYPAM">p &amp; q &lt;r&gt;</MDI></Metadata>
  <Metadata domain="OTHER"><MDI key="X">y</MDI></Metadata>
  <PAMRasterBand band="1">
    <Description>elevation</Description>
    <UnitType>metre</UnitType>
    <Offset>10</Offset>
    <Scale>0.5</Scale>
    <NoDataValue>-50</NoDataValue>
    <Metadata><MDI key="B1">pam</MDI><MDI key="STATISTICS_MEAN">1.5</MDI></Metadata>
    <Histograms><HistItem><HistMin>0</HistMin><HistMax>1</HistMax><BucketCount>2</BucketCount>
      <HistCounts>1|2</HistCounts></HistItem></Histograms>
  </PAMRasterBand>
  <PAMRasterBand band="2"><Description>pam description</Description><Scale>3</Scale></PAMRasterBand>
</PAMDataset>
""")

    # Georeferencing in the PAM sidecar wins over the file's own (GDAL's
    # GEOREF_SOURCES default: PAM first): a UTM file, then one without any,
    # both given EPSG:4326 (WKT1, as GDAL writes it) and a geotransform;
    # pamgeo2 gets EPSG:3857 as WKT2.
    geog = osr.SpatialReference()
    geog.ImportFromEPSG(4326)
    merc = osr.SpatialReference()
    merc.ImportFromEPSG(3857)
    for name, own, crs in [("pamgeo", True, geog.ExportToWkt()), ("pamgeo2", False, merc.ExportToWkt(["FORMAT=WKT2_2019"]))]:
        ds = drv.Create(f"{d}/{name}.tif", 530, 520, 1, gdal.GDT_Byte)
        ds.GetRasterBand(1).WriteArray(grad(520, 530, 2).astype("uint8"))
        if own:
            ds.SetGeoTransform([500000, 10, 0, 5000000, 0, -10])
            ds.SetProjection(srs.ExportToWkt())
        ds = None
        with open(f"{d}/{name}.tif.aux.xml", "w") as f:
            f.write(f"""<PAMDataset>
  <SRS dataAxisToSRSAxisMapping="2,1">{crs}</SRS>
  <GeoTransform>  5.0e+00,  1.0e-02,  0.0e+00,  4.5e+01,  0.0e+00, -1.0e-02</GeoTransform>
</PAMDataset>
""")

    # World files: the georeferencing of a TIFF without its own.
    for name, wld, lines in [("world", "tfw", "10\n0\n0\n-10\n500005\n4999995\n"),
                             ("worldrot", "tifw", "10\n0.5\n0.25\n-10\n500005\n4999995\n")]:
        ds = drv.Create(f"{d}/{name}.tif", 530, 520, 1, gdal.GDT_Byte)
        ds.GetRasterBand(1).WriteArray(grad(520, 530, 1).astype("uint8"))
        ds = None
        with open(f"{d}/{name}.{wld}", "w") as f:
            f.write(lines)

    # An .RPB sidecar (Maxar): the RPCs of a TIFF without its own.
    ds = drv.Create(f"{d}/rpb.tif", 520, 515, 1, gdal.GDT_UInt16)
    ds.GetRasterBand(1).WriteArray(grad(515, 520, 2).astype("uint16") * 9)
    ds = None

    def coefs(v):
        return "(" + ", ".join([v] * 20) + ")"
    with open(f"{d}/rpb.RPB", "w") as f:
        f.write('satId = "X";\nBEGIN_GROUP = IMAGE\n\terrBias = 1.5;\n\tlineOffset = 257;\n'
                "\tsampOffset = 260;\n\tlatOffset = 45.1;\n\tlongOffset = 5.2;\n\theightOffset = 100;\n"
                "\tlineScale = 257;\n\tsampScale = 260;\n\tlatScale = 0.05;\n\tlongScale = 0.07;\n"
                f"\theightScale = 500;\n\tlineNumCoef = {coefs('0.01')};\n\tlineDenCoef = {coefs('1')};\n"
                f"\tsampNumCoef = {coefs('0.02')};\n\tsampDenCoef = {coefs('1')};\nEND_GROUP = IMAGE\nEND;\n")

    # 3 and 4 MINISBLACK Byte bands: GDAL's COG stores them as RGB(A) with
    # COLORINTERP items saying what they were.
    for name, nb in [("gray3", 3), ("gray4", 4)]:
        ds = drv.Create(f"{d}/{name}.tif", 530, 520, nb, gdal.GDT_Byte, ["PHOTOMETRIC=MINISBLACK"])
        for b in range(nb):
            ds.GetRasterBand(b + 1).WriteArray(grad(520, 530, b).astype("uint8"))
        ds.GetRasterBand(2).SetDescription("nir")
        ds = None

    # GDAL's external mask: INPUT.msk (GDAL_TIFF_INTERNAL_MASK=NO), per dataset.
    gdal.SetConfigOption("GDAL_TIFF_INTERNAL_MASK", "NO")
    ds = drv.Create(f"{d}/extmask.tif", 1100, 900, 3, gdal.GDT_Byte)
    for b in range(3):
        ds.GetRasterBand(b + 1).WriteArray(grad(900, 1100, b).astype("uint8"))
    ds.CreateMaskBand(gdal.GMF_PER_DATASET)
    m = np.zeros((900, 1100), "uint8")
    m[50:700, 90:1000] = 255
    m[300:310, :] = 0
    ds.GetRasterBand(1).GetMaskBand().WriteArray(m)
    ds = None
    gdal.SetConfigOption("GDAL_TIFF_INTERNAL_MASK", None)

    ds = drv.Create(f"{d}/u16_1x1.tif", 1, 1, 1, gdal.GDT_UInt16)
    ds.GetRasterBand(1).WriteArray(np.array([[4242]], "uint16"))
    ds = None


def compare(a, b, full_only=False, bands_of_a=None):
    """bands_of_a: the bands of A that B's bands 1, 2, ... hold (gdal_translate's -b)."""
    da, db = gdal.Open(a), gdal.Open(b)
    out = []
    for i in range(1, min(da.RasterCount, db.RasterCount) + 1):
        ia = bands_of_a[i - 1] if bands_of_a else i
        ba, bb = da.GetRasterBand(ia), db.GetRasterBand(i)
        if full_only:
            x = ba.ReadAsArray()
            y = bb.ReadAsArray()
            same = x.shape == y.shape and np.array_equal(x, y, equal_nan=not np.iscomplexobj(x))
            # JSON has no infinity: a difference is reported as null.
            out.append({"band": i, "level": 0, "max_diff": 0.0 if same else None, "mask_diff": 0})
            continue
        if ba.GetOverviewCount() != bb.GetOverviewCount():
            out.append({"band": i, "error": "overview count"})
            continue
        for k in range(-1, ba.GetOverviewCount()):
            oa = ba if k < 0 else ba.GetOverview(k)
            ob = bb if k < 0 else bb.GetOverview(k)
            x = oa.ReadAsArray()
            y = ob.ReadAsArray()
            if np.iscomplexobj(x):
                x = np.concatenate([x.real, x.imag]).astype("float64")
                y = np.concatenate([y.real, y.imag]).astype("float64")
            x = x.astype("float64")
            y = y.astype("float64")
            if x.shape != y.shape:
                out.append({"band": i, "level": k + 1, "error": "shape"})
                continue
            both_nan = np.isnan(x) & np.isnan(y)
            d = np.where(both_nan, 0, np.abs(x - y))
            d = np.where(np.isnan(d), np.inf, d)
            ma, mb = oa.GetMaskBand().ReadAsArray(), ob.GetMaskBand().ReadAsArray()
            out.append({"band": i, "level": k + 1, "max_diff": float(d.max()), "mask_diff": int((ma != mb).sum())})
    print(json.dumps(out))


def meta(f):
    ds = gdal.Open(f)
    bands = []
    for i in range(1, ds.RasterCount + 1):
        b = ds.GetRasterBand(i)
        ct = b.GetColorTable()
        nd = b.GetNoDataValue()
        bands.append({
            "nodata": None if nd is None else repr(nd),
            "description": b.GetDescription(),
            "scale": b.GetScale(),
            "offset": b.GetOffset(),
            "metadata": b.GetMetadata(),
            "colors": None if ct is None else [ct.GetColorEntry(j) for j in range(ct.GetCount())],
            "color_interp": b.GetColorInterpretation(),
            "mask_flags": b.GetMaskFlags(),
            "type": gdal.GetDataTypeName(b.DataType),
        })
    print(json.dumps({
        "size": [ds.RasterXSize, ds.RasterYSize],
        "geotransform": ds.GetGeoTransform(can_return_null=True),
        "srs": ds.GetProjectionRef(),
        "metadata": ds.GetMetadata(),
        "bands": bands,
    }))


def check():
    from osgeo_utils.samples.validate_cloud_optimized_geotiff import validate
    for line in sys.stdin:
        if not line.strip():
            continue
        inp, out, kind = line.split()
        try:
            warnings, errors, _ = validate(out, check_tiled=True, full_check=True)
        except Exception as e:  # noqa: BLE001 - reported to the Rust test
            warnings, errors = [], [str(e)]
        res = {"output": out, "warnings": warnings, "errors": errors}
        if kind == "lossless":
            a, b = gdal.Open(inp), gdal.Open(out)
            n = min(a.RasterCount, b.RasterCount)
            res["in"] = [a.GetRasterBand(i).Checksum() for i in range(1, n + 1)]
            res["out"] = [b.GetRasterBand(i).Checksum() for i in range(1, n + 1)]
        print(json.dumps(res))


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "check":
        check()
        sys.exit(0)
    if cmd == "make":
        make(sys.argv[2])
    elif cmd == "compare":
        bands = [int(x) for x in sys.argv[5].split(",")] if len(sys.argv) > 5 else None
        compare(sys.argv[2], sys.argv[3], len(sys.argv) > 4 and sys.argv[4] == "full", bands)
    elif cmd == "meta":
        meta(sys.argv[2])
