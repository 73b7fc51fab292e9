//! RPC sidecars of satellite images: DigitalGlobe/Maxar `.RPB` and the
//! `_rpc.txt` of other vendors. For a TIFF without the RPCCoefficientTag,
//! GDAL reads either file as the image's RPCs and `gdal_translate -of COG`
//! writes them into the COG's tag; `create` does the same, since the RPCs
//! are often the image's only georeferencing.

use std::path::{Path, PathBuf};

/// The 12 scalar fields of the tag, in its order, with their `.RPB` and
/// `_rpc.txt` names. ERR_BIAS and ERR_RAND are optional (-1 when absent,
/// as GDAL writes them).
const SCALARS: [(&str, &str); 12] = [
    ("errBias", "ERR_BIAS"),
    ("errRand", "ERR_RAND"),
    ("lineOffset", "LINE_OFF"),
    ("sampOffset", "SAMP_OFF"),
    ("latOffset", "LAT_OFF"),
    ("longOffset", "LONG_OFF"),
    ("heightOffset", "HEIGHT_OFF"),
    ("lineScale", "LINE_SCALE"),
    ("sampScale", "SAMP_SCALE"),
    ("latScale", "LAT_SCALE"),
    ("longScale", "LONG_SCALE"),
    ("heightScale", "HEIGHT_SCALE"),
];
/// The four 20-term polynomials, in the tag's order.
const LISTS: [(&str, &str); 4] = [
    ("lineNumCoef", "LINE_NUM_COEFF"),
    ("lineDenCoef", "LINE_DEN_COEFF"),
    ("sampNumCoef", "SAMP_NUM_COEFF"),
    ("sampDenCoef", "SAMP_DEN_COEFF"),
];

/// The 92 values of the RPCCoefficientTag from a sidecar of INPUT, with
/// the sidecar's name; None when there is none or it is incomplete.
pub fn find(input: &Path) -> Option<(PathBuf, Vec<f64>)> {
    // Named after the file without its extension: a.tif -> a.RPB, a_rpc.txt.
    let stem = input.with_extension("");
    let with = |suffix: &str| super::path::beside(&stem, suffix);
    let readable = |p: &PathBuf| {
        let small = std::fs::metadata(p).map(|m| m.is_file() && m.len() < 1 << 20).unwrap_or(false);
        if small { std::fs::read_to_string(p).ok() } else { None }
    };
    for p in [with(".RPB"), with(".rpb")] {
        if let Some(v) = readable(&p).and_then(|t| parse_rpb(&t)) {
            return Some((p, v));
        }
    }
    for p in [with("_rpc.txt"), with("_RPC.TXT")] {
        if let Some(v) = readable(&p).and_then(|t| parse_rpc_txt(&t)) {
            return Some((p, v));
        }
    }
    None
}

/// `key = value;` pairs, lists as `key = ( a, b, ... );`.
fn parse_rpb(text: &str) -> Option<Vec<f64>> {
    // Group markers end without a ';': drop them so the next statement's
    // key is not read as theirs.
    let body: String = text
        .lines()
        .filter(|l| !matches!(l.split('=').next().map(str::trim), Some("BEGIN_GROUP" | "END_GROUP")))
        .collect::<Vec<_>>()
        .join("\n");
    let mut fields = std::collections::HashMap::new();
    for stmt in body.split(';') {
        if let Some((k, v)) = stmt.split_once('=') {
            fields.insert(k.trim().to_string(), v.trim().trim_matches(|c| c == '(' || c == ')').to_string());
        }
    }
    let number = |k: &str| fields.get(k).and_then(|v| v.trim().parse::<f64>().ok());
    let mut out = Vec::with_capacity(92);
    for (i, (k, _)) in SCALARS.iter().enumerate() {
        out.push(match number(k) {
            Some(x) => x,
            None if i < 2 => -1.0,
            None => return None,
        });
    }
    for (k, _) in LISTS {
        let terms: Vec<f64> = fields.get(k)?.split(',').map(|t| t.trim().parse().ok()).collect::<Option<_>>()?;
        if terms.len() != 20 {
            return None;
        }
        out.extend(terms);
    }
    Some(out)
}

/// `KEY: value [unit]` lines, list terms as `KEY_1` .. `KEY_20`.
fn parse_rpc_txt(text: &str) -> Option<Vec<f64>> {
    let mut fields = std::collections::HashMap::new();
    for line in text.lines() {
        if let Some((k, v)) = line.split_once(':') {
            let value = v.split_whitespace().next().and_then(|x| x.parse::<f64>().ok());
            if let Some(x) = value {
                fields.insert(k.trim().to_string(), x);
            }
        }
    }
    let mut out = Vec::with_capacity(92);
    for (i, (_, k)) in SCALARS.iter().enumerate() {
        out.push(match fields.get(*k) {
            Some(&x) => x,
            None if i < 2 => -1.0,
            None => return None,
        });
    }
    for (_, k) in LISTS {
        for n in 1..=20 {
            out.push(*fields.get(&format!("{}_{}", k, n))?);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_formats_give_the_tag_in_its_order() {
        let list = |v: &str| format!("({})", vec![v; 20].join(", "));
        let rpb = format!(
            "satId = \"X\";\nBEGIN_GROUP = IMAGE\n errRand = 2.5;\n lineOffset = 100;\n sampOffset = 150;\n \
             latOffset = 45.1;\n longOffset = 5.2;\n heightOffset = 100;\n lineScale = 100;\n sampScale = 150;\n \
             latScale = 0.05;\n longScale = 0.07;\n heightScale = 500;\n lineNumCoef = {};\n lineDenCoef = {};\n \
             sampNumCoef = {};\n sampDenCoef = {};\nEND_GROUP = IMAGE\nEND;\n",
            list("0.01"),
            list("1"),
            list("0.02"),
            list("1")
        );
        let v = parse_rpb(&rpb).unwrap();
        assert_eq!(v.len(), 92);
        assert_eq!(&v[..12], &[-1.0, 2.5, 100.0, 150.0, 45.1, 5.2, 100.0, 100.0, 150.0, 0.05, 0.07, 500.0]);
        assert_eq!((v[12], v[32], v[52], v[91]), (0.01, 1.0, 0.02, 1.0));
        assert!(parse_rpb(&rpb.replace("heightScale = 500;", "")).is_none(), "incomplete");

        let mut txt =
            String::from("LINE_OFF: +000100.00 pixels\nSAMP_OFF: +000150.00 pixels\nLAT_OFF: +45.1 degrees\n");
        txt += "LONG_OFF: 5.2\nHEIGHT_OFF: 100\nLINE_SCALE: 100\nSAMP_SCALE: 150\nLAT_SCALE: 0.05\n";
        txt += "LONG_SCALE: 0.07\nHEIGHT_SCALE: +0500.000 meters\n";
        for (k, x) in
            [("LINE_NUM_COEFF", "0.01"), ("LINE_DEN_COEFF", "1"), ("SAMP_NUM_COEFF", "0.02"), ("SAMP_DEN_COEFF", "1")]
        {
            for n in 1..=20 {
                txt += &format!("{}_{}: {}\n", k, n, x);
            }
        }
        let t = parse_rpc_txt(&txt).unwrap();
        assert_eq!(&t[2..], &v[2..]);
        assert_eq!(&t[..2], &[-1.0, -1.0]);
    }
}
