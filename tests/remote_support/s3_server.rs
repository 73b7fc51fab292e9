//! An in-process S3 server for the tests: s3s-fs (objects are files under a
//! temporary directory; SigV4 enforced) wrapped to (a) allow anonymous
//! GetObject on the bucket `public` only, as a public-read bucket policy
//! would, (b) implement ListMultipartUploads, which s3s-fs lacks, by
//! tracking the uploads it saw created and not yet completed or aborted,
//! (c) count GetObject requests, (d) inject upload faults (a failing part,
//! a connection dropped in the middle of a part), and (e) check, as S3
//! does, the CRC32 each part and PutObject says its body has.

use s3s::access::{S3Access, S3AccessContext};
use s3s::dto::*;
use s3s::{S3, S3Request, S3Response, S3Result, s3_error};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub const ACCESS_KEY: &str = "AKIDCOGTOOLTEST";
pub const SECRET_KEY: &str = "cogtool-test-secret-key";

#[derive(Default)]
pub struct Control {
    /// GetObject requests seen: (bucket, key, range).
    pub gets: Vec<(String, String, Option<String>)>,
    /// Open multipart uploads: (bucket, key, upload id).
    pub uploads: Vec<(String, String, String)>,
    /// UploadPart of this part number fails (400, not retryable).
    pub fail_part: Option<i32>,
    /// Every UploadPart after this many have been received fails (400).
    pub fail_after: Option<usize>,
    /// Told once when the first part arrives; parts are then held for a
    /// moment so a cancellation catches them in flight.
    pub on_first_part: Option<tokio::sync::oneshot::Sender<()>>,
    pub parts_received: usize,
    /// The next `drops_left` UploadPart requests have their connection
    /// dropped once the body is read.
    pub drops_left: usize,
    /// Every UploadPart and PutObject body seen: (part number, 0 for a
    /// PutObject; body length; the x-amz-checksum-crc32 sent, if any;
    /// whether it matched the body; when it arrived).
    pub bodies: Vec<Received>,
}

#[derive(Debug, Clone)]
pub struct Received {
    pub number: i32,
    pub len: usize,
    pub crc32: Option<String>,
    pub crc32_ok: bool,
    pub at: std::time::Instant,
}

/// Read a request body whole and give it back (to check its checksum).
async fn take_body(body: &mut Option<StreamingBlob>) -> Vec<u8> {
    use futures::StreamExt;
    let mut data = Vec::new();
    if let Some(mut b) = body.take() {
        while let Some(chunk) = b.next().await {
            data.extend_from_slice(&chunk.expect("request body"));
        }
    }
    *body = Some(StreamingBlob::from(s3s::Body::from(data.clone())));
    data
}

fn crc32_of(data: &[u8]) -> String {
    aws_smithy_types::base64::encode(crc32fast::hash(data).to_be_bytes())
}

/// Check the body's CRC32 like S3: a checksum that does not match is
/// refused (BadDigest); record what came.
fn check_crc(control: &Mutex<Control>, number: i32, data: &[u8], sent: &Option<String>) -> S3Result<()> {
    let ok = sent.as_deref() == Some(crc32_of(data).as_str());
    control.lock().unwrap().bodies.push(Received {
        number,
        len: data.len(),
        crc32: sent.clone(),
        crc32_ok: ok,
        at: std::time::Instant::now(),
    });
    if sent.is_some() && !ok {
        return Err(s3_error!(BadDigest, "the CRC32 you specified did not match the calculated checksum"));
    }
    Ok(())
}

struct Wrapped {
    fs: s3s_fs::FileSystem,
    root: PathBuf,
    control: Arc<Mutex<Control>>,
}

impl Wrapped {
    fn fs_path(&self, bucket: &str, key: &str) -> PathBuf {
        self.root.join(bucket).join(key)
    }

    /// S3's rules for CompleteMultipartUpload that s3s-fs does not check
    /// (part numbers ascending, every part but the last at least 5 MiB),
    /// and the one it gets wrong: S3 allows gaps in the part numbers,
    /// s3s-fs wants 1, 2, 3... So the parts are checked, then their files
    /// renumbered consecutively before s3s-fs joins them.
    fn renumber_parts(&self, req: &mut S3Request<CompleteMultipartUploadInput>) -> S3Result<()> {
        let id = req.input.upload_id.clone();
        let Some(parts) = req.input.multipart_upload.as_mut().and_then(|m| m.parts.as_mut()) else {
            return Ok(());
        };
        let numbers: Vec<i32> = parts.iter().map(|p| p.part_number.unwrap_or(0)).collect();
        if numbers.windows(2).any(|w| w[0] >= w[1]) {
            return Err(s3_error!(InvalidPartOrder, "The list of parts was not in ascending order"));
        }
        let file = |n: i32| self.root.join(format!(".upload_id-{}.part-{}", id, n));
        for (i, &n) in numbers.iter().enumerate() {
            let len = std::fs::metadata(file(n)).map(|m| m.len()).map_err(|_| s3_error!(InvalidPart))?;
            if i + 1 < numbers.len() && len < 5 << 20 {
                return Err(s3_error!(EntityTooSmall, "part {} has {} bytes, below the 5 MiB minimum", n, len));
            }
        }
        for &n in &numbers {
            std::fs::rename(file(n), self.root.join(format!(".renumber-{}-{}", id, n))).unwrap();
        }
        for (i, (&n, part)) in numbers.iter().zip(parts.iter_mut()).enumerate() {
            std::fs::rename(self.root.join(format!(".renumber-{}-{}", id, n)), file(i as i32 + 1)).unwrap();
            part.part_number = Some(i as i32 + 1);
        }
        Ok(())
    }
}

