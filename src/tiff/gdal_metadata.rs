//! GDAL's metadata tags: GDAL_METADATA (42112, a small XML document with
//! dataset and per-band items) and GDAL_NODATA (42113, the nodata as text).

use serde_json::{Value as Json, json};

#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub name: String,
    pub value: String,
    /// Band index (0-based), or None for the dataset.
    pub sample: Option<u32>,
    pub role: Option<String>,
    pub domain: Option<String>,
}

impl Item {
    pub fn to_json(&self) -> Json {
        let mut o = json!({"name": self.name, "value": self.value});
        if let Some(s) = self.sample {
            o["band"] = json!(s + 1);
        }
        if let Some(r) = &self.role {
            o["role"] = json!(r);
        }
        if let Some(d) = &self.domain {
            o["domain"] = json!(d);
        }
        o
    }
}

/// Parse the `<GDALMetadata>` XML into items. Tolerant: malformed pieces
/// are skipped, never an error (this is descriptive metadata).
pub fn parse(xml: &str) -> Vec<Item> {
    let mut items = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find("<Item") {
        rest = &rest[start + 5..];
        let Some(gt) = rest.find('>') else { break };
        let attrs = &rest[..gt];
        let self_closing = attrs.ends_with('/');
        let body_start = gt + 1;
        let (value, advance) = if self_closing {
            (String::new(), body_start)
        } else {
            match rest[body_start..].find("</Item>") {
                // GDAL escapes item values twice (once itself, once in its
                // XML writer) and unescapes twice on reading: `a & b` is
                // stored as `a &amp;amp; b`. Do the same to get its values.
                Some(end) => (unescape(&unescape(&rest[body_start..body_start + end])), body_start + end + 7),
                None => break,
            }
        };
        let attr = |key: &str| attribute(attrs, key);
        if let Some(name) = attr("name") {
            items.push(Item {
                name,
                value,
                sample: attr("sample").and_then(|s| s.parse().ok()),
                role: attr("role"),
                domain: attr("domain"),
            });
        }
        rest = &rest[advance..];
    }
    items
}

fn attribute(attrs: &str, key: &str) -> Option<String> {
    let mut search = attrs;
    loop {
        let i = search.find(key)?;
        let before_ok = i == 0 || search.as_bytes()[i - 1].is_ascii_whitespace();
        let after = search[i + key.len()..].trim_start();
        if before_ok && after.starts_with('=') {
            let after = after[1..].trim_start();
            let quote = after.chars().next()?;
            if quote == '"' || quote == '\'' {
                let end = after[1..].find(quote)?;
                return Some(unescape(&after[1..1 + end]));
            }
            return None;
        }
        search = &search[i + key.len()..];
    }
}

fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'").replace("&amp;", "&")
}

/// Escape text for GDAL_METADATA XML (used by the writer).
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Parse GDAL_NODATA text as GDAL does: a number, or nan / inf.
pub fn parse_nodata(s: &str) -> Option<f64> {
    let t = s.trim().trim_end_matches('\0');
    match t.to_ascii_lowercase().as_str() {
        "nan" | "-nan" => Some(f64::NAN),
        "inf" | "+inf" => Some(f64::INFINITY),
        "-inf" => Some(f64::NEG_INFINITY),
        _ => t.parse::<f64>().ok(),
    }
}
