//! `az://container/blob` sources (and
//! `https://ACCOUNT.blob.core.windows.net/container/blob` without a SAS in
//! the URL) over the Blob service REST API: ranged GETs pinned to the
//! first answer's ETag (`If-Match`). The account and its credentials are
//! resolved by [`super::azure_auth`].

use super::azure_auth::{self, API_VERSION, Account, Cred};
use super::cloud::{self, Call, Signer};
use super::remote::{Fetch, Response};
use super::{OpenOptions, runtime};
use crate::{Error, Result};
use std::sync::Arc;

/// A blob URL split: the account named by the URL's host (https form
/// only), the container and the blob name.
pub fn parse_url(url: &str) -> Result<(Option<String>, String, String)> {
    let (host_account, rest) = if let Some(rest) = super::gcs::strip_prefix_ci(url, "az://") {
        (None, rest)
    } else if let Some(rest) = super::gcs::strip_prefix_ci(url, "https://") {
        let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
        let account = host
            .to_ascii_lowercase()
            .strip_suffix(".blob.core.windows.net")
            .map(str::to_string)
            .ok_or_else(|| Error::usage(format!("{}: not an Azure blob URL", url)))?;
        (Some(account), path)
    } else {
        return Err(Error::usage(format!("{}: not an az:// URL", url)));
    };
    match rest.split_once('/') {
        Some((c, b)) if !c.is_empty() => Ok((host_account, c.to_string(), b.to_string())),
        _ if !rest.is_empty() => Ok((host_account, rest.to_string(), String::new())),
        _ => Err(Error::usage(format!("{}: expected az://container/blob", url))),
    }
}

/// An account's endpoint with credentials and a connection pool; one per
/// account and options for a whole run.
pub struct Azure {
    pub(crate) account: Account,
    http: reqwest::Client,
    pub(crate) retries: u32,
    pub(crate) verbose: bool,
}

impl Azure {
    pub fn get(host_account: Option<&str>, options: &OpenOptions) -> Result<Arc<Azure>> {
        static CLIENTS: std::sync::Mutex<Vec<(String, Arc<Azure>)>> = std::sync::Mutex::new(Vec::new());
        let id = format!("{:?}", (host_account, options.no_sign_request, options.retries, options.verbose));
        let mut clients = CLIENTS.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, c)) = clients.iter().find(|(k, _)| *k == id) {
            return Ok(c.clone());
        }
        let account = azure_auth::resolve(host_account, options.no_sign_request)?;
        let c = Arc::new(Azure {
            account,
            http: super::http::Http::client(&[])?,
            retries: options.retries,
            verbose: options.verbose,
        });
        clients.push((id, c.clone()));
        Ok(c)
    }

    /// URL of a blob (`query` without `?`, may be empty).
    pub(crate) fn blob_url(&self, container: &str, blob: &str, query: &str) -> String {
        let q = if query.is_empty() { String::new() } else { format!("?{}", query) };
        format!("{}/{}/{}{}", self.account.endpoint, cloud::encode(container), cloud::encode_path(blob), q)
    }

    pub(crate) fn container_url(&self, container: &str, query: &str) -> String {
        format!("{}/{}?{}", self.account.endpoint, cloud::encode(container), query)
    }

    /// Whether the blob exists (None: not allowed to ask).
    pub fn exists(&self, container: &str, blob: &str) -> Result<Option<bool>> {
        let call = Call::new(reqwest::Method::HEAD, self.blob_url(container, blob, ""));
        let a = runtime::block_on(cloud::send(self, &call, self.retries, self.verbose))?;
        match a.status {
            200 => Ok(Some(true)),
            404 => Ok(Some(false)),
            401 | 403 => Ok(None),
            _ => Err(a.error(self, &format!("az://{}/{}", container, blob))),
        }
    }

    /// Send with retries; the answer is for the caller to judge.
    pub(crate) async fn send(&self, call: &Call) -> Result<cloud::Answer> {
        cloud::send(self, call, self.retries, self.verbose).await
    }
}

