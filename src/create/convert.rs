//! `cogtool create` end to end: open INPUT, resolve the plan, run the
//! engine (`create::encode`: rows read in bands, the pyramid in one
//! pass, tiles encoded into spills or streamed to S3), then plan the layout
//! (`layout::plan`) and write the COG: head first, then tile data in GDAL's
//! order. A part of a distributed run and its assembly branch off to
//! [`crate::create::parts`] once the plan is resolved.

use crate::create::config::{self, Config, MaskSource};
use crate::create::encode::{DistWork, encode_levels, segment_worst, worst_case_bytes};
use crate::create::input::info::{self, InputInfo};
use crate::create::input::rows::{LevelRows, RowSource, Sources, StoredLevel};
use crate::create::layout::plan::{IfdOrder, IfdSlot, choose_bigtiff, plan};
use crate::create::options::CreateOptions;
use crate::create::options::Distributed;
use crate::create::pipeline::repack::{self, Plan};
use crate::create::pipeline::spill::Spills;
use crate::create::pipeline::stats;
pub use crate::create::report::{NoProgress, Progress, Summary};
use crate::create::sink::cloud_stream::ObjectStream;
use crate::create::sink::local::{TempFile, parent_dir};
use crate::raster::RasterReader;
use crate::source::OpenOptions;
use crate::tiff::{Image, Tiff};
use crate::{Error, Result};
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Largest band of full-resolution rows held at once (the pyramid holds
/// about twice that): memory is bounded by width, never by height.
pub const MAX_BAND_BYTES: u64 = 2 << 30;

fn open_input(path: &str, verbose: bool) -> Result<Tiff> {
    let r = crate::source::open(path, &OpenOptions { verbose, ..Default::default() })?;
    Tiff::open_lenient(Arc::new(r))
}

/// Checks on a local OUTPUT (or `-`) before any work: an existing file is
/// replaced only with --overwrite, a directory never. Any URL reaching here
/// is refused (s3:// is dispatched before): a URL must never become a local
/// file named "https:/host/path".
pub fn check_local_output(output: &str, o: &CreateOptions) -> Result<()> {
    if crate::source::scheme(output) != crate::source::Scheme::Local {
        return Err(Error::usage(format!(
            "cannot write to {}: HTTP(S) outputs are not supported; write a local file, s3://bucket/key, \
             gs://bucket/key or az://container/blob",
            output
        )));
    }
    let out_path = std::path::Path::new(output);
    if output != "-" {
        if out_path.exists() && !o.overwrite {
            return Err(Error::usage(format!("{} exists; use --overwrite to replace it", output)));
        }
        if out_path.is_dir() {
            return Err(Error::usage(format!("{} is a directory", output)));
        }
    }
    Ok(())
}

/// The native path: a TIFF INPUT (local, or remote read with `remote`) to
/// a local OUTPUT (`-` = stdout) already checked by [`check_local_output`].
/// [`crate::create::run::create`] decides when this path applies.
pub fn create_tiff(
    input_path: &str,
    output: &str,
    o: &CreateOptions,
    remote: &OpenOptions,
    progress: &mut dyn Progress,
) -> Result<Summary> {
    let remote_input = crate::source::scheme(input_path) != crate::source::Scheme::Local;
    let mut tiff = if remote_input {
        Tiff::open_lenient(Arc::new(crate::source::open(input_path, remote)?))?
    } else {
        open_input(input_path, false)?
    };
    // Overviews stored as SubIFDs are overviews to GDAL too.
    let sub_ifd_problem = tiff.add_sub_ifds();
    let images = Image::all(&tiff)?;
    let mut inp = info::describe(&tiff, &images)?;
    // Without overviews inside, GDAL uses those of INPUT.ovr.
    let ovr_file =
        if remote_input { None } else { crate::create::input::overview_file::attach(input_path, &mut inp, &images)? };
    // What GDAL reads beside a local file (.aux.xml, world file, RPCs, .msk).
    let (sidecar, mut notes) = if remote_input {
        (None, Vec::new())
    } else {
        crate::create::input::sidecar::apply(Path::new(input_path), &mut inp)?
    };
    if let Some(p) = sub_ifd_problem {
        notes.push(format!("{}: SubIFDs after it are not read", p));
    }
    // Like libtiff (and so GDAL), a broken IFD after the first ends the
    // chain: the images before it are converted.
    if let Some(e) = &tiff.chain_error {
        notes.insert(
            0,
            format!("the IFD chain ends early ({}): only the {} IFD(s) before it are read", e, tiff.ifds.len()),
        );
    }
    let sidecar_rows = sidecar.as_ref().map(|s| s.reader()).transpose()?;
    // GDAL's limit on raster sizes (an int), and ours on one band of rows.
    if inp.width > i32::MAX as u64 || inp.height > i32::MAX as u64 {
        return Err(Error::limit(format!(
            "a {}x{} image is beyond GDAL's 2147483647-pixel side limit",
            inp.width, inp.height
        )));
    }
    let img = &images[inp.image];
    if img.block_width > i32::MAX as u64 || img.block_height > i32::MAX as u64 {
        return Err(Error::limit(format!(
            "{}x{} blocks are beyond GDAL's 2147483647-pixel limit",
            img.block_width, img.block_height
        )));
    }
    let reader = RasterReader::new(&tiff, &images[inp.image])?;
    let mask_reader = match inp.mask {
        Some(m) => Some(RasterReader::new(&tiff, &images[m])?),
        None => None,
    };
    // Remote input: fetch each band's blocks in a few concurrent requests.
    let reader = crate::create::input::remote::Prefetching::new(&tiff, img, &reader, remote_input);
    let mask_reader = mask_reader
        .as_ref()
        .zip(inp.mask)
        .map(|(r, m)| crate::create::input::remote::Prefetching::new(&tiff, &images[m], r, remote_input));
    let mask_reader = match (&mask_reader, &sidecar_rows) {
        (Some(r), _) => Some(r as &dyn RowSource),
        (None, Some(r)) => Some(r as &dyn RowSource),
        (None, None) => None,
    };
    // The input's own overview levels (and their masks), for the levels
    // copied from them.
    let ovr_readers = inp
        .overviews
        .iter()
        .map(|v| {
            let (t, imgs) = match (&ovr_file, v.external) {
                (Some((t, imgs)), true) => (t, imgs),
                _ => (&tiff, &images),
            };
            let image = RasterReader::new(t, &imgs[v.image])?;
            let mask = v.mask.map(|m| RasterReader::new(t, &imgs[m])).transpose()?;
            Ok((image, mask))
        })
        .collect::<Result<Vec<_>>>()?;
    let ovr_rows: Vec<LevelRows> = ovr_readers
        .iter()
        .map(|(image, mask)| LevelRows { image, mask: mask.as_ref().map(|m| m as &dyn RowSource) })
        .collect();
    // The same levels as stored, for tiles copied as they are.
    let mut stored = vec![StoredLevel { tiff: &tiff, image: img, mask: inp.mask.map(|m| &images[m]) }];
    for v in &inp.overviews {
        let (t, imgs) = match (&ovr_file, v.external) {
            (Some((t, imgs)), true) => (t, imgs),
            _ => (&tiff, &images),
        };
        stored.push(StoredLevel { tiff: t, image: &imgs[v.image], mask: v.mask.map(|m| &imgs[m]) });
    }
    let src = Sources { image: &reader, mask: mask_reader, overviews: &ovr_rows, stored: &stored };
    let mut summary = write_cog(output, o, remote, progress, &inp, src)?;
    summary.notes.splice(0..0, notes);
    Ok(summary)
}

/// The pipeline proper, from any row sources: INPUT's rows to OUTPUT (a
/// local file, `-`, or `s3://bucket/key` streamed with `remote`'s access).
/// `src.mask` gives the input's own mask rows (one byte per pixel), if it
/// has one; `src.overviews` the rows of its own overview levels.
pub fn write_cog(
    output: &str,
    o: &CreateOptions,
    remote: &OpenOptions,
    progress: &mut dyn Progress,
    inp: &InputInfo,
    src: Sources,
) -> Result<Summary> {
    let reader = src.image;
    let to_stdout = output == "-";
    let out_path = PathBuf::from(output);
    let mut cfg = config::resolve(o, inp, reader.sample_bytes())?;
    check_band_bytes(&cfg, inp, reader.sample_bytes())?;
    let src = Sources { mask: if cfg.mask == MaskSource::InputMask { src.mask } else { None }, ..src };
    let order = IfdOrder { levels: cfg.levels.len(), with_mask: cfg.with_mask() };
    let slots = order.sequence();
    let mut ifds: Vec<_> = slots
        .iter()
        .map(|slot| match *slot {
            IfdSlot::Image(l) => config::image_ifd(&cfg, inp, l),
            IfdSlot::Mask(l) => config::mask_ifd(&cfg, l),
        })
        .collect();
    let spill_dir = match (&o.tmpdir, to_stdout) {
        (Some(d), _) => d.clone(),
        (None, true) => std::env::temp_dir(),
        (None, false) => parent_dir(&out_path),
    };
    let stem = out_path.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "stdout".into());
    let tiles: Vec<u64> = ifds.iter().map(|i| i.tiles).collect();
    let image_ifd: Vec<usize> = (0..order.levels).map(|l| order.image(l)).collect();
    let mask_ifd: Vec<Option<usize>> = (0..order.levels).map(|l| order.mask(l)).collect();
    let per_plane: Vec<usize> = cfg.levels.iter().map(|l| l.tiles() as usize).collect();
    let plans = repack::plan(&cfg, o, inp.sample_format, src.stored);
    if let Some(d) = &o.distributed {
        crate::create::parts::check_supported(o)?;
        let job = crate::create::parts::run::Job { output, o, remote, cfg: &cfg, inp, ifds: &ifds, order };
        return match d {
            Distributed::Part { index, count, recipe, input } => {
                crate::create::parts::run::part(&job, src, &plans, (*index, *count), recipe, input, progress)
            }
            Distributed::Assemble { count, input } => {
                crate::create::parts::run::assemble(&job, src, &plans, *count, input, &spill_dir, progress)
            }
        };
    }
    let streaming = crate::source::scheme(output).is_cloud();
    let mut spills = if streaming {
        let planes = if cfg.separate { cfg.bands } else { 1 };
        let worst = segment_worst(&cfg, planes);
        let sink = ObjectStream::new(output, &worst, remote, &progress.cancel(), o.overwrite)?;
        Spills::streaming(Box::new(sink), planes, &tiles, image_ifd, mask_ifd, per_plane)
    } else {
        Spills::new(
            !cfg.separate,
            |tag| TempFile::scratch_in(&spill_dir, &stem, tag),
            &tiles,
            image_ifd,
            mask_ifd,
            per_plane,
        )?
    };
    let encoded =
        encode_levels(&cfg, o, inp, src, &plans, &mut spills, progress, &DistWork::None).map_err(|e| match e.kind {
            // Dropping the stream aborted the multipart upload: say so.
            crate::ErrorKind::Interrupted if streaming => {
                Error::interrupted(format!("{}: interrupted, multipart upload aborted", output))
            }
            _ => e,
        })?;
    if let Some(st) = encoded {
        // Statistics are known once the pixels have passed: the full
        // resolution IFD gets them (its size is not needed before).
        stats::insert_items(&mut cfg.metadata, st.items());
        ifds[order.image(0)] = config::image_ifd(&cfg, inp, 0);
    }

    // Plan with every size known, then write.
    let counts = spills.counts();
    let bigtiff = choose_bigtiff(o.bigtiff, &ifds, &counts, order, worst_case_bytes(&cfg, &ifds, &slots))?;
    let layout = plan(&ifds, &counts, order, bigtiff);
    let mut uploaded = None;
    if streaming {
        let (bytes, how) = spills.finish_stream(layout.head.clone())?;
        if bytes != layout.total_len {
            return Err(Error::format(format!(
                "internal error: the layout has {} bytes but {} were streamed",
                layout.total_len, bytes
            )));
        }
        uploaded = Some(how);
    } else if to_stdout {
        let mut w = BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
        spills.assemble(&layout, &mut w, Path::new("stdout"))?;
    } else {
        let tmp = TempFile::create_in(&parent_dir(&out_path), &stem, "cogtool-partial")?;
        {
            let mut w = BufWriter::with_capacity(1 << 20, tmp.file.try_clone()?);
            spills.assemble(&layout, &mut w, &out_path)?;
        }
        if o.verify {
            verify(&tmp.open_path(), src, inp.height, &cfg)?;
        }
        tmp.persist(&out_path)?;
    }
    Ok(Summary {
        levels: order.levels,
        with_mask: order.with_mask,
        bigtiff,
        bytes: layout.total_len,
        verified: o.verify && !to_stdout && !streaming,
        uploaded,
        notes: cfg.notes(inp),
        level_report: plans
            .iter()
            .zip(&cfg.levels)
            .enumerate()
            .map(|(l, (p, g))| {
                let how = match p {
                    Plan::Copy { .. } => "tiles copied from the input",
                    Plan::Encode(why) => why,
                };
                format!("level {} ({}x{}): {}", l, g.width, g.height, how)
            })
            .collect(),
    })
}

/// Our limit on one band of rows (a block's height across the full width).
fn check_band_bytes(cfg: &Config, inp: &InputInfo, sample_bytes: usize) -> Result<()> {
    let rows = cfg.levels[0].block.min(inp.height);
    let band_bytes = inp.width * rows * (inp.bands * sample_bytes) as u64;
    if band_bytes > MAX_BAND_BYTES {
        return Err(Error::limit(format!(
            "one band of {} rows of this {}-pixel-wide image needs {} bytes, beyond the {} byte limit (use a smaller --blocksize)",
            rows, inp.width, band_bytes, MAX_BAND_BYTES
        )));
    }
    Ok(())
}

/// `--verify`: the written file against the input, every level (verify.rs).
fn verify(written: &Path, input: Sources, h: u64, cfg: &Config) -> Result<()> {
    crate::create::verify::verify_written(written, input, h, cfg)
}
