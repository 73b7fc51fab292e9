//! ESRI world files (`INPUT.tfw`, `.tifw`, `.wld`): the georeferencing of
//! a TIFF that has none inside, as older orthophotos ship. GDAL reads one
//! when the file has no geotransform of its own and `gdal_translate -of COG`
//! writes it into the COG as GeoTIFF tags, so `create` does the same.

use std::path::{Path, PathBuf};

/// The names GDAL tries beside `a.tif`, in its order: `a.tfw` (first and
/// last letter of the extension plus w), `a.tifw`, `a.wld`, each also in
/// upper case.
fn candidates(input: &Path) -> Vec<PathBuf> {
    let ext = input.extension().and_then(|e| e.to_str()).unwrap_or("");
    let mut exts = Vec::new();
    if ext.len() >= 2 {
        let (first, last) = (&ext[..1], &ext[ext.len() - 1..]);
        exts.push(format!("{}{}w", first, last));
    }
    if !ext.is_empty() {
        exts.push(format!("{}w", ext));
    }
    exts.push("wld".to_string());
    exts.iter().flat_map(|e| [input.with_extension(e.to_lowercase()), input.with_extension(e.to_uppercase())]).collect()
}

/// The world file's name and its geotransform (GDAL's order: origin x,
/// pixel width, row rotation, origin y, column rotation, pixel height),
/// when one is there and holds six numbers. A world file names the centre
/// of the first pixel; the geotransform its corner.
pub fn find(input: &Path) -> Option<(PathBuf, [f64; 6])> {
    for path in candidates(input) {
        if !path.is_file() || std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0) > 4096 {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        let v: Vec<f64> = text.split_whitespace().take(6).filter_map(|t| t.parse().ok()).collect();
        if v.len() < 6 || v.iter().any(|x| !x.is_finite()) {
            continue;
        }
        let [a, d, b, e, c, f] = [v[0], v[1], v[2], v[3], v[4], v[5]];
        return Some((path, [c - 0.5 * a - 0.5 * b, a, b, f - 0.5 * d - 0.5 * e, d, e]));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_corner_as_gdal() {
        let names: Vec<String> =
            candidates(Path::new("/d/a.tif")).iter().map(|p| p.to_string_lossy().into_owned()).collect();
        assert_eq!(names, ["/d/a.tfw", "/d/a.TFW", "/d/a.tifw", "/d/a.TIFW", "/d/a.wld", "/d/a.WLD"]);
        let dir = std::env::temp_dir().join(format!("cogtool-wld-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let input = dir.join("a.tif");
        assert!(find(&input).is_none());
        std::fs::write(dir.join("a.tifw"), "10\n0\n0\n-10\n500005\n4999995\n").unwrap();
        let (path, gt) = find(&input).unwrap();
        assert_eq!(path, dir.join("a.tifw"));
        assert_eq!(gt, [500000.0, 10.0, 0.0, 5000000.0, 0.0, -10.0]);
        // Six numbers or nothing.
        std::fs::write(dir.join("a.tifw"), "10\n0\n0\n-10\n500005\n").unwrap();
        assert!(find(&input).is_none());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
