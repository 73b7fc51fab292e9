//! Every TIFF field type (BYTE..IFD8), inline and out of line, in both byte
//! orders, classic and BigTIFF: files built in memory, parsed by
//! `Tiff::open`, values compared with what was written.

use cogtool::source::{MemSource, Reader};
use cogtool::tiff::{ByteOrder, Tiff, Value};
use std::sync::Arc;

/// One field to write: tag, type code, count, value bytes in *little* endian
/// per element (element size given so they can be swapped for big endian).
struct Field {
    tag: u16,
    ty: u16,
    count: u64,
    elem: usize,
    le: Vec<u8>,
    want: Value,
}

fn field<T: Copy>(tag: u16, ty: u16, vals: &[T], to_le: impl Fn(T) -> Vec<u8>, want: Value) -> Field {
    let parts: Vec<Vec<u8>> = vals.iter().map(|&v| to_le(v)).collect();
    let elem = parts.first().map_or(1, |p| p.len());
    Field { tag, ty, count: vals.len() as u64, elem, le: parts.concat(), want }
}

fn fields() -> Vec<Field> {
    vec![
        field(1000, 1, &[1u8, 255], |v| vec![v], Value::Unsigned(vec![1, 255])),
        Field { tag: 1001, ty: 2, count: 6, elem: 1, le: b"hello\0".to_vec(), want: Value::Ascii("hello".into()) },
        field(1002, 3, &[1u16, 65535, 300], |v| v.to_le_bytes().to_vec(), Value::Unsigned(vec![1, 65535, 300])),
        field(
            1003,
            4,
            &[70000u32, u32::MAX],
            |v| v.to_le_bytes().to_vec(),
            Value::Unsigned(vec![70000, u32::MAX as u64]),
        ),
        field(
            1004,
            5,
            &[(1u32, 3u32), (72, 1)],
            |(n, d)| [n.to_le_bytes(), d.to_le_bytes()].concat(),
            Value::Rational(vec![(1, 3), (72, 1)]),
        ),
        field(1005, 6, &[-1i8, 127], |v| vec![v as u8], Value::Signed(vec![-1, 127])),
        Field {
            tag: 1006,
            ty: 7,
            count: 5,
            elem: 1,
            le: vec![0xde, 0xad, 0xbe, 0xef, 1],
            want: Value::Bytes(vec![0xde, 0xad, 0xbe, 0xef, 1]),
        },
        field(1007, 8, &[-2i16, 32767], |v| v.to_le_bytes().to_vec(), Value::Signed(vec![-2, 32767])),
        field(1008, 9, &[-70000i32], |v| v.to_le_bytes().to_vec(), Value::Signed(vec![-70000])),
        field(
            1009,
            10,
            &[(-1i32, 3i32)],
            |(n, d)| [n.to_le_bytes(), d.to_le_bytes()].concat(),
            Value::Rational(vec![(-1, 3)]),
        ),
        field(1010, 11, &[1.5f32, -0.25], |v| v.to_le_bytes().to_vec(), Value::Float(vec![1.5, -0.25])),
        field(
            1011,
            12,
            &[std::f64::consts::PI],
            |v| v.to_le_bytes().to_vec(),
            Value::Float(vec![std::f64::consts::PI]),
        ),
        field(1012, 13, &[8u32], |v| v.to_le_bytes().to_vec(), Value::Unsigned(vec![8])),
        field(1013, 16, &[1u64 << 40, 5], |v| v.to_le_bytes().to_vec(), Value::Unsigned(vec![1 << 40, 5])),
        field(1014, 17, &[-(1i64 << 40)], |v| v.to_le_bytes().to_vec(), Value::Signed(vec![-(1 << 40)])),
        field(1015, 18, &[16u64], |v| v.to_le_bytes().to_vec(), Value::Unsigned(vec![16])),
        // A 200-value SHORT array: out of line in both formats.
        field(
            1016,
            3,
            &(0..200u16).collect::<Vec<_>>(),
            |v| v.to_le_bytes().to_vec(),
            Value::Unsigned((0..200).collect()),
        ),
    ]
}

/// Element bytes in the file's order. Rationals swap each 4-byte half.
fn in_order(f: &Field, big: bool) -> Vec<u8> {
    if !big {
        return f.le.clone();
    }
    let unit = if f.ty == 5 || f.ty == 10 { 4 } else { f.elem };
    f.le.chunks(unit).flat_map(|c| c.iter().rev().copied().collect::<Vec<_>>()).collect()
}

