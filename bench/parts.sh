#!/usr/bin/env bash
# A distributed create (N parts, then assemble) against one create run.
#
#   bench/parts.sh [N]     (default 4 parts)
#
# Input: $BENCH_DIR/stream.tif (12288 x 12288 RGB Byte, DEFLATE, 512 tiles,
# no overviews; made by bench/s3_stream.sh, or here if missing), or
# $PARTS_INPUT with the options in $PARTS_OPTS. The parts run one after the
# other so that each is measured alone; their CPU time is what a job array
# spends. Every command runs $REPEAT times (default 3) and each figure is
# the median of its runs: peak RSS alone varies by +-5% between identical
# runs here. Prints, with ratios to the single run: the CPU time (user +
# sys) of all parts plus assemble, assemble's wall time, and the largest
# peak RSS of a part; checks that the outputs are equal.
set -euo pipefail
N=${1:-4}
DIR=${BENCH_DIR:-/tmp/cogtool-bench}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
COGTOOL=${COGTOOL:-$ROOT/target/release/cogtool}
mkdir -p "$DIR"
[ -x "$COGTOOL" ] || (cd "$ROOT" && cargo build --release --quiet)
IN=${PARTS_INPUT:-$DIR/stream.tif}
if [ ! -f "$IN" ]; then
  /usr/bin/python3 "$ROOT/bench/stream_input.py" "$IN"
fi
if [ -n "${PARTS_OPTS:-}" ]; then
  read -ra OPTS <<< "$PARTS_OPTS"
else
  OPTS=(--compress deflate --overview-resampling cubic)
fi
REPEAT=${REPEAT:-3}
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# PREPARE, when set, runs (untimed) before each run.
measure() { # command...: "wall user sys kib", each the median of $REPEAT runs
  : > "$DIR/times.txt"
  for _ in $(seq "$REPEAT"); do
    [ -z "${PREPARE:-}" ] || bash -c "$PREPARE"
    /usr/bin/time -f "%e %U %S %M" -o "$DIR/time.txt" "$@" >/dev/null 2>&1
    tail -1 "$DIR/time.txt" >> "$DIR/times.txt"
  done
  echo "$(cut -d' ' -f1 "$DIR/times.txt" | median) $(cut -d' ' -f2 "$DIR/times.txt" | median)" \
    "$(cut -d' ' -f3 "$DIR/times.txt" | median) $(cut -d' ' -f4 "$DIR/times.txt" | median)"
}
rm -rf "$DIR/parts_single.tif" "$DIR/parts_out.tif" "$DIR/parts_out.tif.parts"
read -r s_wall s_user s_sys s_rss < <(measure "$COGTOOL" create -q --overwrite "$IN" "$DIR/parts_single.tif" "${OPTS[@]}")
p_cpu=0; p_rss=0; p_wall=0
for i in $(seq 0 $((N - 1))); do
  read -r w u s m < <(measure "$COGTOOL" create -q "$IN" "$DIR/parts_out.tif" "${OPTS[@]}" --part "$i/$N")
  p_cpu=$(echo "$p_cpu + $u + $s" | bc -l); p_wall=$(echo "$p_wall + $w" | bc -l)
  [ "$m" -gt "$p_rss" ] && p_rss=$m
  printf 'part %d/%d  wall %6.2f s  cpu %6.2f s  peak RSS %6.1f MiB\n' "$i" "$N" "$w" "$(echo "$u + $s" | bc -l)" "$(echo "$m / 1024" | bc -l)"
done
# assemble removes the staging: keep a copy for the repeated runs.
rm -rf "$DIR/parts_saved.parts" && cp -r "$DIR/parts_out.tif.parts" "$DIR/parts_saved.parts"
read -r a_wall a_user a_sys a_rss < <(PREPARE="rm -rf '$DIR/parts_out.tif' '$DIR/parts_out.tif.parts' && \
  cp -r '$DIR/parts_saved.parts' '$DIR/parts_out.tif.parts' && sync" measure "$COGTOOL" assemble -q "$DIR/parts_out.tif")
rm -rf "$DIR/parts_saved.parts"
cmp -s "$DIR/parts_single.tif" "$DIR/parts_out.tif" && same=yes || same=NO
s_cpu=$(echo "$s_user + $s_sys" | bc -l)
total=$(echo "$p_cpu + $a_user + $a_sys" | bc -l)
echo "input: $(basename "$IN"), ${OPTS[*]}, $N parts, $(nproc) cores, medians of $REPEAT runs"
printf 'single run   wall %6.2f s  cpu %6.2f s  peak RSS %6.1f MiB\n' "$s_wall" "$s_cpu" "$(echo "$s_rss / 1024" | bc -l)"
printf 'assemble     wall %6.2f s  cpu %6.2f s  peak RSS %6.1f MiB\n' "$a_wall" "$(echo "$a_user + $a_sys" | bc -l)" "$(echo "$a_rss / 1024" | bc -l)"
printf 'cpu of all parts + assemble: %.2fx the single run (target <= 1.15)\n' "$(echo "$total / $s_cpu" | bc -l)"
printf 'assemble wall: %.3fx the single run (target <= 0.10)\n' "$(echo "$a_wall / $s_wall" | bc -l)"
printf 'largest part peak RSS: %.2fx the single run (target <= 1.00)\n' "$(echo "$p_rss / $s_rss" | bc -l)"
printf 'parts one after another: %.2f s wall in all; on %d machines about %.2f s + assemble\n' "$p_wall" "$N" "$(echo "$p_wall / $N" | bc -l)"
echo "outputs byte-identical: $same"
