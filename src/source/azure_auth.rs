//! Which Azure storage account a blob is in, and how requests to it are
//! authorised, found the way Azure's own tools find them:
//!
//! 1. `AZURE_STORAGE_CONNECTION_STRING` (account, key or SAS, endpoint;
//!    `UseDevelopmentStorage=true` for Azurite);
//! 2. the account (`AZURE_STORAGE_ACCOUNT`, or the host of an
//!    `https://ACCOUNT.blob.core.windows.net/...` URL) with
//!    `AZURE_STORAGE_KEY` (Shared Key) or `AZURE_STORAGE_SAS_TOKEN`;
//! 3. a service principal (`AZURE_CLIENT_ID`, `AZURE_TENANT_ID` and
//!    `AZURE_CLIENT_SECRET`) or workload identity (`AZURE_FEDERATED_TOKEN_FILE`
//!    instead of the secret);
//! 4. managed identity, asked only where it exists (`IDENTITY_ENDPOINT` or
//!    `MSI_ENDPOINT` set, or an Azure VM);
//! 5. else anonymous requests (public containers).
//!
//! Shared Key signing is done here (HMAC-SHA256 of the canonical request);
//! Microsoft Entra tokens (3, 4) come from Apache Arrow's `object_store`
//! credential providers, which refresh them.

use super::cloud::Call;
use crate::{Error, Result};
use hmac::{KeyInit, Mac};

/// Azurite's well-known development account and key (public values,
/// documented by Microsoft).
const DEV_ACCOUNT: &str = "devstoreaccount1";
const DEV_KEY: &str = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/// The REST API version cogtool speaks.
pub(crate) const API_VERSION: &str = "2021-08-06";

pub(crate) enum Cred {
    Key(Vec<u8>),
    /// A SAS token's query (without `?`).
    Sas(String),
    Bearer(object_store::azure::AzureCredentialProvider),
    Anonymous,
}

/// A storage account: its blob endpoint and credentials.
pub(crate) struct Account {
    pub name: String,
    /// `https://ACCOUNT.blob.core.windows.net`, or an emulator's
    /// `http://127.0.0.1:10000/devstoreaccount1` (no trailing slash).
    pub endpoint: String,
    pub cred: Cred,
    /// Where the credentials came from, or why there are none.
    pub from: String,
}

/// `Key=Value;...` pairs of a connection string (keys case-insensitive).
fn parse_connection_string(s: &str) -> Vec<(String, String)> {
    s.split(';')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect()
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|s| !s.is_empty())
}

fn decode_key(key: &str, from: &str) -> Result<Vec<u8>> {
    aws_smithy_types::base64::decode(key.trim())
        .map_err(|_| Error::usage(format!("{}: the account key is not base64", from)))
}

