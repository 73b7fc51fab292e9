#!/usr/bin/env bash
# Regenerate the committed test fixtures. Needs GDAL (gdal_translate,
# gdaladdo, python3-gdal with numpy). Each area of the project keeps its own
# generator in testdata/gen/*.sh; this runs them all, in name order, from
# inside testdata/.
set -euo pipefail
cd "$(dirname "$0")"
for g in gen/*.sh; do
  echo "== $g"
  bash "$g"
done
du -sh . | sed 's/^/fixtures total: /'
