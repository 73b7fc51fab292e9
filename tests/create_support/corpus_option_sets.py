"""Differential test of `cogtool create` against `gdal_translate -of COG`
over the shared corpus, for several option sets, level by level.

    corpus_option_sets.py COGTOOL CORPUS_DIR WORK_DIR [--max-bytes N]
                          [--max-samples N] [--every K] [--sets a,b,...]
                          [--only SUBSTRING,...]

Both tools regenerate the overviews from full resolution (-co
OVERVIEWS=IGNORE_EXISTING for both; tests/create/create_overviews.rs covers
the overviews an input keeps). For every file GDAL
converts, every option set and every level (0 = full resolution, then each
overview), per band:

- validity (GDAL's mask band of the level: nodata, alpha or mask) agrees
  on >= 99.5% of the pixels;
- values agree on >= 99.5% of the pixels valid in both (integers within 1,
  floats within a relative 1e-6; NaN equals NaN);
- no non-finite value where GDAL's is finite (on pixels valid on either side);
- same level sizes (except where GDAL copies an input's own overviews,
  which it does when it would make none itself: then only full
  resolution compares); palette, nodata and geotransform as GDAL's; the SRS as
  the input's (cogtool copies the GeoKeys, GDAL rewrites them).

JPEG-compressed inputs (our decoder and libjpeg round differently, by 1-4)
and MINISWHITE inputs (GDAL makes a palette image, NEAREST overviews) keep
the validity checks but not the value checks; CIELab inputs (GDAL converts
to RGBA) and per-band masks (GDAL drops them, cogtool merges them into one
per-dataset mask) skip the pixel checks they cannot pass; see
corpus_vs_gdal.py for these deliberate differences. A file only GDAL
converts must fail with a documented unsupported codec or layout. A file
gdal_translate does not convert within --timeout seconds is skipped (and
counted in the summary).

Prints one line per disagreement, then per option set and level the number
of (file, option set) pairs and the min/median validity and value agreement,
and last a summary line; exits 1 on any disagreement.
"""

import argparse
import csv
import os
import statistics
import subprocess
import sys
import time

import numpy as np
from osgeo import gdal

gdal.UseExceptions()
gdal.PushErrorHandler("CPLQuietErrorHandler")

UNSUPPORTED = ("LERC", "LZMA", "CCITT fax", "old-style JPEG", "compression 32766", "compression 32809",
               "compression 34676", "compression 34677", "subsampled YCbCr outside JPEG", "not a TIFF")

# Refusals that are known differences from GDAL, not yet fixed: printed
# (prefix "known:") and counted, not failures. None at present.
KNOWN_REFUSALS = ()

# A deliberate difference: on an integer band whose nodata lies outside the
# type's range (a Byte band with nodata -10000), GDAL 3.6 converts the
# nodata to the type with a C cast whose result is undefined; on x86 it
# wraps (-10000 becomes 240) and fills overview pixels without valid
# samples with that value, so an all-transparent footprint comes out with
# alpha 240 (visible). cogtool ignores such a nodata, as GDAL's own mask
# does, and fills with 0. Overview disagreements on such inputs are
# printed as known, not failures.
INTEGER_RANGES = {gdal.GDT_Byte: (0, 255), gdal.GDT_UInt16: (0, 65535), gdal.GDT_Int16: (-32768, 32767),
                  gdal.GDT_UInt32: (0, 2**32 - 1), gdal.GDT_Int32: (-2**31, 2**31 - 1)}


def nodata_out_of_range(src):
    ds = gdal.Open(src)
    for i in range(1, ds.RasterCount + 1):
        b = ds.GetRasterBand(i)
        nd, rng = b.GetNoDataValue(), INTEGER_RANGES.get(b.DataType)
        if nd is not None and rng and not (rng[0] <= nd <= rng[1]):
            return True
    return False


