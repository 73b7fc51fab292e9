//! Byte order, field types and tag values.

use serde_json::{Value as Json, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteOrder {
    Little,
    Big,
}

impl ByteOrder {
    pub fn u16(self, b: &[u8]) -> u16 {
        let a = [b[0], b[1]];
        match self {
            ByteOrder::Little => u16::from_le_bytes(a),
            ByteOrder::Big => u16::from_be_bytes(a),
        }
    }
    pub fn u32(self, b: &[u8]) -> u32 {
        let a = [b[0], b[1], b[2], b[3]];
        match self {
            ByteOrder::Little => u32::from_le_bytes(a),
            ByteOrder::Big => u32::from_be_bytes(a),
        }
    }
    pub fn u64(self, b: &[u8]) -> u64 {
        let mut a = [0u8; 8];
        a.copy_from_slice(&b[..8]);
        match self {
            ByteOrder::Little => u64::from_le_bytes(a),
            ByteOrder::Big => u64::from_be_bytes(a),
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            ByteOrder::Little => "little",
            ByteOrder::Big => "big",
        }
    }
}

/// TIFF field types (TIFF 6 plus BigTIFF's LONG8/SLONG8/IFD8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Byte = 1,
    Ascii = 2,
    Short = 3,
    Long = 4,
    Rational = 5,
    SByte = 6,
    Undefined = 7,
    SShort = 8,
    SLong = 9,
    SRational = 10,
    Float = 11,
    Double = 12,
    Ifd = 13,
    Long8 = 16,
    SLong8 = 17,
    Ifd8 = 18,
}

impl FieldType {
    pub fn from_code(code: u16) -> Option<FieldType> {
        use FieldType::*;
        Some(match code {
            1 => Byte,
            2 => Ascii,
            3 => Short,
            4 => Long,
            5 => Rational,
            6 => SByte,
            7 => Undefined,
            8 => SShort,
            9 => SLong,
            10 => SRational,
            11 => Float,
            12 => Double,
            13 => Ifd,
            16 => Long8,
            17 => SLong8,
            18 => Ifd8,
            _ => return None,
        })
    }
    /// Bytes per value.
    pub fn size(self) -> u64 {
        use FieldType::*;
        match self {
            Byte | Ascii | SByte | Undefined => 1,
            Short | SShort => 2,
            Long | SLong | Float | Ifd => 4,
            Rational | SRational | Double | Long8 | SLong8 | Ifd8 => 8,
        }
    }
    pub fn name(self) -> &'static str {
        use FieldType::*;
        match self {
            Byte => "BYTE",
            Ascii => "ASCII",
            Short => "SHORT",
            Long => "LONG",
            Rational => "RATIONAL",
            SByte => "SBYTE",
            Undefined => "UNDEFINED",
            SShort => "SSHORT",
            SLong => "SLONG",
            SRational => "SRATIONAL",
            Float => "FLOAT",
            Double => "DOUBLE",
            Ifd => "IFD",
            Long8 => "LONG8",
            SLong8 => "SLONG8",
            Ifd8 => "IFD8",
        }
    }
}

/// A decoded tag value. Integers of every width are widened so callers do
/// not care whether a writer chose SHORT, LONG or LONG8.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// BYTE, SHORT, LONG, LONG8, IFD, IFD8.
    Unsigned(Vec<u64>),
    /// SBYTE, SSHORT, SLONG, SLONG8.
    Signed(Vec<i64>),
    /// RATIONAL and SRATIONAL as numerator/denominator pairs.
    Rational(Vec<(i64, i64)>),
    /// FLOAT and DOUBLE.
    Float(Vec<f64>),
    /// ASCII, with the trailing NUL removed (several strings stay NUL-separated).
    Ascii(String),
    /// UNDEFINED, kept raw.
    Bytes(Vec<u8>),
}

