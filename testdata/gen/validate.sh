#!/usr/bin/env bash
# Fixtures for `cogtool validate` (tests/read/validate_fixtures.rs): small GDAL
# COGs, then copies broken on purpose by byte edits, one fault each. Run from
# testdata/ (testdata/make.sh does). Needs GDAL's python bindings and numpy.
set -euo pipefail
/usr/bin/python3 - <<'PY'
import struct, zlib, os
import numpy as np
from osgeo import gdal
gdal.UseExceptions()

def src(path, w, h, bands=1, mask=False):
    drv = gdal.GetDriverByName("GTiff")
    ds = drv.Create(path, w, h, bands, gdal.GDT_Byte)
    y, x = np.mgrid[0:h, 0:w]
    for b in range(bands):
        ds.GetRasterBand(b + 1).WriteArray(((x // 64 + y // 64 + b) % 4 * 60).astype(np.uint8))
    if mask:
        gdal.SetConfigOption("GDAL_TIFF_INTERNAL_MASK", "YES")
        ds.CreateMaskBand(gdal.GMF_PER_DATASET)
        ds.GetRasterBand(1).GetMaskBand().WriteArray(((x + y) < (w + h) * 0.8).astype(np.uint8) * 255)
    ds = None

def cog(dst, w, h, *opts, mask=False):
    src("/tmp/_validate_src.tif", w, h, mask=mask)
    gdal.Translate(dst, "/tmp/_validate_src.tif", format="COG",
                   creationOptions=["BLOCKSIZE=256", "COMPRESS=DEFLATE", *opts])
    os.remove("/tmp/_validate_src.tif")

# --- a small parser, just enough to locate things to break -----------------
def ifds(b):
    first = struct.unpack_from("<I", b, 4)[0]
    out, off = [], first
    while off:
        n = struct.unpack_from("<H", b, off)[0]
        tags = {}
        for i in range(n):
            tag, typ, cnt, val = struct.unpack_from("<HHII", b, off + 2 + 12 * i)
            tags[tag] = (typ, cnt, val, off + 2 + 12 * i + 8)
        out.append((off, tags))
        off = struct.unpack_from("<I", b, off + 2 + 12 * n)[0]
    return out

def array(b, tags, tag):
    typ, cnt, val, pos = tags[tag]
    size = {3: 2, 4: 4}[typ]
    fmt = {3: "<H", 4: "<I"}[typ]
    at = pos if cnt * size <= 4 else val
    return [(at + i * size, fmt) for i in range(cnt)]

def get(b, slot):
    return struct.unpack_from(slot[1], b, slot[0])[0]

def put(b, slot, v):
    struct.pack_into(slot[1], b, slot[0], v)

def edit(src_name, dst_name, fn):
    b = bytearray(open(src_name, "rb").read())
    b = fn(b) or b
    open(dst_name, "wb").write(b)

def undeclare(b):
    # Same-length edits that hide the declared optimisations from validators
    # (they look for the exact strings), leaving a plain layout.
    for k in (b"BLOCK_ORDER=", b"BLOCK_LEADER=", b"BLOCK_TRAILER="):
        i = b.find(k)
        b[i:i + 1] = b"X"

TO, TC = 324, 325
cog("validate_good.tif", 600, 600)
cog("validate_mask.tif", 600, 600, mask=True)
cog("validate_no_overviews.tif", 600, 600, "OVERVIEWS=NONE")

def wrong_leader(b):
    off = get(b, array(b, ifds(b)[0][1], TO)[1])
    struct.pack_into("<I", b, off - 4, struct.unpack_from("<I", b, off - 4)[0] + 1)
edit("validate_good.tif", "validate_wrong_leader.tif", wrong_leader)

def bad_trailer(b):
    t = ifds(b)[0][1]
    off, cnt = get(b, array(b, t, TO)[2]), get(b, array(b, t, TC)[2])
    b[off + cnt] ^= 0xFF
edit("validate_good.tif", "validate_bad_trailer.tif", bad_trailer)

def mask_offset(b):
    # The main image's mask IFD is the second; point its tile 0 at its tile 1.
    t = ifds(b)[1][1]
    o, c = array(b, t, TO), array(b, t, TC)
    put(b, o[0], get(b, o[1])); put(b, c[0], get(b, c[1]))
edit("validate_mask.tif", "validate_mask_offset.tif", mask_offset)

def out_of_order(b):
    t = ifds(b)[0][1]
    o, c = array(b, t, TO), array(b, t, TC)
    a0, a1, c0, c1 = get(b, o[0]), get(b, o[1]), get(b, c[0]), get(b, c[1])
    put(b, o[0], a1); put(b, o[1], a0); put(b, c[0], c1); put(b, c[1], c0)
edit("validate_good.tif", "validate_tiles_out_of_order.tif", out_of_order)

def truncated(b):
    return b[: len(b) * 3 // 4]
edit("validate_good.tif", "validate_truncated.tif", truncated)

def overlap(b):
    undeclare(b)
    t = ifds(b)[0][1]
    o = array(b, t, TO)
    put(b, o[1], get(b, o[0]) + 2)
edit("validate_good.tif", "validate_overlap.tif", overlap)

def incompatible(b):
    i = b.find(b"KNOWN_INCOMPATIBLE_EDITION=NO\n ")
    b[i:i + 31] = b"KNOWN_INCOMPATIBLE_EDITION=YES\n"
edit("validate_good.tif", "validate_incompatible.tif", incompatible)

def ifd_order(b):
    # Move the main IFD to the end of the file: overview IFDs now come first.
    first, tags = ifds(b)[0]
    n = struct.unpack_from("<H", b, first)[0]
    size = 2 + 12 * n + 4
    b += b"\0" * (len(b) % 2)
    new = len(b)
    b += b[first:first + size]
    struct.pack_into("<I", b, 4, new)
    return b
edit("validate_good.tif", "validate_ifd_order.tif", ifd_order)

def ifd_loop(b):
    # The last IFD points back to the first: readers must stop, not spin.
    last_off, tags = ifds(b)[-1]
    n = struct.unpack_from("<H", b, last_off)[0]
    struct.pack_into("<I", b, last_off + 2 + 12 * n, struct.unpack_from("<I", b, 4)[0])
edit("validate_good.tif", "validate_ifd_loop.tif", ifd_loop)

# A hand-made TIFF: 2200x8 image in one deflate strip, an overview of
# 1100x4 also in one strip: neither is tiled, both wider than 1024.
def striped():
    main = zlib.compress(bytes(2200 * 8)); ovr = zlib.compress(bytes(1100 * 4))
    def ifd(w, h, subfile, data_off, count, nxt):
        e = [(254, 4, 1, subfile), (256, 3, 1, w), (257, 3, 1, h), (258, 3, 1, 8), (259, 3, 1, 8),
             (262, 3, 1, 1), (273, 4, 1, data_off), (277, 3, 1, 1), (278, 3, 1, h), (279, 4, 1, count)]
        out = struct.pack("<H", len(e))
        for tag, typ, cnt, val in e:
            out += struct.pack("<HHI", tag, typ, cnt) + (struct.pack("<HH", val, 0) if typ == 3 else struct.pack("<I", val))
        return out + struct.pack("<I", nxt)
    ifd_size = 2 + 12 * 10 + 4
    i0, i1 = 8, 8 + ifd_size
    d_ovr = i1 + ifd_size
    d_main = d_ovr + len(ovr)
    b = b"II*\0" + struct.pack("<I", i0) + ifd(2200, 8, 0, d_main, len(main), i1) + ifd(1100, 4, 1, d_ovr, len(ovr), 0)
    return b + ovr + main
open("validate_overview_not_tiled.tif", "wb").write(striped())
open("validate_not_tiff.tif", "wb").write(b"<html>404 Not Found</html>\n")
PY
rm -f validate_*.aux.xml
ls -l validate_*.tif | awk '{s+=$5} END {print "validate fixtures: " NR " files, " s " bytes"}'
