//! Writing `az://container/blob` part by part: each part is an uncommitted
//! block of the blob (Put Block, with its Content-MD5, which Azure checks),
//! and completing commits one ordered block list (Put Block List, with
//! `If-None-Match: *` unless `--overwrite`). Blocks may arrive in any order
//! and have no minimum size, so the parts S3 needs fit as they are.
//!
//! Azure has no call that drops uncommitted blocks; it discards them a week
//! after the last write, or when a block list is committed. So an
//! unfinished upload of a new blob commits an empty block list (which
//! discards every uncommitted block) and deletes the empty blob it made.
//! When an existing blob was being replaced (`--overwrite`), that would
//! destroy it: its uncommitted blocks are left for Azure to discard, and
//! the blob keeps its old content.

use super::azure::{Azure, parse_url};
use super::cloud::{self, Call};
use super::target::{BoxFut, Stored, Target};
use super::{OpenOptions, runtime};
use crate::{Error, Result};
use md5::Digest;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

pub(crate) struct AzureBlocks {
    az: Arc<Azure>,
    url: String,
    container: String,
    blob: String,
    replace: bool,
    /// Whether any block was sent (else an abort has nothing to discard).
    sent: AtomicBool,
}

impl AzureBlocks {
    pub(crate) fn new(dest: &str, options: &OpenOptions, replace: bool) -> Result<AzureBlocks> {
        let (account, container, blob) = parse_url(dest)?;
        if blob.is_empty() || blob.ends_with('/') {
            return Err(Error::usage(format!("{}: expected az://container/blob", dest)));
        }
        Ok(AzureBlocks {
            az: Azure::get(account.as_deref(), options)?,
            url: dest.to_string(),
            container,
            blob,
            replace,
            sent: AtomicBool::new(false),
        })
    }

    fn url_with(&self, query: &str) -> String {
        self.az.blob_url(&self.container, &self.blob, query)
    }

    fn refused(&self, a: &cloud::Answer, what: &str) -> Error {
        if a.status == 412 || (a.status == 409 && !self.replace) {
            return Error::usage(format!(
                "{} appeared meanwhile and was not replaced; use --overwrite to replace it",
                self.url
            ));
        }
        a.error(self.az.as_ref(), &format!("{}: {}", self.url, what))
    }

    /// Commit `ids` in order; `only_new`: refuse to replace a blob.
    async fn commit(&self, ids: &[String], only_new: bool) -> Result<cloud::Answer> {
        let mut xml = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>");
        for id in ids {
            xml.push_str(&format!("<Latest>{}</Latest>", id));
        }
        xml.push_str("</BlockList>");
        let mut call = Call::new(reqwest::Method::PUT, self.url_with("comp=blocklist"))
            .header("content-type", "application/xml")
            .header("x-ms-blob-content-type", "image/tiff")
            .body(xml);
        if only_new {
            call = call.header("if-none-match", "*");
        }
        self.az.send(&call).await
    }

    /// Discard the uncommitted blocks of a blob that did not exist.
    async fn discard(&self) -> Result<()> {
        if self.replace {
            let head = self.az.send(&Call::new(reqwest::Method::HEAD, self.url_with(""))).await?;
            if head.status != 404 {
                return Err(Error::io(
                    "the blob existed before: its uncommitted blocks are left for Azure to discard \
                     (within a week); its content is unchanged",
                ));
            }
        }
        let a = self.commit(&[], true).await?;
        if !a.ok() {
            return Err(a.error(self.az.as_ref(), "committing an empty block list to discard the blocks"));
        }
        let mut del = Call::new(reqwest::Method::DELETE, self.url_with(""));
        if let Some(tag) = a.header("etag") {
            del = del.header("if-match", tag);
        }
        let d = self.az.send(&del).await?;
        if !d.ok() && d.status != 404 {
            return Err(d.error(self.az.as_ref(), "deleting the empty blob"));
        }
        Ok(())
    }
}

fn md5_base64(data: &[u8]) -> String {
    aws_smithy_types::base64::encode(md5::Md5::digest(data))
}