/// An RFC 1123 date for `x-ms-date`.
fn http_date() -> String {
    httpdate::fmt_http_date(std::time::SystemTime::now())
}

impl Signer for Azure {
    async fn prepare(&self, call: &Call) -> Result<reqwest::RequestBuilder> {
        let mut call = call.clone();
        call.headers.push(("x-ms-date".into(), http_date()));
        call.headers.push(("x-ms-version".into(), API_VERSION.into()));
        let mut auth = None;
        match &self.account.cred {
            Cred::Key(key) => auth = Some(azure_auth::shared_key(&self.account.name, key, &call)),
            Cred::Sas(q) => {
                call.url = format!("{}{}{}", call.url, if call.url.contains('?') { '&' } else { '?' }, q);
            }
            Cred::Bearer(p) => {
                let c = p.get_credential().await.map_err(|e| {
                    Error::io(format!("cannot get an Azure access token from {}: {}", self.account.from, e))
                })?;
                match c.as_ref() {
                    object_store::azure::AzureCredential::BearerToken(t) => auth = Some(format!("Bearer {}", t)),
                    _ => return Err(Error::usage(format!("{}: expected a Microsoft Entra token", self.account.from))),
                }
            }
            Cred::Anonymous => {}
        }
        let mut req = self.http.request(call.method.clone(), &call.url);
        for (k, v) in &call.headers {
            req = req.header(k, v);
        }
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        if call.method == reqwest::Method::PUT || !call.body.is_empty() {
            req = req.header("content-length", call.body.len()).body(call.body.clone());
        }
        Ok(req)
    }

    fn denied(&self, status: u16) -> String {
        match &self.account.cred {
            Cred::Anonymous => format!(
                "access denied (HTTP {}) to an anonymous request ({}); set AZURE_STORAGE_CONNECTION_STRING, \
                 or AZURE_STORAGE_ACCOUNT with AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN, or a service \
                 principal (AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_CLIENT_SECRET)",
                status, self.account.from
            ),
            _ => format!(
                "access denied (HTTP {}) to account {} with the credentials from {}; reading needs the \
                 role Storage Blob Data Reader, writing Storage Blob Data Contributor (or a SAS with r, \
                 or c, w and d)",
                status, self.account.name, self.account.from
            ),
        }
    }
}

/// One blob as a [`Fetch`] backend.
pub struct AzureBlob {
    az: Arc<Azure>,
    container: String,
    blob: String,
    url: String,
}

impl AzureBlob {
    pub fn new(url: &str, options: &OpenOptions) -> Result<AzureBlob> {
        let (host_account, container, blob) = parse_url(url)?;
        if blob.is_empty() {
            return Err(Error::usage(format!("{}: expected az://container/blob", url)));
        }
        Ok(AzureBlob { az: Azure::get(host_account.as_deref(), options)?, container, blob, url: url.to_string() })
    }
}

impl Fetch for AzureBlob {
    async fn get(&self, offset: u64, len: u64, if_match: Option<&str>) -> Response {
        let mut call = Call::new(reqwest::Method::GET, self.az.blob_url(&self.container, &self.blob, ""))
            .header("x-ms-range", format!("bytes={}-{}", offset, offset + len - 1));
        if let Some(tag) = if_match {
            call = call.header("if-match", tag);
        }
        cloud::signed_ranged(self.az.as_ref(), &call, (offset, len), if_match, None, &self.url).await
    }
    fn url(&self) -> &str {
        &self.url
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(parse_url("az://c/dir/b.tif").unwrap(), (None, "c".into(), "dir/b.tif".into()));
        assert_eq!(
            parse_url("https://Acct.blob.core.windows.net/c/b.tif").unwrap(),
            (Some("acct".into()), "c".into(), "b.tif".into())
        );
        assert_eq!(parse_url("az://c").unwrap(), (None, "c".into(), "".into()));
        assert!(parse_url("https://example.com/c/b").is_err());
    }
}
