//! Writing `gs://bucket/key` part by part: each part is a temporary object
//! (`KEY.cogtool-ID/NNNNN`), and completing joins them with compose, at
//! most 32 sources per call, chained through intermediate objects when
//! there are more; then every temporary object is deleted. Compose, not
//! the XML multipart API: it needs no minimum part size, works with the
//! JSON API every emulator speaks, and costs nothing server-side but the
//! calls. Every upload is checked against the CRC32C Google computes, and
//! the final object against the CRC32C of its parts combined, so a byte
//! changed in transit is an error, never a wrong COG. An unfinished upload
//! deletes what it created.

use super::cloud::{self, Call};
use super::gcs::{Gcs, parse_url};
use super::target::{BoxFut, Stored, Target};
use super::{OpenOptions, runtime};
use crate::{Error, Result};
use std::sync::{Arc, Mutex};

/// Google's limit of sources per compose call.
const MAX_COMPOSE: usize = 32;

pub(crate) struct GcsParts {
    gcs: Arc<Gcs>,
    url: String,
    bucket: String,
    key: String,
    replace: bool,
    /// Temporary objects created so far (deleted at the end, or on abort).
    created: Mutex<Vec<String>>,
}

impl GcsParts {
    pub(crate) fn new(dest: &str, options: &OpenOptions, replace: bool) -> Result<GcsParts> {
        let (bucket, key) = parse_url(dest)?;
        if key.is_empty() || key.ends_with('/') {
            return Err(Error::usage(format!("{}: expected gs://bucket/key", dest)));
        }
        Ok(GcsParts {
            gcs: Gcs::get(options)?,
            url: dest.to_string(),
            bucket,
            key,
            replace,
            created: Mutex::new(Vec::new()),
        })
    }

    fn what(&self, name: &str) -> String {
        format!("gs://{}/{}", self.bucket, name)
    }

    /// Upload `data` as object `name`; checks Google's CRC32C against ours.
    async fn upload(&self, name: &str, data: bytes::Bytes, only_new: bool) -> Result<u32> {
        let crc = crc32c::crc32c(&data);
        let cond = if only_new { "&ifGenerationMatch=0" } else { "" };
        let call = Call::new(reqwest::Method::POST, self.gcs.upload_url(&self.bucket, name, cond))
            .header("content-type", "image/tiff")
            .body(data);
        let a = self.gcs.send(&call).await?;
        self.check(&a, name, crc)?;
        Ok(crc)
    }

    /// An object resource answer: success, and the CRC32C we expect.
    fn check(&self, a: &cloud::Answer, name: &str, crc: u32) -> Result<()> {
        if a.status == 412 {
            return Err(Error::usage(format!(
                "{} appeared meanwhile and was not replaced; use --overwrite to replace it",
                self.what(name)
            )));
        }
        if !a.ok() {
            return Err(a.error(self.gcs.as_ref(), &self.what(name)));
        }
        let json: serde_json::Value = serde_json::from_slice(&a.body).unwrap_or_default();
        match json.get("crc32c").and_then(|v| v.as_str()).and_then(|b| aws_smithy_types::base64::decode(b).ok()) {
            Some(b) if b.len() == 4 && u32::from_be_bytes([b[0], b[1], b[2], b[3]]) == crc => Ok(()),
            Some(_) => Err(Error::io(format!(
                "{}: the stored object's CRC32C differs from the bytes sent; nothing was kept",
                self.what(name)
            ))),
            None => Err(Error::io(format!("{}: the answer has no CRC32C to check", self.what(name)))),
        }
    }

    async fn compose(&self, sources: &[String], dest: &str, only_new: bool, crc: u32) -> Result<()> {
        let body = serde_json::json!({
            "sourceObjects": sources.iter().map(|n| serde_json::json!({ "name": n })).collect::<Vec<_>>(),
            "destination": { "contentType": "image/tiff" },
        });
        let cond = if only_new { "ifGenerationMatch=0" } else { "" };
        let url = self.gcs.object_url(&self.bucket, dest, cond).replacen('?', "/compose?", 1);
        let url = if cond.is_empty() { format!("{}/compose", url) } else { url };
        let call =
            Call::new(reqwest::Method::POST, url).header("content-type", "application/json").body(body.to_string());
        let a = self.gcs.send(&call).await?;
        self.check(&a, dest, crc)
    }