/// Resolve the account and credentials. `host_account`: the account named
/// by an `https://ACCOUNT.blob.core.windows.net` URL.
pub(crate) fn resolve(host_account: Option<&str>, anonymous: bool) -> Result<Account> {
    if let Some(cs) = env("AZURE_STORAGE_CONNECTION_STRING") {
        let kv = parse_connection_string(&cs);
        let get = |k: &str| kv.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
        let from = "AZURE_STORAGE_CONNECTION_STRING".to_string();
        if get("usedevelopmentstorage").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
            let endpoint = format!("http://127.0.0.1:10000/{}", DEV_ACCOUNT);
            if anonymous {
                return Ok(Account {
                    name: DEV_ACCOUNT.into(),
                    endpoint,
                    cred: Cred::Anonymous,
                    from: "--no-sign-request".into(),
                });
            }
            let cred = Cred::Key(decode_key(DEV_KEY, &from)?);
            return Ok(Account { name: DEV_ACCOUNT.into(), endpoint, cred, from });
        }
        let name = get("accountname").or_else(|| host_account.map(str::to_string));
        let endpoint = match (get("blobendpoint"), &name) {
            (Some(e), _) => e.trim_end_matches('/').to_string(),
            (None, Some(n)) => format!(
                "{}://{}.blob.{}",
                get("defaultendpointsprotocol").unwrap_or_else(|| "https".into()),
                n,
                get("endpointsuffix").unwrap_or_else(|| "core.windows.net".into())
            ),
            (None, None) => {
                return Err(Error::usage("AZURE_STORAGE_CONNECTION_STRING names neither AccountName nor BlobEndpoint"));
            }
        };
        let name = name.or_else(|| account_of_endpoint(&endpoint)).unwrap_or_default();
        let (cred, from) = if anonymous {
            (Cred::Anonymous, "--no-sign-request".to_string())
        } else if let Some(k) = get("accountkey") {
            (Cred::Key(decode_key(&k, &from)?), from)
        } else if let Some(sas) = get("sharedaccesssignature") {
            (Cred::Sas(sas.trim_start_matches('?').to_string()), from)
        } else {
            (Cred::Anonymous, format!("{} has no AccountKey or SharedAccessSignature", from))
        };
        return Ok(Account { name, endpoint, cred, from });
    }
    let Some(name) = host_account
        .map(str::to_string)
        .or_else(|| env("AZURE_STORAGE_ACCOUNT"))
        .or_else(|| env("AZURE_STORAGE_ACCOUNT_NAME"))
    else {
        return Err(Error::usage(
            "which Azure storage account? set AZURE_STORAGE_ACCOUNT (or AZURE_STORAGE_CONNECTION_STRING), \
             or give https://ACCOUNT.blob.core.windows.net/container/blob",
        ));
    };
    let endpoint = format!("https://{}.blob.core.windows.net", name);
    if anonymous {
        return Ok(Account { name, endpoint, cred: Cred::Anonymous, from: "--no-sign-request".into() });
    }
    for var in ["AZURE_STORAGE_KEY", "AZURE_STORAGE_ACCOUNT_KEY", "AZURE_STORAGE_ACCESS_KEY"] {
        if let Some(k) = env(var) {
            let cred = Cred::Key(decode_key(&k, var)?);
            return Ok(Account { name, endpoint, cred, from: var.into() });
        }
    }
    if let Some(sas) = env("AZURE_STORAGE_SAS_TOKEN") {
        let cred = Cred::Sas(sas.trim_start_matches('?').to_string());
        return Ok(Account { name, endpoint, cred, from: "AZURE_STORAGE_SAS_TOKEN".into() });
    }
    use object_store::azure::MicrosoftAzureBuilder;
    let builder = MicrosoftAzureBuilder::new().with_account(&name).with_container_name("cogtool");
    let (client, tenant) = (env("AZURE_CLIENT_ID"), env("AZURE_TENANT_ID"));
    let chosen = match (client, tenant, env("AZURE_FEDERATED_TOKEN_FILE"), env("AZURE_CLIENT_SECRET")) {
        (Some(c), Some(t), Some(file), _) => Some((
            builder.with_client_id(c).with_tenant_id(t).with_federated_token_file(file),
            "workload identity (AZURE_FEDERATED_TOKEN_FILE)",
        )),
        (Some(c), Some(t), None, Some(secret)) => Some((
            builder.with_client_id(c).with_tenant_id(t).with_client_secret(secret),
            "the service principal in AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET",
        )),
        _ if env("IDENTITY_ENDPOINT").is_some() || env("MSI_ENDPOINT").is_some() => {
            let mut b = builder;
            if let Some(e) = env("IDENTITY_ENDPOINT").or_else(|| env("MSI_ENDPOINT")) {
                b = b.with_msi_endpoint(e);
            }
            if let Some(c) = env("AZURE_CLIENT_ID") {
                b = b.with_client_id(c);
            }
            Some((b, "managed identity"))
        }
        _ if super::cloud::dmi_says("sys_vendor", "Microsoft Corporation") => {
            Some((builder, "managed identity (Azure instance metadata)"))
        }
        _ => None,
    };
    match chosen {
        Some((b, from)) => {
            let store = b.build().map_err(|e| Error::usage(format!("Azure credentials from {}: {}", from, e)))?;
            Ok(Account { name, endpoint, cred: Cred::Bearer(store.credentials().clone()), from: from.into() })
        }
        None => Ok(Account { name, endpoint, cred: Cred::Anonymous, from: "no Azure credentials were found".into() }),
    }
}