# name, gdal_translate creation options, cogtool flags
OPTION_SETS = [
    ("defaults", [], []),
    ("average", ["RESAMPLING=AVERAGE"], ["--resampling", "average"]),
    ("nearest-bs128", ["RESAMPLING=NEAREST", "BLOCKSIZE=128"], ["--resampling", "nearest", "--blocksize", "128"]),
    ("deflate-predictor", ["COMPRESS=DEFLATE", "PREDICTOR=YES"], ["--compress", "deflate", "--predictor", "auto"]),
    ("zstd", ["COMPRESS=ZSTD"], ["--compress", "zstd"]),
]

THRESHOLD = 0.995
ROWS = 512  # rows read at once: memory bounded whatever the image size


def nan_eq(a, b):
    return a == b or (a != a and b != b)


def levels(band):
    return [band] + [band.GetOverview(k) for k in range(band.GetOverviewCount())]


def values_agree(a, b, is_float):
    with np.errstate(invalid="ignore", over="ignore"):
        if is_float:
            return (a == b) | (np.abs(a - b) <= 1e-6 * np.maximum(np.abs(a), np.abs(b))) | (np.isnan(a) & np.isnan(b))
        return np.abs(a - b) <= 1


def compare_level(bg, bo, check_values):
    """Counts over one band of one level: (pixels, validity agreements,
    both valid, value agreements, non-finite where GDAL is finite)."""
    w, h = bg.XSize, bg.YSize
    mg_band, mo_band = bg.GetMaskBand(), bo.GetMaskBand()
    is_float = gdal.GetDataTypeName(bg.DataType).startswith(("Float", "CFloat"))
    n = agree = both = vagree = nonfinite = 0
    for y in range(0, h, ROWS):
        rows = min(ROWS, h - y)
        mg = mg_band.ReadAsArray(0, y, w, rows) != 0
        mo = mo_band.ReadAsArray(0, y, w, rows) != 0
        n += mg.size
        agree += int(np.count_nonzero(mg == mo))
        a, b = bg.ReadAsArray(0, y, w, rows), bo.ReadAsArray(0, y, w, rows)
        # Complex samples: both parts must pass.
        pa = [a.real, a.imag] if np.iscomplexobj(a) else [a]
        pb = [b.real, b.imag] if np.iscomplexobj(b) else [b]
        pa, pb = [x.astype(np.float64) for x in pa], [x.astype(np.float64) for x in pb]
        either = mg | mo
        for x, z in zip(pa, pb):
            nonfinite += int(np.count_nonzero(either & np.isfinite(x) & ~np.isfinite(z)))
        if not check_values:
            continue
        bv = mg & mo
        both += int(np.count_nonzero(bv))
        ok = np.ones(int(np.count_nonzero(bv)), dtype=bool)
        for x, z in zip(pa, pb):
            ok &= values_agree(x[bv], z[bv], is_float)
        vagree += int(np.count_nonzero(ok))
    return n, agree, both, vagree, nonfinite


def ct_entries(band):
    ct = band.GetColorTable()
    return [ct.GetColorEntry(k) for k in range(ct.GetCount())] if ct else None


