#!/usr/bin/env bash
# cogtool create vs gdal_translate -of COG on the same inputs and options.
#
#   bench/create.sh [RUNS]        (default 3 runs of each tool, alternating)
#
# Inputs are generated here (into $BENCH_DIR, default /tmp/cogtool-bench):
#   rgb.tif   12288 x 12288 RGB Byte   -> DEFLATE level 6, AVERAGE, 512
#   dem.tif    8192 x  8192 Float32    -> DEFLATE level 6, AVERAGE, 512, predictor 3
#   dem4.tif   8192 x 32768 Float32    (height x4: peak RSS must stay flat)
#   sparse.tif 6656 x  4096 Int16, 96% nodata (an island in a sea of nodata)
#                                      -> default options both sides (LZW,
#                                         CUBIC, 512; GDAL's default threads)
#   tall.tif   1024 x 262144 Byte, striped (a tall, narrow raster)
#                                      -> default options both sides
# BENCH_ONLY=sparse (or rgb, dem, tall) runs one case.
# Prints per input: median wall time, output size and peak RSS of each tool,
# and the ratios cogtool/GDAL. Needs GDAL (gdal_translate, python3-gdal),
# numpy and GNU time (/usr/bin/time -v).
set -euo pipefail

RUNS=${1:-3}
DIR=${BENCH_DIR:-/tmp/cogtool-bench}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
COGTOOL=${COGTOOL:-$ROOT/target/release/cogtool}
PY=/usr/bin/python3
mkdir -p "$DIR"

if [ ! -x "$COGTOOL" ]; then
    (cd "$ROOT" && cargo build --release --quiet)
fi
command -v gdal_translate >/dev/null || { echo "gdal_translate not found" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "GNU time (/usr/bin/time) not found" >&2; exit 2; }

gen() {
    "$PY" - "$DIR" <<'EOF'
import os, sys
import numpy as np
from osgeo import gdal, osr
gdal.UseExceptions()
d = sys.argv[1]
drv = gdal.GetDriverByName("GTiff")
srs = osr.SpatialReference(); srs.ImportFromEPSG(32633)

def rgb(path, w, h):
    if os.path.exists(path): return
    ds = drv.Create(path, w, h, 3, gdal.GDT_Byte, ["TILED=YES", "BLOCKXSIZE=256", "BLOCKYSIZE=256"])
    ds.SetGeoTransform([300000, 1, 0, 5000000, 0, -1]); ds.SetProjection(srs.ExportToWkt())
    rng = np.random.default_rng(1)
    for y0 in range(0, h, 1024):
        n = min(1024, h - y0)
        yy, xx = np.mgrid[y0:y0 + n, 0:w]
        for b in range(3):
            base = (np.sin(xx / (300.0 + 50 * b)) + np.cos(yy / 410.0)) * 60 + 128
            a = base + rng.normal(0, 6, (n, w))
            ds.GetRasterBand(b + 1).WriteArray(np.clip(a, 0, 255).astype("uint8"), 0, y0)
    ds = None

def dem(path, w, h):
    if os.path.exists(path): return
    ds = drv.Create(path, w, h, 1, gdal.GDT_Float32, ["TILED=YES", "BLOCKXSIZE=256", "BLOCKYSIZE=256"])
    ds.SetGeoTransform([300000, 10, 0, 5000000, 0, -10]); ds.SetProjection(srs.ExportToWkt())
    b = ds.GetRasterBand(1); b.SetNoDataValue(-9999)
    for y0 in range(0, h, 1024):
        n = min(1024, h - y0)
        yy, xx = np.mgrid[y0:y0 + n, 0:w].astype("float64")
        a = 800 + 300 * np.sin(xx / 700.0) * np.cos((yy % 8192) / 900.0) + 20 * np.sin(xx / 37.0 + yy / 53.0)
        b.WriteArray(a.astype("float32"), 0, y0)
    ds = None

def sparse(path, w, h):
    if os.path.exists(path): return
    ds = drv.Create(path, w, h, 1, gdal.GDT_Int16, ["TILED=YES", "BLOCKXSIZE=256", "BLOCKYSIZE=256", "COMPRESS=DEFLATE"])
    ds.SetGeoTransform([300000, 30, 0, 5000000, 0, -30]); ds.SetProjection(srs.ExportToWkt())
    b = ds.GetRasterBand(1); b.SetNoDataValue(-32768)
    for y0 in range(0, h, 512):
        yy, xx = np.mgrid[y0:y0 + 512, 0:w].astype("float64")
        r = np.hypot((xx - 4100) / 1.3, yy - 2300) + 60 * np.sin(xx / 90.0) * np.cos(yy / 70.0)
        a = (400 + 300 * np.sin(xx / 200.0) * np.cos(yy / 150.0) + 30 * np.sin(xx / 13.0 + yy / 17.0)).astype("int16")
        a[r > 520] = -32768
        b.WriteArray(a, 0, y0)
    ds = None

def tall(path, w, h):
    if os.path.exists(path): return
    ds = drv.Create(path, w, h, 1, gdal.GDT_Byte, ["COMPRESS=DEFLATE"])
    ds.SetGeoTransform([300000, 10, 0, 5000000, 0, -10]); ds.SetProjection(srs.ExportToWkt())
    b = ds.GetRasterBand(1)
    for y0 in range(0, h, 4096):
        yy, xx = np.mgrid[y0:y0 + 4096, 0:w].astype("float64")
        a = 128 + 100 * np.sin(xx / 90.0) * np.cos(yy / 310.0) + 20 * np.sin(xx / 7.0 + yy / 11.0)
        b.WriteArray(a.astype("uint8"), 0, y0)
    ds = None

rgb(f"{d}/rgb.tif", 12288, 12288)
tall(f"{d}/tall.tif", 1024, 262144)
sparse(f"{d}/sparse.tif", 6656, 4096)
dem(f"{d}/dem.tif", 8192, 8192)
dem(f"{d}/dem4.tif", 8192, 32768)
EOF
}