impl Target for AzureBlocks {
    fn url(&self) -> &str {
        &self.url
    }
    fn mechanism(&self) -> &'static str {
        "block upload (uncommitted blocks discarded)"
    }
    fn single(&self) -> &'static str {
        "Put Blob"
    }
    fn begin(&self) -> BoxFut<'_, Result<String>> {
        let id = cloud::unique_tag();
        Box::pin(async move { Ok(id) })
    }
    fn put_part<'a>(&'a self, id: &'a str, number: u32, data: bytes::Bytes) -> BoxFut<'a, Result<Stored>> {
        Box::pin(async move {
            // Every block id of a blob has the same length.
            let block = aws_smithy_types::base64::encode(format!("cogtool-{}-{:06}", id, number));
            let len = data.len() as u64;
            self.sent.store(true, Ordering::Relaxed);
            let call = Call::new(
                reqwest::Method::PUT,
                self.url_with(&format!("comp=block&blockid={}", cloud::encode(&block))),
            )
            .header("content-md5", md5_base64(&data))
            .body(data);
            let a = self.az.send(&call).await?;
            if !a.ok() {
                return Err(self.refused(&a, &format!("Put Block {}", number)));
            }
            Ok(Stored { number, tag: block, checksum: None, len })
        })
    }
    fn complete<'a>(&'a self, _id: &'a str, parts: Vec<Stored>) -> BoxFut<'a, Result<()>> {
        Box::pin(async move {
            let ids: Vec<String> = parts.into_iter().map(|p| p.tag).collect();
            let a = self.commit(&ids, !self.replace).await?;
            if !a.ok() {
                return Err(self.refused(&a, "Put Block List"));
            }
            Ok(())
        })
    }
    fn abort<'a>(&'a self, _id: &'a str) -> BoxFut<'a, ()> {
        Box::pin(async move {
            if !self.sent.load(Ordering::Relaxed) {
                return;
            }
            if let Err(e) = self.discard().await {
                eprintln!("cogtool: {}: {}", self.url, e.message);
            }
        })
    }
    fn put_whole(&self, data: bytes::Bytes) -> BoxFut<'_, Result<()>> {
        Box::pin(async move {
            let mut call = Call::new(reqwest::Method::PUT, self.url_with(""))
                .header("x-ms-blob-type", "BlockBlob")
                .header("content-type", "image/tiff")
                .header("content-md5", md5_base64(&data))
                .body(data);
            if !self.replace {
                call = call.header("if-none-match", "*");
            }
            let a = self.az.send(&call).await?;
            if !a.ok() {
                return Err(self.refused(&a, "Put Blob"));
            }
            Ok(())
        })
    }
}

/// Blobs under `az://container/prefix`: (URL, size), in name order.
pub fn list(url: &str, options: &OpenOptions) -> Result<Vec<(String, u64)>> {
    list_with(url, options, "")
}

/// Delete every blob under `az://container/prefix`; a blob with only
/// uncommitted blocks (a writer killed mid-upload) gets an empty block
/// list first, which discards them, then is deleted.
pub fn delete_prefix(url: &str, options: &OpenOptions) -> Result<()> {
    for (u, _) in list_with(url, options, "&include=uncommittedblobs")? {
        let blocks = AzureBlocks::new(&u, options, true)?;
        runtime::block_on(async {
            let del = blocks.az.send(&Call::new(reqwest::Method::DELETE, blocks.url_with(""))).await?;
            match del.status {
                s if (200..300).contains(&s) => Ok(()),
                404 => {
                    let a = blocks.commit(&[], true).await?;
                    if !a.ok() && a.status != 409 && a.status != 412 {
                        return Err(a.error(blocks.az.as_ref(), &format!("cannot remove {}", u)));
                    }
                    let d = blocks.az.send(&Call::new(reqwest::Method::DELETE, blocks.url_with(""))).await?;
                    if d.ok() || d.status == 404 {
                        Ok(())
                    } else {
                        Err(d.error(blocks.az.as_ref(), &format!("cannot remove {}", u)))
                    }
                }
                _ => Err(del.error(blocks.az.as_ref(), &format!("cannot remove {}", u))),
            }
        })?;
    }
    Ok(())
}

fn list_with(url: &str, options: &OpenOptions, include: &str) -> Result<Vec<(String, u64)>> {
    let (account, container, prefix) = parse_url(url)?;
    let az = Azure::get(account.as_deref(), options)?;
    let mut base = url[..url.len() - prefix.len()].to_string();
    if !base.ends_with('/') {
        base.push('/');
    }
    runtime::block_on(async {
        let mut out = Vec::new();
        let mut marker = String::new();
        loop {
            let mut q = format!("restype=container&comp=list&prefix={}{}", cloud::encode(&prefix), include);
            if !marker.is_empty() {
                q.push_str(&format!("&marker={}", cloud::encode(&marker)));
            }
            let a = az.send(&Call::new(reqwest::Method::GET, az.container_url(&container, &q))).await?;
            if !a.ok() {
                return Err(a.error(az.as_ref(), url));
            }
            let text = String::from_utf8_lossy(&a.body);
            let doc = roxmltree::Document::parse(text.trim_start_matches('\u{feff}'))
                .map_err(|e| Error::io(format!("{}: listing is not XML: {}", url, e)))?;
            let child = |n: roxmltree::Node, name: &str| {
                n.children().find(|c| c.has_tag_name(name)).and_then(|c| c.text()).map(str::to_string)
            };
            for b in doc.descendants().filter(|n| n.has_tag_name("Blob")) {
                let name = child(b, "Name").unwrap_or_default();
                let size = b
                    .children()
                    .find(|c| c.has_tag_name("Properties"))
                    .and_then(|p| child(p, "Content-Length"))
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0);
                out.push((format!("{}{}", base, name), size));
            }
            match doc.root_element().children().find(|c| c.has_tag_name("NextMarker")).and_then(|c| c.text()) {
                Some(m) if !m.is_empty() => marker = m.to_string(),
                _ => break,
            }
        }
        out.sort();
        Ok(out)
    })
}
