#!/usr/bin/env bash
# Fill fuzz/corpus/<target>/ with seeds: the committed fixtures, the hostile
# regression inputs and the third-party corpus (../shared/corpus or
# $COGTOOL_CORPUS), files up to 256 KiB. Nothing is copied into git
# (fuzz/corpus is ignored). Decoder targets get single compressed blocks cut
# out of those files by the seed extractor (see fuzz/README.md).
set -euo pipefail
cd "$(dirname "$0")"
root=..
corpus=${COGTOOL_CORPUS:-$root/../shared/corpus}
files=()
while IFS= read -r -d '' f; do files+=("$f"); done < <(
  find "$root/testdata" "$corpus" -type f \( -iname '*.tif' -o -iname '*.tiff' \) -size -257k -print0 2>/dev/null | sort -z)
tiff_targets=(tiff_parse info block_lookup validate dump create)
for t in "${tiff_targets[@]}"; do
  mkdir -p "corpus/$t"
  for f in "${files[@]}"; do
    # Name by content so re-seeding never duplicates.
    cp -n "$f" "corpus/$t/$(sha1sum "$f" | cut -c1-40)" 2>/dev/null || true
  done
done
echo "fuzz/seed.sh: ${#files[@]} TIFF seeds for ${tiff_targets[*]}"

# Decoder seeds need a cogtool binary to cut tiles out; use one already built.
for b in "$root/target/release/cogtool" "$root/target/debug/cogtool"; do
  if [ -x "$b" ] && command -v python3 >/dev/null 2>&1; then
    python3 seed_codecs.py "$b" "${files[@]}" || echo "fuzz/seed.sh: decoder seeding failed (continuing)"
    break
  fi
done
