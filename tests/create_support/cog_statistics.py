"""GDAL's COG driver with STATISTICS=YES (GDAL 3.8+, as rasterio's wheel
bundles it): cog_statistics.py INPUT OUTPUT. Used by
tests/create/create_stats.rs; run by the venv's python."""
import sys
import warnings

import rasterio
import rasterio.shutil

warnings.simplefilter("ignore")
with rasterio.Env(GDAL_PAM_ENABLED="NO"):
    rasterio.shutil.copy(sys.argv[1], sys.argv[2], driver="COG", STATISTICS="YES")