def compare(p, set_name, src, theirs, ours, row, stats, problems, kept_existing):
    dg, do, di = gdal.Open(theirs), gdal.Open(ours), gdal.Open(src)
    where = f"{p} [{set_name}]"
    cielab = row["photometric"] == "8"
    if (dg.RasterXSize, dg.RasterYSize) != (do.RasterXSize, do.RasterYSize) or (
        dg.RasterCount != do.RasterCount and not cielab
    ):
        problems.append(f"{where}: size GDAL {dg.RasterXSize}x{dg.RasterYSize}x{dg.RasterCount} "
                        f"cogtool {do.RasterXSize}x{do.RasterYSize}x{do.RasterCount}")
        return
    gt = lambda d: tuple(round(v, 9) for v in (d.GetGeoTransform(can_return_null=True) or ()))
    if gt(dg) != gt(do):
        problems.append(f"{where}: geotransform GDAL {gt(dg)} cogtool {gt(do)}")
    srs = lambda d: d.GetSpatialRef().ExportToWkt() if d.GetSpatialRef() else ""
    if srs(do) != srs(di):
        problems.append(f"{where}: SRS differs from the input's: {srs(do):.120}")
    if cielab:
        return
    skip_values = "JPEG" in row["compression"] or row["photometric"] == "0"
    input_has_overviews = row["overviews"] not in ("", "0")
    per_level = {}
    for i in range(1, dg.RasterCount + 1):
        bg, bo, bi = dg.GetRasterBand(i), do.GetRasterBand(i), di.GetRasterBand(i)
        if not nan_eq(bg.GetNoDataValue(), bo.GetNoDataValue()):
            problems.append(f"{where}: band {i} nodata GDAL {bg.GetNoDataValue()} cogtool {bo.GetNoDataValue()}")
        if ct_entries(bg) != ct_entries(bo):
            problems.append(f"{where}: band {i} palette differs")
        lg, lo = levels(bg), levels(bo)
        sizes = lambda ls: [(b.XSize, b.YSize) for b in ls]
        if sizes(lg) != sizes(lo):
            if not input_has_overviews:
                problems.append(f"{where}: band {i} levels GDAL {sizes(lg)} cogtool {sizes(lo)}")
                return
            # GDAL copies the input's overviews when it makes none itself
            # (even with IGNORE_EXISTING): only full resolution compares.
            kept_existing.add(p)
            lg, lo = lg[:1], lo[:1]
        per_band_mask_merged = bi.GetMaskFlags() == 0 and bo.GetMaskFlags() == gdal.GMF_PER_DATASET
        for k, (a, b) in enumerate(zip(lg, lo)):
            c = compare_level(a, b, not skip_values)
            if per_band_mask_merged:
                c = (c[0], c[0]) + c[2:]
            t = per_level.setdefault(k, [0, 0, 0, 0, 0])
            for j in range(5):
                t[j] += c[j]
            if c[4]:
                problems.append(f"{where}: level {k} band {i}: {c[4]} non-finite values where GDAL's are finite")
    for k, (n, agree, both, vagree, nonfinite) in sorted(per_level.items()):
        validity = agree / n if n else 1.0
        values = vagree / both if both else None
        s = stats.setdefault((set_name, k), {"validity": [], "values": []})
        s["validity"].append(validity)
        if values is not None:
            s["values"].append(values)
        if validity < THRESHOLD:
            problems.append(f"{where}: level {k}: validity agrees on {100 * validity:.2f}% of {n} pixels")
        if values is not None and values < THRESHOLD:
            problems.append(f"{where}: level {k}: values agree on {100 * values:.2f}% of {both} pixels valid in both")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cogtool")
    ap.add_argument("corpus")
    ap.add_argument("work")
    ap.add_argument("--max-bytes", type=int, default=1 << 40)
    ap.add_argument("--max-samples", type=int, default=256_000_000)
    ap.add_argument("--every", type=int, default=1, help="only every K-th eligible file (a deterministic sample)")
    ap.add_argument("--sets", default=",".join(s[0] for s in OPTION_SETS))
    ap.add_argument("--only", default="", help="only files whose path contains one of these comma-separated strings")
    ap.add_argument("--timeout", type=int, default=120,
                    help="seconds per gdal_translate; a file GDAL does not convert in time is skipped")
    a = ap.parse_args()
    sets = [s for s in OPTION_SETS if s[0] in a.sets.split(",")]
    rows = list(csv.DictReader(open(os.path.join(a.corpus, "manifest.tsv")), delimiter="\t"))
    eligible = []
    for r in rows:
        try:
            samples = int(r["width"] or 0) * int(r["height"] or 0) * max(int(r["bands"] or 1), 1)
        except ValueError:
            samples = 0
        if int(r["bytes"]) <= a.max_bytes and samples <= a.max_samples:
            eligible.append(r)
    if a.only:
        eligible = [r for r in eligible if any(k in r["path"] for k in a.only.split(","))]
    eligible = eligible[:: max(a.every, 1)]
    ours, theirs = os.path.join(a.work, "ours.tif"), os.path.join(a.work, "gdal.tif")
    problems, stats, pairs, files, kept_existing, gdal_slow, known = [], {}, 0, set(), set(), [], []
    for n, r in enumerate(eligible, 1):
        p, src = r["path"], os.path.join(a.corpus, r["path"])
        t0, seen = time.monotonic(), len(problems)
        print(f"[{n}/{len(eligible)}] {p}", file=sys.stderr, end=" ", flush=True)
        for name, co, flags in sets:
            for f in (ours, theirs):
                if os.path.exists(f):
                    os.remove(f)
            gco = [x for c in co + ["OVERVIEWS=IGNORE_EXISTING"] for x in ("-co", c)]
            try:
                g = subprocess.run(["gdal_translate", "-q", "-of", "COG", *gco, src, theirs],
                                   capture_output=True, text=True, timeout=a.timeout)
            except subprocess.TimeoutExpired:
                # (GDAL 3.6 takes minutes and GBs on a 20x20 CMYK Float32.)
                gdal_slow.append(p)
                break
            if not (g.returncode == 0 and os.path.exists(theirs)):
                continue
            try:
                o = subprocess.run([a.cogtool, "create", "-q", *flags, "--co", "OVERVIEWS=IGNORE_EXISTING", src, ours],
                                   capture_output=True, text=True, timeout=10 * a.timeout)
            except subprocess.TimeoutExpired:
                problems.append(f"{p} [{name}]: cogtool did not finish within {10 * a.timeout} s")
                continue
            if o.returncode != 0:
                if any(k in o.stderr for k in KNOWN_REFUSALS):
                    known.append(f"known: {p} [{name}]: GDAL converts it, cogtool says: {o.stderr.strip()}")
                elif not any(u in o.stderr for u in UNSUPPORTED):
                    problems.append(f"{p} [{name}]: GDAL converts it, cogtool says: {o.stderr.strip()}")
                continue
            pairs += 1
            files.add(p)
            before = len(problems)
            try:
                compare(p, name, src, theirs, ours, r, stats, problems, kept_existing)
            except RuntimeError as e:
                problems.append(f"{p} [{name}]: cannot read an output back: {e}")
            overview_only = all(": level 0:" not in x and ": level " in x for x in problems[before:])
            if len(problems) > before and overview_only and nodata_out_of_range(src):
                known.extend(f"known: {x} (GDAL wraps an out-of-range integer nodata)" for x in problems[before:])
                del problems[before:]
        print(f"{time.monotonic() - t0:.1f}s", file=sys.stderr, flush=True)
        for line in problems[seen:]:
            print(f"  {line}", file=sys.stderr, flush=True)
    for line in problems + known:
        print(line)
    pct = lambda v: f"{100 * v:.2f}%"
    for (name, k), s in sorted(stats.items()):
        v, x = s["validity"], s["values"]
        vals = f"values min {pct(min(x))} median {pct(statistics.median(x))} ({len(x)} compared)" if x else "values -"
        print(f"{name} level {k}: {len(v)} files; validity min {pct(min(v))} median {pct(statistics.median(v))}; {vals}")
    worst_v = min((min(s["validity"]) for s in stats.values()), default=1.0)
    worst_x = min((min(s["values"]) for s in stats.values() if s["values"]), default=1.0)
    print(f"option sets: {len(files)} files x {len(sets)} option sets = {pairs} conversions compared, "
          f"{len(stats)} (set, level) groups; worst validity agreement {pct(worst_v)}, "
          f"worst value agreement {pct(worst_x)}; {len(kept_existing)} files whose existing overviews GDAL "
          f"copies (full resolution only); {len(gdal_slow)} files GDAL did not convert within {a.timeout} s; "
          f"{len(known)} known differences; {len(problems)} disagreements")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
