"""`cogtool create` and `gdal_translate -of COG`, default options, over the
shared corpus; what GDAL reads back from both outputs must agree.

    corpus_vs_gdal.py COGTOOL CORPUS_DIR WORK_DIR [MAX_BYTES [MAX_SAMPLES]]

Prints one line per disagreement and exits 1 if there is any; the last line
of stdout is a summary. Checked, for every file both tools convert: size,
band count, data types, geotransform, GCP count, dataset and band metadata
(default domain and RPC), nodata (NaN-aware), descriptions, scale, offset,
unit, colour table, mask flags, the overview sizes and pixels (within 1:
GDAL's default CUBIC rounds a few values the other way; overviews an input
has of its own are copied by both); full-resolution checksums too. JPEG inputs skip the
pixel checks (our decoder and libjpeg round differently, by 1-4). Where cogtool deliberately
differs from GDAL 3.6.2 (docs/gdal-parity.md), it is held to the input
instead:
- SRS: GDAL rewrites the GeoKeys from its own model; cogtool copies them,
  so GDAL reads cogtool's output as it reads the input.
- colour interpretation: GDAL drops an invalid COLORINTERP item and reads
  Float MINISWHITE as Gray once rewritten; cogtool keeps the input's.
- a mask per band (GDAL 3.6 fails to write it and drops it): cogtool
  merges it into one per-dataset mask.
- an input whose own overviews are not ordered largest first, repeat a
  size, or are as large as the image: GDAL 3.6 copies them as they are
  (its output fails its own validator), cogtool sorts them and leaves out
  the repeats and the full-size ones; levels are compared by size.
- an input with a mask but no mask overviews: GDAL computes the mask
  overviews under the copied imagery; cogtool computes both (same sizes),
  so those overview pixels are not compared.
- CIELab: GDAL converts to RGBA; cogtool keeps the three bands.
- MINISWHITE 8/16-bit: GDAL makes a palette image (NEAREST overviews);
  cogtool keeps MINISWHITE (CUBIC overviews): overview pixels differ.
A file only GDAL converts must use a codec or layout cogtool documents as
unsupported (LERC, LZMA, CCITT, old-style JPEG, LogLuv/SGILog, ThunderScan,
NeXT, subsampled YCbCr outside JPEG, non-TIFF).
"""

import csv
import os

import numpy as np
import subprocess
import sys

from osgeo import gdal

gdal.UseExceptions()
gdal.PushErrorHandler("CPLQuietErrorHandler")

UNSUPPORTED = ("LERC", "LZMA", "CCITT fax", "old-style JPEG", "compression 32766", "compression 32809",
               "compression 34676", "compression 34677", "subsampled YCbCr outside JPEG", "not a TIFF")


def nan_eq(a, b):
    return a == b or (a != a and b != b)


def describe(path):
    ds = gdal.Open(path)
    d = {
        "size": (ds.RasterXSize, ds.RasterYSize, ds.RasterCount),
        "gt": tuple(round(v, 9) for v in (ds.GetGeoTransform(can_return_null=True) or ())),
        "srs": ds.GetSpatialRef().ExportToWkt() if ds.GetSpatialRef() else "",
        "md": ds.GetMetadata(),
        "rpc": ds.GetMetadata("RPC"),
        "gcps": ds.GetGCPCount(),
        "bands": [],
    }
    for i in range(1, ds.RasterCount + 1):
        b = ds.GetRasterBand(i)
        ct = b.GetColorTable()
        d["bands"].append({
            "dt": gdal.GetDataTypeName(b.DataType),
            "nodata": b.GetNoDataValue(),
            "ci": gdal.GetColorInterpretationName(b.GetColorInterpretation()),
            "md": b.GetMetadata(),
            "desc": b.GetDescription(),
            "ct": [ct.GetColorEntry(k) for k in range(ct.GetCount())] if ct else None,
            "mask": b.GetMaskFlags(),
            "movr": b.GetMaskBand().GetOverviewCount() if b.GetMaskFlags() == gdal.GMF_PER_DATASET else None,
            "ovr": [(b.GetOverview(k).XSize, b.GetOverview(k).YSize) for k in range(b.GetOverviewCount())],
            "scale": b.GetScale(),
            "offset": b.GetOffset(),
            "unit": b.GetUnitType(),
            "cs": b.Checksum(),
            "opx": [b.GetOverview(k).ReadAsArray().astype("float64") for k in range(b.GetOverviewCount())],
        })
    ds = None
    return d