# run NAME CMD... : wall seconds, max RSS (KiB) and CPU seconds (user+sys)
# appended to $DIR/NAME.times. CPU time is printed too because a shared
# machine stretches wall time for reasons that have nothing to do with the tool.
run() {
    local name=$1; shift
    /usr/bin/time -v -o "$DIR/time.txt" "$@" >/dev/null 2>"$DIR/err.txt" || { cat "$DIR/err.txt" >&2; exit 1; }
    local wall rss cpu
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$DIR/time.txt")
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$DIR/time.txt")
    cpu=$(awk -F': ' '/User time|System time/ {s+=$2} END {print s}' "$DIR/time.txt")
    echo "$wall $rss $cpu" >> "$DIR/$name.times"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

bench() {
    local label=$1 input=$2; shift 2
    local ours=("$@")
    local -a gdal_co=(-co COMPRESS=DEFLATE -co LEVEL=6 -co RESAMPLING=AVERAGE -co BLOCKSIZE=512 -co NUM_THREADS=ALL_CPUS)
    case "$label" in
        rgb) ;;
        sparse|tall) gdal_co=() ;;   # GDAL's defaults, as ours
        *) gdal_co+=(-co PREDICTOR=FLOATING_POINT) ;;
    esac
    if [ -n "${BENCH_ONLY:-}" ] && [ "$BENCH_ONLY" != "$label" ]; then return; fi
    rm -f "$DIR/$label.ours.times" "$DIR/$label.gdal.times"
    for i in $(seq "$RUNS"); do
        rm -f "$DIR/out_ours.tif" "$DIR/out_gdal.tif"
        run "$label.ours" "$COGTOOL" create -q "$input" "$DIR/out_ours.tif" "${ours[@]}"
        run "$label.gdal" gdal_translate -q -of COG "${gdal_co[@]}" "$input" "$DIR/out_gdal.tif"
    done
    local tw_o tw_g rss_o rss_g sz_o sz_g cpu_o cpu_g
    tw_o=$(cut -d' ' -f1 "$DIR/$label.ours.times" | median); tw_g=$(cut -d' ' -f1 "$DIR/$label.gdal.times" | median)
    rss_o=$(cut -d' ' -f2 "$DIR/$label.ours.times" | sort -n | tail -1); rss_g=$(cut -d' ' -f2 "$DIR/$label.gdal.times" | sort -n | tail -1)
    cpu_o=$(cut -d' ' -f3 "$DIR/$label.ours.times" | median); cpu_g=$(cut -d' ' -f3 "$DIR/$label.gdal.times" | median)
    sz_o=$(stat -c %s "$DIR/out_ours.tif"); sz_g=$(stat -c %s "$DIR/out_gdal.tif")
    printf '%-5s cogtool %7.2fs (cpu %7.2fs) %6d MiB RSS %11d B | gdal %7.2fs (cpu %7.2fs) %6d MiB RSS %11d B | time %.2f cpu %.2f size %.3f rss %.2f\n' \
        "$label" "$tw_o" "$cpu_o" $((rss_o / 1024)) "$sz_o" "$tw_g" "$cpu_g" $((rss_g / 1024)) "$sz_g" \
        "$(echo "$tw_o / $tw_g" | bc -l)" "$(echo "$cpu_o / $cpu_g" | bc -l)" "$(echo "$sz_o / $sz_g" | bc -l)" "$(echo "$rss_o / $rss_g" | bc -l)"
    echo "$rss_o" > "$DIR/$label.rss"
}

gen
OPTS=(--compress deflate --level 6 --resampling average --blocksize 512)
bench rgb "$DIR/rgb.tif" "${OPTS[@]}"
bench dem "$DIR/dem.tif" "${OPTS[@]}" --predictor float
bench sparse "$DIR/sparse.tif"
bench tall "$DIR/tall.tif"
# Height x4: only our RSS matters here (one run each is enough).
[ -n "${BENCH_ONLY:-}" ] && exit 0
RUNS=1 bench dem4 "$DIR/dem4.tif" "${OPTS[@]}" --predictor float
printf 'peak RSS with the DEM height x4: %.2f of the 8192-row DEM\n' "$(echo "$(cat "$DIR/dem4.rss") / $(cat "$DIR/dem.rss")" | bc -l)"
