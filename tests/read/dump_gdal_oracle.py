"""GDAL's view of tile locations, for tests/read/dump_oracle.rs.

Reads file paths on stdin, prints one JSON object per file on stdout:
  {"path", "tiled", "subifds", "error"?, "jpeg", "levels": [...], "masks": [...]}
where each level is {"w", "h", "bw", "bh", "tiles": [[x, y, offset|null, size|null], ...]}
for a sample of tiles (corners and middle). Offsets and sizes come from
GDAL's BLOCK_OFFSET_x_y / BLOCK_SIZE_x_y band metadata (TIFF domain);
null means GDAL reports no block there (sparse).

Overviews are skipped when an external .ovr exists and masks when a .msk
exists: GDAL would report blocks of the sidecar, not of this file.
"""
import json
import os
import struct
import sys

from osgeo import gdal

gdal.UseExceptions()
gdal.PushErrorHandler("CPLQuietErrorHandler")


def ifd0_tags(path):
    """Tag codes of the first IFD, read without GDAL (empty for hostile headers)."""
    try:
        return _ifd0_tags(path)
    except (ValueError, OSError, OverflowError):
        return set()


def _ifd0_tags(path):
    with open(path, "rb") as f:
        head = f.read(16)
        if len(head) < 8 or head[:2] not in (b"II", b"MM"):
            return set()
        e = "<" if head[:2] == b"II" else ">"
        version = struct.unpack(e + "H", head[2:4])[0]
        if version == 42:
            off = struct.unpack(e + "I", head[4:8])[0]
            f.seek(off)
            raw = f.read(2)
            if len(raw) < 2:
                return set()
            n = struct.unpack(e + "H", raw)[0]
            size, tag_at = 12, 2
        elif version == 43 and len(head) >= 16:
            off = struct.unpack(e + "Q", head[8:16])[0]
            if off >= 1 << 62:  # testdata/bad_bigtiff_offset.tif: Python cannot seek there
                return set()
            f.seek(off)
            raw = f.read(8)
            if len(raw) < 8:
                return set()
            n = struct.unpack(e + "Q", raw)[0]
            size, tag_at = 20, 8
        else:
            return set()
        n = min(n, 65535)
        entries = f.read(n * size)
        return {struct.unpack(e + "H", entries[i * size:i * size + 2])[0] for i in range(len(entries) // size)}


def sample(band):
    bw, bh = band.GetBlockSize()
    w, h = band.XSize, band.YSize
    across, down = (w + bw - 1) // bw, (h + bh - 1) // bh
    picks = []
    for x, y in [(0, 0), (across - 1, 0), (0, down - 1), (across - 1, down - 1), (across // 2, down // 2)]:
        if (x, y) not in picks:
            picks.append((x, y))
    tiles = []
    for x, y in picks:
        off = band.GetMetadataItem("BLOCK_OFFSET_%d_%d" % (x, y), "TIFF")
        size = band.GetMetadataItem("BLOCK_SIZE_%d_%d" % (x, y), "TIFF")
        tiles.append([x, y, int(off) if off else None, int(size) if size else None])
    return {"w": w, "h": h, "bw": bw, "bh": bh, "tiles": tiles}


def levels_of(band, with_overviews):
    out = [sample(band)]
    if with_overviews:
        ovs = [band.GetOverview(i) for i in range(band.GetOverviewCount())]
        ovs = [o for o in ovs if o is not None]
        ovs.sort(key=lambda o: (o.XSize, o.YSize), reverse=True)
        out += [sample(o) for o in ovs]
    return out


def describe(path):
    rec = {"path": path, "tiled": False, "levels": [], "masks": []}
    try:
        tags = ifd0_tags(path)
        rec["tiled"] = 322 in tags
        # GDAL 3.x takes overviews from SubIFDs (tag 330); cogtool follows the main IFD chain only.
        rec["subifds"] = 330 in tags
    except (OSError, ValueError, OverflowError, struct.error) as e:
        # Hostile header (offsets past any file size): not tiled as far as we know.
        rec["error"] = str(e)
        return rec
    try:
        ds = gdal.OpenEx(path, gdal.OF_RASTER)
    except RuntimeError as e:
        rec["error"] = str(e).splitlines()[0] if str(e) else "GDAL cannot open it"
        return rec
    if ds is None or ds.RasterCount == 0:
        rec["error"] = "no raster bands"
        return rec
    if ds.GetDriver().ShortName != "GTiff":
        rec["error"] = "driver " + ds.GetDriver().ShortName
        return rec
    comp = ds.GetMetadataItem("COMPRESSION", "IMAGE_STRUCTURE") or ""
    rec["jpeg"] = comp in ("JPEG", "YCbCr JPEG")
    band = ds.GetRasterBand(1)
    try:
        rec["levels"] = levels_of(band, not os.path.exists(path + ".ovr"))
        mask = band.GetMaskBand()
        if band.GetMaskFlags() == gdal.GMF_PER_DATASET and not os.path.exists(path + ".msk"):
            rec["masks"] = levels_of(mask, not os.path.exists(path + ".ovr"))
    except RuntimeError as e:
        rec["error"] = str(e).splitlines()[0] if str(e) else "GDAL failed reading block metadata"
    return rec


for line in sys.stdin:
    p = line.rstrip("\n")
    if p:
        print(json.dumps(describe(p)), flush=True)
