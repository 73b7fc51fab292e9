//! Rules every resampling method must keep, whatever GDAL does: constant
//! images stay constant, nodata / NaN / masked pixels never enter a result,
//! an all-invalid footprint gives nodata, odd and degenerate sizes work,
//! and computing a level in bands of rows gives the same as in one go.

use cogtool::create::pipeline::resample::{Level, Method, Pixel, Window, overview_level, resample, src_rows_needed};

fn lvl(width: usize, height: usize) -> Level {
    Level { width, height }
}

/// Whole destination level in one call.
fn whole<T: Pixel>(
    m: Method,
    src: Level,
    data: &[T],
    valid: Option<&[u8]>,
    bands: usize,
    dst: Level,
    nd: Option<f64>,
) -> (Vec<T>, Option<Vec<u8>>) {
    let win = Window { data, valid, y0: 0, rows: src.height };
    resample(m, src, &win, bands, dst, 0, dst.height, nd)
}

fn half(l: Level) -> Level {
    overview_level(l, 1)
}

#[test]
fn level_sizes_round_down_like_gdal_cog() {
    let full = lvl(1500, 1100);
    let got: Vec<_> = (1..=4).map(|k| overview_level(full, k)).collect();
    assert_eq!(got, vec![lvl(750, 550), lvl(375, 275), lvl(187, 137), lvl(93, 68)]);
    assert_eq!(overview_level(lvl(513, 513), 1), lvl(256, 256));
    assert_eq!(overview_level(lvl(4097, 33), 5), lvl(128, 1));
    assert_eq!(overview_level(lvl(1, 1), 3), lvl(1, 1));
    assert_eq!(overview_level(lvl(10, 10), 200), lvl(1, 1));
}

#[test]
fn constant_images_stay_constant() {
    for (w, h) in [(7, 5), (100, 80), (513, 3), (1, 9), (9, 1), (2, 2)] {
        let src = lvl(w, h);
        let dst = half(src);
        for m in Method::ALL {
            let data = vec![173u8; w * h * 3];
            let (o, _) = whole(m, src, &data, None, 3, dst, None);
            assert!(o.iter().all(|&v| v == 173), "{m:?} {w}x{h}: {o:?}");
            // RMS is a magnitude: a negative constant comes out positive.
            let sign = if m == Method::Rms { -1.0 } else { 1.0 };
            let data = vec![-12.25f32; w * h];
            let (o, _) = whole(m, src, &data, None, 1, dst, Some(-9999.0));
            assert!(o.iter().all(|&v| v == -12.25 * sign), "{m:?} {w}x{h} f32: {o:?}");
            let data = vec![-30000i16; w * h];
            let (o, _) = whole(m, src, &data, None, 1, dst, None);
            assert!(o.iter().all(|&v| v as f32 == -30000.0 * sign), "{m:?} {w}x{h} i16: {o:?}");
        }
    }
}

/// Half the image is 50, the other half nodata (a large value that would
/// drag any average up): no output may differ from 50 except nodata itself.
#[test]
fn nodata_never_bleeds() {
    let (w, h) = (41, 37);
    let nd = 250u8;
    let mut data = vec![50u8; w * h];
    for y in 0..h {
        for x in 0..w {
            if (x * 7 + y * 3) % 5 < 2 || x > 30 {
                data[y * w + x] = nd;
            }
        }
    }
    let src = lvl(w, h);
    for m in Method::ALL {
        for dst in [half(src), overview_level(src, 2), lvl(3, 2)] {
            let (o, _) = whole(m, src, &data, None, 1, dst, Some(nd as f64));
            assert!(o.iter().all(|&v| v == 50 || v == nd), "{m:?} -> {dst:?}: {o:?}");
            // Cubic and Lanczos refuse footprints without a long run of valid
            // samples (GDAL's rule): this comb has none.
            if !matches!(m, Method::Cubic | Method::Lanczos) {
                assert!(o.contains(&50), "{m:?}: everything became nodata");
            }
        }
    }
}