fn build(big: bool, bigtiff: bool, fields: &[Field]) -> Vec<u8> {
    let u16b = |v: u16| if big { v.to_be_bytes().to_vec() } else { v.to_le_bytes().to_vec() };
    let u32b = |v: u32| if big { v.to_be_bytes().to_vec() } else { v.to_le_bytes().to_vec() };
    let u64b = |v: u64| if big { v.to_be_bytes().to_vec() } else { v.to_le_bytes().to_vec() };
    let mut out = if big { b"MM".to_vec() } else { b"II".to_vec() };
    let (first, entry_len, inline_cap) = if bigtiff { (16u64, 20u64, 8usize) } else { (8, 12, 4) };
    if bigtiff {
        out.extend(u16b(43));
        out.extend(u16b(8));
        out.extend(u16b(0));
        out.extend(u64b(first));
    } else {
        out.extend(u16b(42));
        out.extend(u32b(first as u32));
    }
    let n = fields.len() as u64;
    let dir_len = if bigtiff { 8 + n * entry_len + 8 } else { 2 + n * entry_len + 4 };
    let mut values_at = first + dir_len;
    let mut dir = if bigtiff { u64b(n) } else { u16b(n as u16) };
    let mut values = Vec::new();
    for f in fields {
        dir.extend(u16b(f.tag));
        dir.extend(u16b(f.ty));
        dir.extend(if bigtiff { u64b(f.count) } else { u32b(f.count as u32) });
        let bytes = in_order(f, big);
        if bytes.len() <= inline_cap {
            let mut v = bytes.clone();
            v.resize(inline_cap, 0);
            dir.extend(v);
        } else {
            dir.extend(if bigtiff { u64b(values_at) } else { u32b(values_at as u32) });
            values.extend(&bytes);
            values_at += bytes.len() as u64;
            if values_at % 2 == 1 {
                values.push(0);
                values_at += 1;
            }
        }
    }
    dir.extend(if bigtiff { u64b(0) } else { u32b(0) });
    out.extend(dir);
    out.extend(values);
    out
}

#[test]
fn every_field_type_in_every_layout() {
    for big in [false, true] {
        for bigtiff in [false, true] {
            let fs = fields();
            let bytes = build(big, bigtiff, &fs);
            let size = bytes.len() as u64;
            let reader = Arc::new(Reader::new(Arc::new(MemSource::new(bytes)), 16 * 1024, false));
            let t = Tiff::open(reader).unwrap_or_else(|e| panic!("big={} bigtiff={}: {}", big, bigtiff, e));
            assert_eq!(t.byte_order, if big { ByteOrder::Big } else { ByteOrder::Little });
            assert_eq!(t.bigtiff, bigtiff);
            assert_eq!(t.file_size, size);
            assert_eq!(t.ifds.len(), 1);
            let ifd = &t.ifds[0];
            assert_eq!(ifd.entries.len(), fs.len());
            for f in &fs {
                let e = ifd.entry(f.tag).unwrap();
                assert_eq!(e.count, f.count, "tag {}", f.tag);
                assert_eq!(e.type_code, f.ty);
                let got = t.entry_value(e).unwrap();
                assert_eq!(got, f.want, "tag {} type {} big={} bigtiff={}", f.tag, f.ty, big, bigtiff);
                // Ranged access agrees with the whole value for integer arrays.
                if let Value::Unsigned(all) = &f.want {
                    let last = all.len() as u64 - 1;
                    assert_eq!(t.entry_u64_at(e, last).unwrap(), all[last as usize]);
                    assert_eq!(t.entry_u64_range(e, 0, last + 1).unwrap(), *all);
                }
            }
        }
    }
}

#[test]
fn unknown_field_type_is_kept_raw_and_errors_only_on_access() {
    let mut fs = fields();
    fs.truncate(3);
    fs.push(Field { tag: 2000, ty: 99, count: 3, elem: 1, le: vec![1, 2, 3], want: Value::Bytes(vec![]) });
    let bytes = build(false, false, &fs);
    let reader = Arc::new(Reader::new(Arc::new(MemSource::new(bytes)), 16 * 1024, false));
    let t = Tiff::open(reader).unwrap();
    let e = t.ifds[0].entry(2000).unwrap();
    assert!(e.field_type.is_none());
    assert_eq!(e.count, 3);
    let err = t.entry_value(e).unwrap_err();
    assert!(err.message.contains("unknown field type 99"), "{}", err.message);
}