fn range_text(r: &Option<Range>) -> Option<String> {
    r.as_ref().map(|r| match r {
        Range::Int { first, last } => format!("bytes={}-{}", first, last.map(|l| l.to_string()).unwrap_or_default()),
        Range::Suffix { length } => format!("bytes=-{}", length),
    })
}

#[async_trait::async_trait]
impl S3 for Wrapped {
    async fn get_object(&self, req: S3Request<GetObjectInput>) -> S3Result<S3Response<GetObjectOutput>> {
        let i = &req.input;
        self.control.lock().unwrap().gets.push((i.bucket.clone(), i.key.clone(), range_text(&i.range)));
        self.fs.get_object(req).await
    }
    async fn head_object(&self, req: S3Request<HeadObjectInput>) -> S3Result<S3Response<HeadObjectOutput>> {
        self.fs.head_object(req).await
    }
    async fn put_object(&self, mut req: S3Request<PutObjectInput>) -> S3Result<S3Response<PutObjectOutput>> {
        let data = take_body(&mut req.input.body).await;
        check_crc(&self.control, 0, &data, &req.input.checksum_crc32)?;
        // If-None-Match: * (s3s-fs ignores it): refuse an existing key.
        let exists = self.fs_path(&req.input.bucket, &req.input.key).exists();
        if req.input.if_none_match.is_some() && exists {
            return Err(s3_error!(PreconditionFailed, "At least one of the pre-conditions you specified did not hold"));
        }
        self.fs.put_object(req).await
    }
    async fn delete_object(&self, req: S3Request<DeleteObjectInput>) -> S3Result<S3Response<DeleteObjectOutput>> {
        self.fs.delete_object(req).await
    }
    async fn create_bucket(&self, req: S3Request<CreateBucketInput>) -> S3Result<S3Response<CreateBucketOutput>> {
        self.fs.create_bucket(req).await
    }
    async fn list_objects_v2(&self, req: S3Request<ListObjectsV2Input>) -> S3Result<S3Response<ListObjectsV2Output>> {
        self.fs.list_objects_v2(req).await
    }
    async fn create_multipart_upload(
        &self,
        req: S3Request<CreateMultipartUploadInput>,
    ) -> S3Result<S3Response<CreateMultipartUploadOutput>> {
        let (b, k) = (req.input.bucket.clone(), req.input.key.clone());
        let r = self.fs.create_multipart_upload(req).await?;
        if let Some(id) = &r.output.upload_id {
            self.control.lock().unwrap().uploads.push((b, k, id.clone()));
        }
        Ok(r)
    }
    async fn upload_part(&self, mut req: S3Request<UploadPartInput>) -> S3Result<S3Response<UploadPartOutput>> {
        let n = req.input.part_number;
        let data = take_body(&mut req.input.body).await;
        {
            let mut c = self.control.lock().unwrap();
            if c.drops_left > 0 {
                c.drops_left -= 1;
                drop(c);
                // Ends this connection's task: the client sees the
                // connection close in the middle of its request.
                std::panic::resume_unwind(Box::new("cogtool test server: connection dropped on purpose"));
            }
        }
        check_crc(&self.control, n, &data, &req.input.checksum_crc32)?;
        let hold = {
            let mut c = self.control.lock().unwrap();
            c.parts_received += 1;
            if c.fail_part == Some(n) || c.fail_after.is_some_and(|k| c.parts_received > k) {
                return Err(s3_error!(InvalidArgument, "injected failure of part {}", n));
            }
            match c.on_first_part.take() {
                Some(tx) => {
                    let _ = tx.send(());
                    true
                }
                None => false,
            }
        };
        if hold {
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
        self.fs.upload_part(req).await
    }
    async fn upload_part_copy(
        &self,
        req: S3Request<UploadPartCopyInput>,
    ) -> S3Result<S3Response<UploadPartCopyOutput>> {
        self.fs.upload_part_copy(req).await
    }
    async fn complete_multipart_upload(
        &self,
        mut req: S3Request<CompleteMultipartUploadInput>,
    ) -> S3Result<S3Response<CompleteMultipartUploadOutput>> {
        let id = req.input.upload_id.clone();
        let exists = self.fs_path(&req.input.bucket, &req.input.key).exists();
        if req.input.if_none_match.is_some() && exists {
            return Err(s3_error!(PreconditionFailed, "At least one of the pre-conditions you specified did not hold"));
        }
        self.renumber_parts(&mut req)?;
        let r = self.fs.complete_multipart_upload(req).await?;
        self.control.lock().unwrap().uploads.retain(|u| u.2 != id);
        Ok(r)
    }
    async fn abort_multipart_upload(
        &self,
        req: S3Request<AbortMultipartUploadInput>,
    ) -> S3Result<S3Response<AbortMultipartUploadOutput>> {
        let id = req.input.upload_id.clone();
        let r = self.fs.abort_multipart_upload(req).await?;
        self.control.lock().unwrap().uploads.retain(|u| u.2 != id);
        Ok(r)
    }
    async fn list_multipart_uploads(
        &self,
        req: S3Request<ListMultipartUploadsInput>,
    ) -> S3Result<S3Response<ListMultipartUploadsOutput>> {
        let bucket = req.input.bucket;
        let uploads: Vec<MultipartUpload> = self
            .control
            .lock()
            .unwrap()
            .uploads
            .iter()
            .filter(|u| u.0 == bucket)
            .map(|u| MultipartUpload { key: Some(u.1.clone()), upload_id: Some(u.2.clone()), ..Default::default() })
            .collect();
        Ok(S3Response::new(ListMultipartUploadsOutput {
            bucket: Some(bucket),
            uploads: Some(uploads),
            ..Default::default()
        }))
    }
}

/// Anonymous requests may only GetObject in the bucket `public`.
struct PublicBucketPolicy;

#[async_trait::async_trait]
impl S3Access for PublicBucketPolicy {
    async fn check(&self, cx: &mut S3AccessContext<'_>) -> S3Result<()> {
        if cx.credentials().is_some() {
            return Ok(());
        }
        let public = matches!(cx.s3_path(), s3s::path::S3Path::Object { bucket, .. } if bucket.as_ref() == "public");
        // s3:GetObject also grants HeadObject, as on AWS.
        if public && matches!(cx.s3_op().name(), "GetObject" | "HeadObject") {
            Ok(())
        } else {
            Err(s3_error!(AccessDenied, "Signature is required"))
        }
    }
}

pub struct S3Server {
    pub endpoint: String,
    pub root: PathBuf,
    pub control: Arc<Mutex<Control>>,
    _runtime: tokio::runtime::Runtime,
    _dir: tempfile::TempDir,
}

impl S3Server {
    /// Start on 127.0.0.1 with buckets `private` and `public`.
    pub fn start() -> S3Server {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        for b in ["private", "public"] {
            std::fs::create_dir(root.join(b)).unwrap();
        }
        let control = Arc::new(Mutex::new(Control::default()));
        let fs = s3s_fs::FileSystem::new(&root).unwrap();
        let mut b = s3s::service::S3ServiceBuilder::new(Wrapped { fs, root: root.clone(), control: control.clone() });
        b.set_auth(s3s::auth::SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
        b.set_access(PublicBucketPolicy);
        let service = b.build();
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
        let addr = listener.local_addr().unwrap();
        runtime.spawn(async move {
            use hyper_util::rt::{TokioExecutor, TokioIo};
            let http = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
            loop {
                let Ok((socket, _)) = listener.accept().await else { continue };
                let conn = http.serve_connection(TokioIo::new(socket), service.clone()).into_owned();
                tokio::spawn(async move {
                    let _ = conn.await;
                });
            }
        });
        S3Server { endpoint: format!("http://{}", addr), root, control, _runtime: runtime, _dir: dir }
    }

    /// Place a file as object `bucket/key`.
    pub fn put_file(&self, bucket: &str, key: &str, src: &Path) {
        let dst = self.root.join(bucket).join(key);
        std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
        std::fs::copy(src, dst).unwrap();
    }

    pub fn object_path(&self, bucket: &str, key: &str) -> PathBuf {
        self.root.join(bucket).join(key)
    }

    pub fn gets(&self, bucket: &str, key: &str) -> Vec<Option<String>> {
        let c = self.control.lock().unwrap();
        c.gets.iter().filter(|g| g.0 == bucket && g.1 == key).map(|g| g.2.clone()).collect()
    }

    /// Leftover part files of s3s-fs (named `.upload_id-*`) under the root.
    pub fn leftover_parts(&self) -> Vec<String> {
        std::fs::read_dir(&self.root)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(".upload_id-"))
            .collect()
    }
}
