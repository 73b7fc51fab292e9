#!/usr/bin/env python3
"""Seeds for the decoder targets: real compressed tiles cut out of TIFFs.

Usage: seed_codecs.py COGTOOL FILE...   (run by seed.sh from fuzz/)

For each file, `cogtool info --json` says each IFD's compression and block
layout; `cogtool dump --raw` writes up to 4 stored tiles of the first two
levels. Each seed is the 8-byte head the target expects (decode_common.rs
for lossless codecs, image_codec_common.rs for JPEG/WebP) plus the block.
JPEG seeds are standalone JPEGs (tables spliced in by dump).
Seeds are named by content, so re-running never duplicates.
"""
import hashlib, json, os, struct, subprocess, sys, tempfile

TARGETS = {5: "decode_lzw", 8: "decode_deflate", 32946: "decode_deflate", 32773: "decode_packbits",
           50000: "decode_zstd", 1: "decode_predictor", 7: "decode_jpeg", 50001: "decode_webp"}
BITS = [1, 2, 4, 8, 12, 16, 24, 32, 64]


def lossless_head(ifd):
    bits = ifd["bits_per_sample"][0]
    fmt = {"uint": 0, "int": 1, "float": 2}.get(ifd["sample_format"], 0)
    big = 0x80 if ifd.get("_be") else 0
    w, h = ifd["block_width"], ifd["block_height"]
    samples = ifd["bands"] if ifd["planar"] == "contig" else 1
    # The layout takes sizes modulo 64: only blocks that small match exactly;
    # larger ones still drive the decoder until the size check.
    return bytes([(w - 1) % 64, (h - 1) % 64, (samples - 1) % 4, BITS.index(bits) if bits in BITS else 3,
                  (ifd["predictor"] - 1) % 3, fmt | big, {1: 0, 2: 1, 6: 2}.get(ifd.get("_photo", 1), 0), 0])


def image_head(ifd, tables_len):
    w, h = ifd["block_width"], ifd["block_height"]
    samples = {1: 0, 3: 1, 4: 1}.get(ifd["bands"], 0)
    if ifd["compression_code"] == 50001:
        samples = 0 if ifd["bands"] == 3 else 1
    photo = {"minisblack": 0, "rgb": 1, "ycbcr": 2}.get(ifd["photometric"], 0)
    return struct.pack("<HHBBH", w - 1, h - 1, samples, photo, tables_len)


def main():
    cogtool, files = sys.argv[1], sys.argv[2:]
    made = 0
    with tempfile.TemporaryDirectory() as tmp:
        for f in files:
            try:
                out = subprocess.run([cogtool, "info", "--json", f], capture_output=True, timeout=10)
                info = json.loads(out.stdout)
            except Exception:
                continue
            if not isinstance(info, dict) or "ifds" not in info:
                continue
            be = info.get("byte_order") == "big"
            levels = [i for i in info["ifds"] if i["kind"] in ("image", "overview")][:2]
            for z, ifd in enumerate(levels):
                if not all(k in ifd for k in ("block_width", "block_height", "blocks", "bands", "bits_per_sample")):
                    continue
                target = TARGETS.get(ifd.get("compression_code"))
                if not target or not ifd.get("tiled"):
                    continue
                ifd["_be"] = be
                # info --json shortens long arrays, so JPEG tiles are dumped
                # with their tables spliced in (a standalone JPEG) instead.
                raw = ["--raw"] if target != "decode_jpeg" else []
                across = max(1, -(-ifd["width"] // ifd["block_width"]))
                for n in range(min(4, ifd["blocks"])):
                    x, y = n % across, n // across
                    p = os.path.join(tmp, "t")
                    r = subprocess.run([cogtool, "dump", "-q", *raw, "--xyz", str(x), str(y), str(z), "-o", p, f],
                                       capture_output=True, timeout=10)
                    if r.returncode != 0 or not os.path.exists(p):
                        continue
                    block = open(p, "rb").read()
                    os.remove(p)
                    if target in ("decode_jpeg", "decode_webp"):
                        seed = image_head(ifd, 0) + block
                    else:
                        seed = lossless_head(ifd) + block
                    if len(seed) > 262144:
                        continue
                    d = os.path.join("corpus", target)
                    os.makedirs(d, exist_ok=True)
                    name = os.path.join(d, hashlib.sha1(seed).hexdigest())
                    if not os.path.exists(name):
                        open(name, "wb").write(seed)
                        made += 1
    print(f"fuzz/seed_codecs.py: {made} new decoder seeds from {len(files)} files")


main()