#[test]
fn all_nodata_windows_give_nodata() {
    // Left half nodata, wider than any kernel reaches (Lanczos: 3 * ratio).
    let src = lvl(40, 4);
    let data: Vec<i16> = (0..160).map(|i| if i % 40 < 20 { -5 } else { 100 + (i % 40) as i16 }).collect();
    for m in Method::ALL {
        let (o, _) = whole(m, src, &data, None, 1, lvl(10, 1), Some(-5.0));
        assert_eq!(o[0], -5, "{m:?}: {o:?}");
        assert!(o[9] >= 100, "{m:?}: {o:?}");
    }
}

#[test]
fn nan_is_always_ignored() {
    let src = lvl(6, 6);
    let mut data = vec![2.0f64; 36];
    for (i, v) in data.iter_mut().enumerate() {
        if i % 3 == 0 {
            *v = f64::NAN;
        }
    }
    // Top-left 2x2 block all NaN.
    for i in [0, 1, 6, 7] {
        data[i] = f64::NAN;
    }
    for m in Method::ALL {
        let (o, _) = whole(m, src, &data, None, 1, lvl(3, 3), None);
        if matches!(m, Method::Nearest | Method::Cubic | Method::Lanczos) {
            // Nearest copies, NaN included, like GDAL; Cubic/Lanczos find no
            // run of valid samples long enough in this comb.
            assert!(o.iter().all(|v| v.is_nan() || *v == 2.0), "{m:?}: {o:?}");
            continue;
        }
        assert!(o[1..].iter().all(|&v| v == 2.0), "{m:?}: {o:?}");
        // Box methods see only NaN in the first footprint: no data there
        // (NaN, as no nodata is set); kernels reach valid neighbours.
        if matches!(m, Method::Average | Method::Rms | Method::Mode) {
            assert!(o[0].is_nan(), "{m:?}: {o:?}");
        } else {
            assert_eq!(o[0], 2.0, "{m:?}");
        }
        // With a nodata value, empty footprints take it.
        let (o, _) = whole(m, src, &data, None, 1, lvl(3, 3), Some(-1.0));
        if matches!(m, Method::Average | Method::Rms | Method::Mode) {
            assert_eq!(o[0], -1.0, "{m:?}");
        }
    }
}

#[test]
fn masked_pixels_never_bleed_and_mask_overviews_follow() {
    let (w, h) = (10, 6);
    let src = lvl(w, h);
    // Masked pixels hold garbage values that must not show up.
    let mut data = vec![7u16; w * h * 2];
    let mut valid = vec![255u8; w * h];
    for y in 0..h {
        for x in 0..w {
            if x < 4 {
                valid[y * w + x] = 0;
                data[(y * w + x) * 2] = 60000;
                data[(y * w + x) * 2 + 1] = 1;
            }
        }
    }
    for m in Method::ALL {
        let (o, v) = whole(m, src, &data, Some(&valid), 2, lvl(5, 3), None);
        let v = v.expect("validity requested");
        for (i, &ok) in v.iter().enumerate() {
            let px = &o[i * 2..i * 2 + 2];
            if ok == 255 {
                // Whatever reached a valid output, masked garbage did not.
                assert_eq!(px, &[7, 7], "{m:?}: {o:?}");
            } else if m != Method::Nearest {
                assert_eq!(px, &[0, 0], "{m:?}: {o:?}");
            }
            // Footprints: box methods and nearest see x in [2i, 2i+2), so
            // destination columns 0 and 1 are fully masked; kernels centred
            // on column 1 reach valid source pixels with a positive total
            // weight, so only column 0 stays invalid; the B-spline, never
            // negative, reaches from column 0 too.
            let x = i % 5;
            let expect_valid = match m {
                Method::Nearest | Method::Average | Method::Rms | Method::Mode => x >= 2,
                Method::CubicSpline => true,
                _ => x >= 1,
            };
            assert_eq!(ok == 255, expect_valid, "{m:?}: validity {v:?}");
        }
    }
}

#[test]
fn one_pixel_wide_and_high_images() {
    for (w, h) in [(1, 1), (1, 50), (50, 1), (2, 1), (1, 2), (3, 3)] {
        let src = lvl(w, h);
        let dst = half(src);
        let data: Vec<u8> = (0..w * h).map(|i| (i * 5 % 200) as u8).collect();
        for m in Method::ALL {
            let (o, _) = whole(m, src, &data, None, 1, dst, None);
            assert_eq!(o.len(), dst.width * dst.height, "{m:?} {w}x{h}");
            let (lo, hi) = (*data.iter().min().unwrap(), *data.iter().max().unwrap());
            assert!(o.iter().all(|&v| v >= lo && v <= hi), "{m:?} {w}x{h}: {o:?} outside {lo}..{hi}");
        }
    }
}

