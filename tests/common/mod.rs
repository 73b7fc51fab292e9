//! Helpers shared by the integration tests: where the binary, the fixtures
//! and the third-party corpus are, and whether the GDAL oracles are here.
#![allow(dead_code)]

use std::collections::HashMap;

/// Say why a test skips (a missing oracle: GDAL, its Python bindings, the
/// corpus). With COGTOOL_REQUIRE_ORACLES=1 (CI) a skip is a failure: CI
/// installs every oracle, so a skip there means a broken setup.
#[macro_export]
macro_rules! skip {
    ($($t:tt)*) => {{
        let m = format!($($t)*);
        if std::env::var_os("COGTOOL_REQUIRE_ORACLES").is_some_and(|v| v == "1") {
            panic!("{} (COGTOOL_REQUIRE_ORACLES=1: an oracle is missing, the test must not skip)", m);
        }
        eprintln!("{}", m);
    }};
}
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn testdata(name: &str) -> PathBuf {
    root().join("testdata").join(name)
}

/// The shared corpus (`../shared/corpus`, or $COGTOOL_CORPUS). None, with a
/// printed reason, when it is absent: corpus tests then skip.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("COGTOOL_CORPUS").map(PathBuf::from).unwrap_or_else(|| root().join("../shared/corpus"));
    if dir.join("manifest.tsv").is_file() {
        Some(dir)
    } else {
        crate::skip!("SKIP: corpus not found at {} (set COGTOOL_CORPUS)", dir.display());
        None
    }
}

/// Rows of manifest.tsv as column -> value maps (backslash escapes undone).
pub fn manifest(dir: &Path) -> Vec<HashMap<String, String>> {
    let text = std::fs::read_to_string(dir.join("manifest.tsv")).expect("manifest.tsv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    lines
        .filter(|l| !l.is_empty())
        .map(|l| header.iter().zip(l.split('\t')).map(|(k, v)| (k.to_string(), unescape(v))).collect())
        .collect()
}

fn unescape(s: &str) -> String {
    if !s.contains('\\') {
        return s.to_string();
    }
    let mut out = String::new();
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c == '\\' {
            match it.next() {
                Some('t') => out.push('\t'),
                Some('n') => out.push('\n'),
                Some('\\') => out.push('\\'),
                Some(o) => {
                    out.push('\\');
                    out.push(o)
                }
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// True when a command is on PATH (gdalinfo, gdal_translate, ...). For the
/// oracles use [`oracles`], which reports what is missing.
pub fn have(cmd: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {} >/dev/null 2>&1", cmd))
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// Debian's Python, the one python3-gdal is installed for (a pyenv
/// `python3` without osgeo may come first on PATH).
pub const PY: &str = "/usr/bin/python3";

/// An external oracle the tests compare against. `.ci/run` installs them
/// all (its NEEDS list); the shared corpus is [`corpus_dir`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Oracle {
    /// gdalinfo and gdal_translate on PATH (gdal-bin).
    GdalTools,
    /// GDAL's Python bindings for [`PY`] (python3-gdal).
    GdalPython,
    /// GDAL's COG validator, osgeo_utils.samples.validate_cloud_optimized_geotiff (python3-gdal).
    GdalValidator,
    /// numpy for [`PY`] (python3-numpy).
    Numpy,
    /// rasterio's wheel (it bundles a GDAL of 3.8 or later, whose COG
    /// driver has STATISTICS) in the venv [`rasterio_python`] names.
    Rasterio,
}

/// The Python of the venv that has rasterio: `COGTOOL_RASTERIO_PYTHON`, or
/// the venv `.ci/run` makes (`/opt/cogtool-venv`).
pub fn rasterio_python() -> String {
    std::env::var("COGTOOL_RASTERIO_PYTHON").unwrap_or_else(|_| "/opt/cogtool-venv/bin/python".into())
}

use Oracle::*;

/// The GDAL oracles of the create tests: the tools, and [`PY`] with osgeo.gdal and numpy.
pub const GDAL_PYTHON: &[Oracle] = &[GdalTools, GdalPython, Numpy];

impl Oracle {
    const ALL: [Oracle; 5] = [GdalTools, GdalPython, GdalValidator, Numpy, Rasterio];

    fn what(self) -> String {
        match self {
            GdalTools => "gdalinfo/gdal_translate not on PATH (gdal-bin)".into(),
            GdalPython => format!("{} cannot import osgeo.gdal (python3-gdal)", PY),
            GdalValidator => {
                format!("{} cannot import osgeo_utils.samples.validate_cloud_optimized_geotiff (python3-gdal)", PY)
            }
            Numpy => format!("{} cannot import numpy (python3-numpy)", PY),
            Rasterio => format!(
                "{} cannot import rasterio with GDAL 3.8 or later (a venv with `pip install rasterio`; COGTOOL_RASTERIO_PYTHON names its python)",
                rasterio_python()
            ),
        }
    }

    fn probe(self) -> bool {
        let py = |m: &str| {
            Command::new(PY)
                .args(["-c", &format!("import {}", m)])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        };
        match self {
            GdalTools => have("gdalinfo") && have("gdal_translate"),
            GdalPython => py("osgeo.gdal"),
            GdalValidator => py("osgeo_utils.samples.validate_cloud_optimized_geotiff"),
            Numpy => py("numpy"),
            Rasterio => Command::new(rasterio_python())
                .args([
                    "-c",
                    "import rasterio, sys; v = tuple(int(x) for x in rasterio.__gdal_version__.split('.')[:2]); sys.exit(v < (3, 8))",
                ])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status()
                .is_ok_and(|s| s.success()),
        }
    }

    /// Probed once per test binary.
    pub fn present(self) -> bool {
        static SEEN: [std::sync::OnceLock<bool>; 5] = [const { std::sync::OnceLock::new() }; 5];
        let i = Self::ALL.iter().position(|o| *o == self).unwrap();
        *SEEN[i].get_or_init(|| self.probe())
    }
}

/// The one oracle check of the tests: true when every oracle in `needs` is
/// present. Otherwise prints `SKIP (what): <the missing oracle>` through
/// [`skip!`] (a panic under COGTOOL_REQUIRE_ORACLES=1, as in CI) and says
/// false; the caller returns or leaves out the part that needs it.
pub fn oracles(needs: &[Oracle], what: &str) -> bool {
    let missing: Vec<String> = needs.iter().filter(|o| !o.present()).map(|o| o.what()).collect();
    if missing.is_empty() {
        return true;
    }
    crate::skip!("SKIP ({}): {}", what, missing.join("; "));
    false
}

/// Run the cogtool binary with arguments.
pub fn cogtool<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    Command::new(env!("CARGO_BIN_EXE_cogtool")).args(args).output().expect("run cogtool")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Sharp 0/255 edges (a checkerboard of 3x5 cells, scattered dots, text-like
/// bars), `bands` samples per pixel: the worst case for rounding differences
/// between JPEG encoders and decoders.
pub fn sharp_edges(w: usize, h: usize, bands: usize) -> Vec<u8> {
    let mut seed = 7u32;
    let mut out = Vec::with_capacity(w * h * bands);
    for y in 0..h {
        for x in 0..w {
            for b in 0..bands {
                seed = seed.wrapping_mul(1103515245).wrapping_add(12345);
                let v = match b {
                    0 => ((x / 3 + y / 5) % 2) * 255,
                    1 => usize::from((seed >> 16) % 10 < 3) * 255,
                    _ => usize::from((y % 12 < 3) && (x % 9 != 0)) * 255,
                };
                out.push(v as u8);
            }
        }
    }
    out
}