def main():
    cogtool, corpus, work = sys.argv[1:4]
    max_bytes = int(sys.argv[4]) if len(sys.argv) > 4 else 8 << 20
    max_samples = int(sys.argv[5]) if len(sys.argv) > 5 else 16_000_000
    rows = list(csv.DictReader(open(os.path.join(corpus, "manifest.tsv")), delimiter="\t"))
    ours, theirs = os.path.join(work, "ours.tif"), os.path.join(work, "gdal.tif")
    problems, compared = [], 0
    for r in rows:
        p = r["path"]
        try:
            samples = int(r["width"] or 0) * int(r["height"] or 0) * max(int(r["bands"] or 1), 1)
        except ValueError:
            samples = 0
        if int(r["bytes"]) > max_bytes or samples > max_samples:
            continue
        src = os.path.join(corpus, p)
        for f in (ours, theirs):
            if os.path.exists(f):
                os.remove(f)
        g = subprocess.run(["gdal_translate", "-q", "-of", "COG", src, theirs], capture_output=True, text=True)
        o = subprocess.run([cogtool, "create", "-q", src, ours], capture_output=True, text=True)
        gok, ook = g.returncode == 0 and os.path.exists(theirs), o.returncode == 0
        if gok and not ook:
            if not any(u in o.stderr for u in UNSUPPORTED):
                problems.append(f"{p}: GDAL converts it, cogtool says: {o.stderr.strip()}")
            continue
        if not (gok and ook):
            continue
        compared += 1
        try:
            dg, do, di = describe(theirs), describe(ours), describe(src)
        except RuntimeError as e:
            problems.append(f"{p}: cannot read an output back: {e}")
            continue
        cielab = r["photometric"] == "8"
        for k in ("size", "gt", "md", "rpc", "gcps"):
            if dg[k] != do[k] and not (cielab and k == "size"):
                problems.append(f"{p}: {k}: GDAL {dg[k]!r:.150} cogtool {do[k]!r:.150}")
        if do["srs"] != di["srs"]:
            problems.append(f"{p}: SRS differs from the input's: {do['srs']:.150}")
        if cielab:
            continue
        input_has_overviews = r["overviews"] not in ("", "0")
        for i, (bg, bo, bi) in enumerate(zip(dg["bands"], do["bands"], di["bands"]), 1):
            for k in ("dt", "md", "desc", "ct", "scale", "offset", "unit"):
                if bg[k] != bo[k]:
                    problems.append(f"{p}: band {i} {k}: GDAL {bg[k]!r:.100} cogtool {bo[k]!r:.100}")
            if not nan_eq(bg["nodata"], bo["nodata"]):
                problems.append(f"{p}: band {i} nodata: GDAL {bg['nodata']} cogtool {bo['nodata']}")
            if bo["ci"] not in (bg["ci"], bi["ci"]):
                problems.append(f"{p}: band {i} colour: GDAL {bg['ci']} input {bi['ci']} cogtool {bo['ci']}")
            per_band_mask_merged = bi["mask"] == 0 and bo["mask"] == 2
            if bg["mask"] != bo["mask"] and not per_band_mask_merged:
                problems.append(f"{p}: band {i} mask flags: GDAL {bg['mask']} cogtool {bo['mask']}")
            # Levels by size: GDAL keeps unsorted input overviews unsorted,
            # and copies an "overview" as large as the image, or a second
            # one of the same size (neither is one to cogtool).
            want = bg["ovr"]
            if input_has_overviews:
                w, h = dg["size"][:2]
                smaller = [s for s in want if s[0] < w or s[1] < h]
                want = sorted(set(smaller), key=lambda s: (-s[0], -s[1]))
            if want != bo["ovr"]:
                problems.append(f"{p}: band {i} overviews: GDAL {bg['ovr']} cogtool {bo['ovr']}")
            if "JPEG" in r["compression"]:
                continue
            if bg["cs"] != bo["cs"]:
                problems.append(f"{p}: band {i} checksum: GDAL {bg['cs']} cogtool {bo['cs']}")
            recomputed = input_has_overviews and bi["mask"] == gdal.GMF_PER_DATASET and bi["movr"] == 0
            if recomputed or r["photometric"] == "0" or want != bo["ovr"]:
                continue
            by_size = dict(zip(bg["ovr"], bg["opx"]))
            for k, (a, b) in enumerate((by_size[s], px) for s, px in zip(bo["ovr"], bo["opx"])):
                both = ~(np.isnan(a) & np.isnan(b))
                d = np.abs(a - b)[both]
                if d.size and not (d.max() <= 1):
                    problems.append(f"{p}: band {i} overview {k + 1}: differs by up to {d.max()}")
    for line in problems:
        print(line)
    print(f"compared {compared} files with gdal_translate; {len(problems)} disagreements")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