    /// Delete every temporary object; names those that could not be.
    async fn cleanup(&self) -> Result<()> {
        let names = std::mem::take(&mut *self.created.lock().unwrap_or_else(|p| p.into_inner()));
        let mut failed = Vec::new();
        for n in names {
            let call = Call::new(reqwest::Method::DELETE, self.gcs.object_url(&self.bucket, &n, ""));
            match self.gcs.send(&call).await {
                Ok(a) if a.ok() || a.status == 404 => {}
                Ok(a) => failed.push(format!("{} ({})", self.what(&n), a.error(self.gcs.as_ref(), "").message)),
                Err(e) => failed.push(format!("{} ({})", self.what(&n), e.message)),
            }
        }
        if failed.is_empty() {
            Ok(())
        } else {
            Err(Error::io(format!("could not delete temporary objects: {}", failed.join(", "))))
        }
    }

    fn remember(&self, name: &str) {
        self.created.lock().unwrap_or_else(|p| p.into_inner()).push(name.to_string());
    }
}

impl Gcs {
    pub(crate) async fn send(&self, call: &Call) -> Result<cloud::Answer> {
        cloud::send(self, call, self.retries, self.verbose).await
    }
}

impl Target for GcsParts {
    fn url(&self) -> &str {
        &self.url
    }
    fn mechanism(&self) -> &'static str {
        "upload (temporary objects deleted)"
    }
    fn single(&self) -> &'static str {
        "media upload"
    }
    fn begin(&self) -> BoxFut<'_, Result<String>> {
        let id = format!("{}.cogtool-{}/", self.key, cloud::unique_tag());
        Box::pin(async move { Ok(id) })
    }
    fn put_part<'a>(&'a self, id: &'a str, number: u32, data: bytes::Bytes) -> BoxFut<'a, Result<Stored>> {
        Box::pin(async move {
            let name = format!("{}{:05}", id, number);
            let len = data.len() as u64;
            // Remembered before the request: a request cut short by a cancel
            // may still have created it.
            self.remember(&name);
            let crc = self.upload(&name, data, false).await?;
            Ok(Stored { number, tag: name, checksum: Some(crc.to_string()), len })
        })
    }
    fn complete<'a>(&'a self, id: &'a str, parts: Vec<Stored>) -> BoxFut<'a, Result<()>> {
        Box::pin(async move {
            let crc_of = |p: &Stored| p.checksum.as_deref().and_then(|c| c.parse::<u32>().ok()).unwrap_or(0);
            // (name, crc32c, length) of each source, joined 32 at a time
            // until one compose makes the object.
            let mut sources: Vec<(String, u32, u64)> =
                parts.iter().map(|p| (p.tag.clone(), crc_of(p), p.len)).collect();
            let mut round = 0;
            while sources.len() > MAX_COMPOSE {
                let mut next = Vec::new();
                for (i, group) in sources.chunks(MAX_COMPOSE).enumerate() {
                    let (crc, len) = combine(group);
                    let name = format!("{}c{}-{:05}", id, round, i);
                    self.remember(&name);
                    let names: Vec<String> = group.iter().map(|s| s.0.clone()).collect();
                    self.compose(&names, &name, false, crc).await?;
                    next.push((name, crc, len));
                }
                sources = next;
                round += 1;
            }
            let (crc, _) = combine(&sources);
            let names: Vec<String> = sources.iter().map(|s| s.0.clone()).collect();
            self.compose(&names, &self.key, !self.replace, crc).await?;
            if let Err(e) = self.cleanup().await {
                eprintln!("cogtool: warning: {}: {}", self.url, e.message);
            }
            Ok(())
        })
    }
    fn abort<'a>(&'a self, id: &'a str) -> BoxFut<'a, ()> {
        Box::pin(async move {
            // A part whose request was cut short by the abort may still have
            // been stored: whatever is left under the upload's prefix goes too.
            let mut r = self.cleanup().await;
            if r.is_ok()
                && let Ok(left) = list_names(&self.gcs, &self.bucket, id, &self.url).await
            {
                left.iter().for_each(|(n, _)| self.remember(n));
                r = self.cleanup().await;
            }
            if let Err(e) = r {
                eprintln!("cogtool: {}: {}; remove them with `gcloud storage rm`", self.url, e.message);
            }
        })
    }
    fn put_whole(&self, data: bytes::Bytes) -> BoxFut<'_, Result<()>> {
        Box::pin(async move { self.upload(&self.key, data, !self.replace).await.map(|_| ()) })
    }
}

