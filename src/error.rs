//! One error type for the library. Every message is written to be read on
//! one line after the source's name (`cogtool: x.tif: <message>`), so it
//! carries the offsets and counts that explain the problem.

use std::fmt;
use std::sync::Arc;

/// What went wrong, coarsely: the command layer maps this to exit codes and
/// `validate` maps `Format`/`Limit` to the `not-tiff` finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The bytes could not be read (missing file, permission, network).
    Io,
    /// The bytes are not a well-formed TIFF, or a structure points outside it.
    Format,
    /// A declared size is beyond what cogtool agrees to allocate or loop over.
    Limit,
    /// Well-formed, but uses something cogtool does not implement.
    Unsupported,
    /// The request itself is wrong (a bad option, a malformed list).
    Usage,
    /// The request is well-formed but names something the file does not
    /// have: a tile outside the grid, a sparse tile, a level or mask that
    /// is not there, tiles in a striped file.
    NoSuchTile,
    /// The caller cancelled the work ([`crate::Cancel`]); whatever was
    /// being written was removed.
    Interrupted,
}

#[derive(Debug, Clone)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
    /// The underlying error (an I/O error, a client's error), for callers
    /// that walk [`std::error::Error::source`]; the message already says
    /// what matters to a user.
    pub cause: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// Messages are folded to one line: third-party decoders sometimes put
    /// newlines in theirs, and every error must print as one line.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        let mut message: String = message.into();
        if message.contains(['\n', '\r']) {
            message =
                message.split(['\n', '\r']).map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" ");
        }
        Error { kind, message, cause: None }
    }
    pub fn format(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Format, message)
    }
    pub fn io(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Io, message)
    }
    pub fn limit(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Limit, message)
    }
    pub fn unsupported(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unsupported, message)
    }
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Usage, message)
    }
    pub fn no_such_tile(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NoSuchTile, message)
    }
    pub fn interrupted(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Interrupted, message)
    }
    /// The same error, remembering `cause` as its source.
    pub fn caused_by(mut self, cause: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.cause = Some(Arc::new(cause));
        self
    }
    /// True when the content (not the transport) is at fault.
    pub fn is_content(&self) -> bool {
        matches!(self.kind, ErrorKind::Format | ErrorKind::Limit | ErrorKind::Unsupported)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.cause.as_deref().map(|c| c as &(dyn std::error::Error + 'static))
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::io(crate::error::describe_io(&e)).caused_by(e)
    }
}

/// Short, lower-case text for an I/O error without Rust's "(os error 2)".
pub fn describe_io(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::NotFound => "no such file or directory".into(),
        K::PermissionDenied => "permission denied".into(),
        K::UnexpectedEof => "unexpected end of file".into(),
        _ => {
            let s = e.to_string();
            match s.find(" (os error") {
                Some(i) => s[..i].to_string(),
                None => s,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn an_io_error_stays_the_source() {
        let e: Error = std::io::Error::new(std::io::ErrorKind::NotFound, "gone").into();
        assert_eq!(e.message, "no such file or directory");
        let src = e.source().expect("a source");
        assert_eq!(src.to_string(), "gone");
        assert!(Error::usage("x").source().is_none());
    }
}