#[test]
fn known_values() {
    // 4x4 -> 2x2, exact factor 2.
    let src = lvl(4, 4);
    let data: Vec<u8> = vec![1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
    let (o, _) = whole(Method::Nearest, src, &data, None, 1, lvl(2, 2), None);
    assert_eq!(o, vec![1, 3, 9, 11]);
    let (o, _) = whole(Method::Average, src, &data, None, 1, lvl(2, 2), None);
    // (1+2+5+6)/4 = 3.5 rounds up, as GDAL's (sum + 2) / 4.
    assert_eq!(o, vec![4, 6, 12, 14]);
    let (o, _) = whole(Method::Rms, src, &data, None, 1, lvl(2, 2), None);
    // sqrt((1+4+25+36)/4) = 4.06
    assert_eq!(o, vec![4, 6, 12, 14]);
    // Mode: ties go to the value that reached the top count first.
    let data: Vec<u8> = vec![3, 3, 9, 8, 1, 1, 8, 9, 0, 0, 0, 0, 0, 0, 0, 0];
    let (o, _) = whole(Method::Mode, src, &data, None, 1, lvl(2, 2), Some(0.0));
    assert_eq!(o, vec![3, 8, 0, 0]);
    // GDAL's weighted average for a 7x5 -> 4x3 (ratios 1.75, 1.667),
    // measured with GDAL 3.6.2: first row 23 35 47 59.
    let src = lvl(7, 5);
    let data: Vec<u8> = (0..35).map(|i| (i * 7 % 251) as u8).collect();
    let (o, _) = whole(Method::Average, src, &data, None, 1, lvl(4, 3), None);
    assert_eq!(o, vec![23, 35, 47, 59, 101, 113, 125, 137, 179, 191, 203, 215]);
}

#[test]
fn chunked_equals_whole() {
    let src = lvl(97, 83);
    let dst = half(src);
    let data: Vec<f32> = (0..97 * 83 * 2).map(|i| ((i * 7919) % 1000) as f32 * 0.5).collect();
    for m in Method::ALL {
        let (all, _) = whole(m, src, &data, None, 2, dst, Some(0.0));
        let mut parts = Vec::new();
        let mut y = 0;
        while y < dst.height {
            let y1 = (y + 5).min(dst.height);
            let (s0, s1) = src_rows_needed(m, src, dst, y, y1);
            let win = Window { data: &data[s0 * 97 * 2..s1 * 97 * 2], valid: None, y0: s0, rows: s1 - s0 };
            parts.extend(resample(m, src, &win, 2, dst, y, y1, Some(0.0)).0);
            y = y1;
        }
        assert_eq!(parts.len(), all.len());
        assert!(parts.iter().zip(&all).all(|(a, b)| a == b), "{m:?}: chunked result differs");
    }
}

#[test]
fn bad_windows_do_not_panic() {
    let src = lvl(10, 10);
    let data = vec![1u8; 30];
    // Claims 10 rows but holds 3.
    let win = Window { data: &data, valid: None, y0: 0, rows: 10 };
    for m in Method::ALL {
        let (o, _) = resample(m, src, &win, 1, lvl(5, 5), 0, 5, None);
        assert_eq!(o.len(), 25);
        // Zero-sized levels.
        let (o, _) = resample(m, lvl(0, 0), &win, 1, lvl(0, 0), 0, 0, None);
        assert!(o.is_empty());
        // Rows past the end are clipped.
        let win3 = Window { data: &data, valid: None, y0: 0, rows: 3 };
        let (o, _) = resample(m, lvl(10, 3), &win3, 1, lvl(5, 1), 0, 9, None);
        assert_eq!(o, vec![1; 5], "{m:?}");
    }
}

#[test]
fn integer_results_are_clamped() {
    // Cubic and Lanczos overshoot at sharp edges; results stay in range.
    let src = lvl(16, 1);
    let data: Vec<u8> = (0..16).map(|i| if i < 8 { 0 } else { 255 }).collect();
    for m in [Method::Cubic, Method::Lanczos] {
        let (o, _) = whole(m, src, &data, None, 1, lvl(8, 1), None);
        assert_eq!(o.len(), 8);
        // No wrap-around: ringing below 0 clamps to 0, above 255 to 255.
        assert!(o[..3].iter().all(|&v| v < 20) && o[5..].iter().all(|&v| v > 235), "{m:?}: {o:?}");
    }
}

#[test]
fn integer_conversion_rounds_half_away_and_clamps() {
    assert_eq!(u8::from_f64(2.5), 3);
    assert_eq!(u8::from_f64(2.4999), 2);
    assert_eq!(u8::from_f64(-3.0), 0);
    assert_eq!(u8::from_f64(255.6), 255);
    assert_eq!(u8::from_f64(f64::NAN), 0);
    assert_eq!(i16::from_f64(-2.5), -3);
    assert_eq!(i16::from_f64(-2.4), -2);
    assert_eq!(i16::from_f64(40000.0), i16::MAX);
    assert_eq!(i16::from_f64(-40000.0), i16::MIN);
    assert_eq!(u32::from_f64(1e12), u32::MAX);
    assert_eq!(i64::from_f64(-1e30), i64::MIN);
    assert_eq!(u64::from_f64(1e30), u64::MAX);
    assert_eq!(u64::from_f64(9007199254740993.0), 9007199254740992);
    assert_eq!(i8::from_f64(f64::INFINITY), i8::MAX);
    assert_eq!(f32::from_f64(0.1), 0.1f32);
}

#[test]
fn mean_of_four_matches_rounded_mean() {
    for q in [
        [1i16, 2, 5, 6],
        [-1, -2, -5, -6],
        [-1, 0, 0, 0],
        [-2, 0, 0, 0],
        [i16::MIN, i16::MIN, i16::MIN, i16::MAX],
        [3, 3, 3, 4],
    ] {
        let exact = q.iter().map(|&v| v as f64).sum::<f64>() / 4.0;
        assert_eq!(i16::mean4(q), i16::from_f64(exact), "{q:?}");
    }
    assert_eq!(u8::mean4([255, 255, 255, 254]), 255);
    assert_eq!(u64::mean4([u64::MAX; 4]), u64::MAX);
    assert_eq!(i64::mean4([i64::MIN; 4]), i64::MIN);
}

/// Bands of any height, at odd ratios, with nodata and a mask, give the
/// same pixels and mask as one call: `src_rows_needed` covers every tap.
#[test]
fn chunked_equals_whole_odd_ratios_with_mask() {
    let (w, h) = (83, 71);
    let src = lvl(w, h);
    let data: Vec<u16> = (0..w * h * 3).map(|i| ((i * 7919) % 5000) as u16).collect();
    let valid: Vec<u8> = (0..w * h).map(|i| if (i * 31) % 17 == 0 || i % w < 5 { 0 } else { 255 }).collect();
    for dst in [half(src), lvl(29, 23), lvl(10, 9), lvl(1, 1)] {
        for m in Method::ALL {
            let (all, all_v) = whole(m, src, &data, Some(&valid), 3, dst, Some(4999.0));
            for chunk in [1, 3, 7] {
                let (mut parts, mut parts_v) = (Vec::new(), Vec::new());
                let mut y = 0;
                while y < dst.height {
                    let y1 = (y + chunk).min(dst.height);
                    let (s0, s1) = src_rows_needed(m, src, dst, y, y1);
                    let win = Window {
                        data: &data[s0 * w * 3..s1 * w * 3],
                        valid: Some(&valid[s0 * w..s1 * w]),
                        y0: s0,
                        rows: s1 - s0,
                    };
                    let (p, v) = resample(m, src, &win, 3, dst, y, y1, Some(4999.0));
                    parts.extend(p);
                    parts_v.extend(v.unwrap());
                    y = y1;
                }
                assert!(parts == all, "{m:?} -> {dst:?}, bands of {chunk}: pixels differ");
                assert!(Some(&parts_v) == all_v.as_ref(), "{m:?} -> {dst:?}, bands of {chunk}: mask differs");
            }
        }
    }
}