/// The CRC32C and length of sources joined in order.
fn combine(group: &[(String, u32, u64)]) -> (u32, u64) {
    group.iter().fold((0u32, 0u64), |(crc, len), s| {
        (if len == 0 { s.1 } else { crc32c::crc32c_combine(crc, s.1, s.2 as usize) }, len + s.2)
    })
}

/// Objects under `gs://bucket/prefix`: (URL, size), in name order.
pub fn list(url: &str, options: &OpenOptions) -> Result<Vec<(String, u64)>> {
    let (bucket, prefix) = parse_url(url)?;
    let gcs = Gcs::get(options)?;
    let mut out = runtime::block_on(list_names(&gcs, &bucket, &prefix, url))?;
    out.iter_mut().for_each(|(n, _)| *n = format!("gs://{}/{}", bucket, n));
    Ok(out)
}

/// Names and sizes of the objects under `prefix`, in name order.
async fn list_names(gcs: &Gcs, bucket: &str, prefix: &str, what: &str) -> Result<Vec<(String, u64)>> {
    let mut out = Vec::new();
    let mut token = String::new();
    loop {
        let mut q = format!("{}/storage/v1/b/{}/o?prefix={}", gcs.base, cloud::encode(bucket), cloud::encode(prefix));
        if !token.is_empty() {
            q.push_str(&format!("&pageToken={}", cloud::encode(&token)));
        }
        let a = gcs.send(&Call::new(reqwest::Method::GET, q)).await?;
        if !a.ok() {
            return Err(a.error(gcs, what));
        }
        let json: serde_json::Value =
            serde_json::from_slice(&a.body).map_err(|e| Error::io(format!("{}: listing is not JSON: {}", what, e)))?;
        for item in json.get("items").and_then(|v| v.as_array()).into_iter().flatten() {
            let name = item.get("name").and_then(|v| v.as_str()).unwrap_or_default();
            let size = item.get("size").and_then(|v| v.as_str()).and_then(|s| s.parse().ok()).unwrap_or(0);
            out.push((name.to_string(), size));
        }
        match json.get("nextPageToken").and_then(|v| v.as_str()) {
            Some(t) if !t.is_empty() => token = t.to_string(),
            _ => break,
        }
    }
    out.sort();
    Ok(out)
}

/// Delete every object under `gs://bucket/prefix`.
pub fn delete_prefix(url: &str, options: &OpenOptions) -> Result<()> {
    let (bucket, _) = parse_url(url)?;
    let gcs = Gcs::get(options)?;
    let objects = list(url, options)?;
    runtime::block_on(async {
        for (u, _) in objects {
            let name = &u[5 + bucket.len() + 1..];
            let a = gcs.send(&Call::new(reqwest::Method::DELETE, gcs.object_url(&bucket, name, ""))).await?;
            if !a.ok() && a.status != 404 {
                return Err(a.error(gcs.as_ref(), &format!("cannot remove {}", u)));
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combined_crc_equals_the_whole() {
        let (a, b, c) = (b"tiles of level 0".to_vec(), b"and level one".to_vec(), vec![7u8; 1000]);
        let group = [
            ("a".to_string(), crc32c::crc32c(&a), a.len() as u64),
            ("b".to_string(), crc32c::crc32c(&b), b.len() as u64),
            ("c".to_string(), crc32c::crc32c(&c), c.len() as u64),
        ];
        let whole = [a, b, c].concat();
        assert_eq!(combine(&group), (crc32c::crc32c(&whole), whole.len() as u64));
    }
}