impl Value {
    pub fn len(&self) -> usize {
        match self {
            Value::Unsigned(v) => v.len(),
            Value::Signed(v) => v.len(),
            Value::Rational(v) => v.len(),
            Value::Float(v) => v.len(),
            Value::Ascii(s) => s.len(),
            Value::Bytes(b) => b.len(),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The i-th value as u64, if it is a non-negative integer.
    pub fn get_u64(&self, i: usize) -> Option<u64> {
        match self {
            Value::Unsigned(v) => v.get(i).copied(),
            Value::Signed(v) => v.get(i).and_then(|&x| u64::try_from(x).ok()),
            Value::Bytes(b) => b.get(i).map(|&x| x as u64),
            _ => None,
        }
    }
    pub fn first_u64(&self) -> Option<u64> {
        self.get_u64(0)
    }
    /// Every value as f64 (rationals divided out).
    pub fn as_f64s(&self) -> Vec<f64> {
        match self {
            Value::Unsigned(v) => v.iter().map(|&x| x as f64).collect(),
            Value::Signed(v) => v.iter().map(|&x| x as f64).collect(),
            Value::Rational(v) => v.iter().map(|&(n, d)| if d == 0 { f64::NAN } else { n as f64 / d as f64 }).collect(),
            Value::Float(v) => v.clone(),
            Value::Bytes(b) => b.iter().map(|&x| x as f64).collect(),
            Value::Ascii(_) => Vec::new(),
        }
    }
    pub fn as_u64s(&self) -> Vec<u64> {
        match self {
            Value::Unsigned(v) => v.clone(),
            Value::Signed(v) => v.iter().map(|&x| x.max(0) as u64).collect(),
            Value::Bytes(b) => b.iter().map(|&x| x as u64).collect(),
            _ => Vec::new(),
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Ascii(s) => Some(s),
            _ => None,
        }
    }

    /// JSON form; arrays longer than `max` (if given) are cut and marked.
    pub fn to_json(&self, max: Option<usize>) -> Json {
        fn cut<T: Clone + Into<Json>>(v: &[T], max: Option<usize>) -> Json {
            match max {
                Some(m) if v.len() > m => {
                    let mut a: Vec<Json> = v[..m].iter().cloned().map(Into::into).collect();
                    a.push(json!("..."));
                    Json::Array(a)
                }
                _ => Json::Array(v.iter().cloned().map(Into::into).collect()),
            }
        }
        let single = |j: Json| match j {
            Json::Array(mut a) if a.len() == 1 => a.pop().unwrap(),
            other => other,
        };
        match self {
            Value::Unsigned(v) => single(cut(v, max)),
            Value::Signed(v) => single(cut(v, max)),
            Value::Float(v) => {
                let f: Vec<Json> = v.iter().map(|&x| float_json(x)).collect();
                single(cut(&f, max))
            }
            Value::Rational(v) => {
                let r: Vec<Json> = v.iter().map(|&(n, d)| json!([n, d])).collect();
                single(cut(&r, max))
            }
            Value::Ascii(s) => json!(s),
            Value::Bytes(b) => cut(b, max),
        }
    }

    /// Text form as tiffdump prints it: values separated by spaces, cut
    /// after `max` values with ` ...`.
    pub fn to_text(&self, max: Option<usize>) -> String {
        fn join<T: std::fmt::Display>(v: &[T], max: Option<usize>) -> String {
            let n = max.map_or(v.len(), |m| m.min(v.len()));
            let mut s = v[..n].iter().map(|x| x.to_string()).collect::<Vec<_>>().join(" ");
            if n < v.len() {
                s.push_str(&format!(" ... ({} values)", v.len()));
            }
            s
        }
        match self {
            Value::Unsigned(v) => join(v, max),
            Value::Signed(v) => join(v, max),
            Value::Float(v) => join(v, max),
            Value::Rational(v) => {
                let r: Vec<String> = v.iter().map(|(n, d)| format!("{}/{}", n, d)).collect();
                join(&r, max)
            }
            Value::Ascii(s) => {
                let limit = max.map(|m| m * 40).unwrap_or(usize::MAX);
                if s.len() > limit {
                    let mut end = limit;
                    while !s.is_char_boundary(end) {
                        end -= 1;
                    }
                    format!("{:?} ... ({} bytes)", &s[..end], s.len())
                } else {
                    format!("{:?}", s)
                }
            }
            Value::Bytes(b) => join(b, max),
        }
    }
}

/// JSON has no NaN/Infinity: those become strings.
pub fn float_json(x: f64) -> Json {
    if x.is_finite() {
        json!(x)
    } else if x.is_nan() {
        json!("nan")
    } else if x > 0.0 {
        json!("inf")
    } else {
        json!("-inf")
    }
}