/// `devstoreaccount1` of `http://127.0.0.1:10000/devstoreaccount1`, or
/// `acct` of `https://acct.blob.core.windows.net`.
fn account_of_endpoint(endpoint: &str) -> Option<String> {
    let rest = endpoint.split_once("://")?.1;
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let first = path.split('/').next().filter(|s| !s.is_empty());
    first.map(str::to_string).or_else(|| host.split('.').next().map(str::to_string))
}

/// The `Authorization` header value of Shared Key for `call` (whose
/// headers must already hold `x-ms-date` and `x-ms-version`).
pub(crate) fn shared_key(account: &str, key: &[u8], call: &Call) -> String {
    let h = |name: &str| {
        call.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or_default().to_string()
    };
    let length = if call.body.is_empty() { String::new() } else { call.body.len().to_string() };
    let mut ms: Vec<(&str, &str)> =
        call.headers.iter().filter(|(k, _)| k.starts_with("x-ms-")).map(|(k, v)| (k.as_str(), v.trim())).collect();
    ms.sort();
    let mut s = format!(
        "{}\n{}\n{}\n{}\n{}\n{}\n\n{}\n{}\n{}\n{}\n{}\n{}\n",
        call.method,
        h("content-encoding"),
        h("content-language"),
        length,
        h("content-md5"),
        h("content-type"),
        h("if-modified-since"),
        h("if-match"),
        h("if-none-match"),
        h("if-unmodified-since"),
        h("range"),
        ms.iter().map(|(k, v)| format!("{}:{}", k, v)).collect::<Vec<_>>().join("\n"),
    );
    // Canonical resource: /account/path, then the query's parameters,
    // lower-cased and sorted, decoded.
    let url = call.url.split_once("://").map(|x| x.1).unwrap_or(&call.url);
    let (path_q, _) = (url.find('/').map(|i| &url[i..]).unwrap_or("/"), ());
    let (path, query) = path_q.split_once('?').unwrap_or((path_q, ""));
    s.push_str(&format!("/{}{}", account, path));
    let mut params: Vec<(String, String)> = query
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            let dec = |x: &str| percent_encoding::percent_decode_str(x).decode_utf8_lossy().into_owned();
            (dec(k).to_ascii_lowercase(), dec(v))
        })
        .collect();
    params.sort();
    for (k, v) in params {
        s.push_str(&format!("\n{}:{}", k, v));
    }
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(s.as_bytes());
    format!("SharedKey {}:{}", account, aws_smithy_types::base64::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_strings_and_endpoints() {
        let kv =
            parse_connection_string("DefaultEndpointsProtocol=https;AccountName=a;AccountKey=k==;EndpointSuffix=x");
        assert_eq!(kv[1], ("accountname".into(), "a".into()));
        assert_eq!(kv[2], ("accountkey".into(), "k==".into()));
        assert_eq!(account_of_endpoint("http://127.0.0.1:10000/devstoreaccount1").as_deref(), Some("devstoreaccount1"));
        assert_eq!(account_of_endpoint("https://acct.blob.core.windows.net").as_deref(), Some("acct"));
    }

    /// The signature depends on the key and on the request (Azurite checks
    /// it for real in tests/remote/remote_clouds.rs).
    #[test]
    fn shared_key_depends_on_key_and_request() {
        let call = Call::new(
            reqwest::Method::GET,
            "https://a.blob.core.windows.net/c/b%20x.tif?comp=block&blockid=QQ%3D%3D".into(),
        )
        .header("x-ms-date", "Fri, 04 Dec 2026 10:00:00 GMT")
        .header("x-ms-version", API_VERSION);
        let a = shared_key("a", b"key", &call);
        assert!(a.starts_with("SharedKey a:"));
        assert_eq!(a, shared_key("a", b"key", &call));
        assert_ne!(a, shared_key("a", b"other", &call));
        let other = call.clone().header("if-match", "\"0x1\"");
        assert_ne!(a, shared_key("a", b"key", &other));
    }
}
