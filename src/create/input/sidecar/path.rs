//! Where GDAL looks for a sidecar: the leaf every sidecar reader shares.

use std::path::{Path, PathBuf};

/// `path` with `suffix` appended to its whole name (`a.tif` + `.msk` is
/// `a.tif.msk`), how GDAL names most of its sidecars.
pub fn beside(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}
