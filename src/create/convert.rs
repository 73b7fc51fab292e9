//! `cogtool create` end to end: read the input in bands of tile rows, build
//! the pyramid in one pass (pyramid.rs), spill compressed tiles to a
//! temporary file, then plan the layout (`layout::plan`) and assemble the COG:
//! head first, then tile data copied from the spill in GDAL's order.

use crate::create::config::{self, Config, MaskSource};
use crate::create::input::info::{self, InputInfo};
use crate::create::input::rows::{LevelRows, RowSource, Sources, StoredLevel};
use crate::create::layout::ifd::CogIfd;
use crate::create::layout::plan::{IfdOrder, IfdSlot, choose_bigtiff, plan};
use crate::create::options::CreateOptions;
use crate::create::parts::Distributed;
use crate::create::parts::stage::PartStage;
use crate::create::pipeline::encode_queue::EncodeQueue;
use crate::create::pipeline::levels::LevelSource;
use crate::create::pipeline::pyramid::{LevelWindow, Pyramid, StagedRows};
use crate::create::pipeline::repack::{self, Plan};
use crate::create::pipeline::sample::{Sample, for_sample_type, from_le_into};
use crate::create::pipeline::spill::Spills;
use crate::create::pipeline::stats::{self, Statistics, Validity};
use crate::create::pipeline::tile_encoder::{CutTile, TileEncoder};
use crate::create::sink::local::{TempFile, parent_dir};
use crate::create::sink::s3_stream::S3Stream;
use crate::raster::RasterReader;
use crate::source::OpenOptions;
use crate::tiff::gdal_metadata::Item;
use crate::tiff::{Image, Tiff};
use crate::{Cancel, Error, Result};
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Largest band of full-resolution rows held at once (the pyramid holds
/// about twice that): memory is bounded by width, never by height.
pub const MAX_BAND_BYTES: u64 = 2 << 30;

/// What happened, for the caller to report.
#[derive(Debug, Clone)]
pub struct Summary {
    pub levels: usize,
    pub with_mask: bool,
    pub bigtiff: bool,
    pub bytes: u64,
    pub verified: bool,
    /// What the user should know about how INPUT was read (printed unless -q).
    pub notes: Vec<String>,
    /// How each level was made: its tiles copied from the input, or
    /// encoded and why (printed with -v).
    pub level_report: Vec<String>,
    /// For an S3 OUTPUT streamed while computed: how it went up (parts and
    /// their sizes).
    pub uploaded: Option<String>,
}

/// What the caller sees of a run, and how it stops one: progress hooks (the
/// command layer draws a bar; tests pass nothing) and the cancellation flag
/// the pipeline checks at every tile (see [`crate::create::run::create`]).
pub trait Progress: Send {
    fn start(&mut self, _total_tiles: u64) {}
    fn tiles(&mut self, _n: u64) {}
    fn finish(&mut self) {}
    /// The flag that stops this run (by default one nobody raises).
    fn cancel(&self) -> Cancel {
        Cancel::new()
    }
}
pub struct NoProgress;
impl Progress for NoProgress {}

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
            "cannot write to {}: HTTP(S) outputs are not supported; write a local file or s3://bucket/key",
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
        let reused = cfg.level_sources.iter().any(|s| matches!(s, LevelSource::Copied(_)));
        crate::create::parts::check_supported(&cfg, o, reused)?;
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
    let streaming = crate::source::scheme(output) == crate::source::Scheme::S3;
    let mut spills = if streaming {
        let planes = if cfg.separate { cfg.bands } else { 1 };
        let worst = segment_worst(&cfg, planes);
        let sink = S3Stream::new(output, &worst, remote, &progress.cancel(), o.overwrite)?;
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
    if let Some(per_band) = encoded {
        // Statistics are known once the pixels have passed: the full
        // resolution IFD gets them (its size is not needed before).
        stats::insert_items(&mut cfg.metadata, per_band);
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

/// Every level of the pyramid computed and encoded into `spills`, on two
/// pools of `--threads`: one compresses tiles, the other reads and
/// resamples (in parallel where it can) and cuts the next tiles meanwhile.
/// Returns each band's statistics items when they are computed.
#[allow(clippy::too_many_arguments)]
pub(crate) fn encode_levels(
    cfg: &Config,
    o: &CreateOptions,
    inp: &InputInfo,
    src: Sources,
    plans: &[Plan],
    spills: &mut Spills,
    progress: &mut dyn Progress,
    dist: &DistWork,
) -> Result<Option<BandItems>> {
    let threads = o.threads.unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1));
    let pool = |name: &'static str| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(move |i| format!("cogtool-{}-{}", name, i))
            .build()
            .map_err(|e| Error::io(format!("cannot start {} threads: {}", threads, e)))
    };
    let (work_pool, encode_pool) = (pool("read")?, pool("encode")?);
    let total_tiles: u64 = cfg.levels.iter().map(|l| l.tiles_down() * l.tiles_across()).sum();
    progress.start(total_tiles);
    // Levels whose stored tiles fit are copied first, a tile row at a time.
    let cancel = progress.cancel();
    for (level, p) in plans.iter().enumerate() {
        if let Plan::Copy { from, image, mask } = p {
            let g = cfg.levels[level];
            // A part copies its stripe's tile rows; the assembly the levels above k.
            let rows = match dist {
                DistWork::None => Some(0..g.tiles_down() as usize),
                DistWork::Part { windows, .. } => windows[level]
                    .map(|w| w.cut_start / g.block as usize..(w.cut_end as u64).div_ceil(g.block) as usize),
                DistWork::Assemble { k, .. } => (level > *k).then(|| 0..g.tiles_down() as usize),
            };
            let Some(rows) = rows else { continue };
            let mut done = |n: u64| progress.tiles(n);
            let (stored, mask) = (&src.stored[*from], mask.as_ref());
            repack::copy_level(cfg, level, stored, image, mask, spills, rows, &cancel, &mut done)?;
        }
    }
    let mut decoded = repack::decoded(cfg, plans);
    // Statistics need the full resolution's pixels even when its tiles are copied.
    decoded[0] |= cfg.statistics;
    let fed = Feeds { decoded, cut: plans.iter().map(|p| !p.is_copy()).collect(), dist };
    let mut items = None;
    if fed.decoded.iter().any(|&d| d) {
        items = work_pool.install(|| run_pyramid(cfg, inp, src, &fed, &encode_pool, spills, progress))?;
    }
    spills.finish()?;
    progress.finish();
    Ok(items)
}

/// Statistics items of each band.
type BandItems = Vec<Vec<Item>>;

/// The largest size the tile data could take (every tile stored raw, plus
/// its leader and trailer): with `BIGTIFF=IF_SAFER`, GDAL's rule.
pub(crate) fn worst_case_bytes(cfg: &Config, ifds: &[CogIfd], slots: &[IfdSlot]) -> u64 {
    ifds.iter()
        .zip(slots)
        .map(|(ifd, slot)| {
            let planes = if cfg.separate { cfg.bands } else { 1 };
            let per_tile = if matches!(slot, IfdSlot::Mask(_)) {
                1u64 << 16
            } else {
                (cfg.sample_bytes * cfg.bands / planes) as u64 * cfg.levels[0].block.pow(2)
            };
            ifd.tiles * (per_tile + 8)
        })
        .sum()
}

/// The largest size each streamed segment could take (file order, see
/// [`Spills::segment`]): its tiles stored raw, framed, each mask tile (one
/// byte per pixel at most) with its band-1 tile. Only an estimate for the
/// part numbering: compressed tiles may exceed it, which the S3 part
/// planner absorbs.
pub(crate) fn segment_worst(cfg: &Config, planes: usize) -> Vec<u64> {
    let mut worst = vec![0; cfg.levels.len() * planes];
    for (level, g) in cfg.levels.iter().enumerate() {
        let pixels = g.block * g.block;
        let image = (cfg.sample_bytes * cfg.bands / planes) as u64 * pixels + 8;
        for plane in 0..planes {
            let mut w = g.tiles() * image;
            if plane == 0 && cfg.with_mask() {
                w += g.tiles() * (pixels + 8);
            }
            worst[Spills::segment(cfg.levels.len(), planes, level, plane)] = w;
        }
    }
    worst
}

/// Which levels are decoded (fed levels whose pixels are needed) and which
/// cut into tiles (those not copied): see [`repack`].
struct Feeds<'d> {
    decoded: Vec<bool>,
    cut: Vec<bool>,
    dist: &'d DistWork,
}

/// The share of a distributed run (see [`crate::create::parts`]).
pub(crate) enum DistWork {
    /// A single run: everything.
    None,
    /// A part: what each level handles; the level whose pixels are staged
    /// and where they go.
    Part { windows: Vec<Option<LevelWindow>>, staged: Option<(usize, SharedStage)> },
    /// The assembly: level `k`'s rows come from the parts' staged pixels
    /// (each part's directory and its number of rows, in order); only the
    /// levels above k are computed.
    Assemble { k: usize, parts: Vec<(PathBuf, u64)> },
}

/// A part's staging, shared by the tile sink and the staged rows.
pub(crate) type SharedStage = Arc<std::sync::Mutex<Option<PartStage>>>;

/// Dispatch on the sample type, then stream the rows through the pyramid.
fn run_pyramid(
    cfg: &Config,
    inp: &InputInfo,
    src: Sources,
    fed: &Feeds,
    encode_pool: &rayon::ThreadPool,
    spills: &mut Spills,
    progress: &mut dyn Progress,
) -> Result<Option<BandItems>> {
    let complex = inp.is_complex();
    let comp_bytes = if complex { cfg.sample_bytes / 2 } else { cfg.sample_bytes };
    let parts = if complex { 2 } else { 1 };
    for_sample_type!(inp.sample_format, comp_bytes,
        T => stream::<T>(cfg, inp, src, fed, encode_pool, spills, progress, parts),
        _ => Err(Error::unsupported(format!("{}-byte {} samples", comp_bytes, inp.sample_format.name()))))
}

#[allow(clippy::too_many_arguments)]
fn stream<T: Sample>(
    cfg: &Config,
    inp: &InputInfo,
    src: Sources,
    fed: &Feeds,
    encode_pool: &rayon::ThreadPool,
    spills: &mut Spills,
    progress: &mut dyn Progress,
    parts: usize,
) -> Result<Option<BandItems>> {
    let comps = cfg.bands * parts;
    let mut stats = cfg.statistics.then(|| Statistics::new(cfg.bands, parts, validity(cfg)));
    // Tiles in flight: half a row of full-resolution tiles plus two per
    // thread keeps every encoder busy while the next rows are read (each
    // finished tile makes room for the next one) without holding more.
    let l0 = &cfg.levels[0];
    let tile_bytes = (l0.block * l0.block) as usize * comps * T::BYTES;
    let budget = (l0.tiles_across().div_ceil(2) as usize + 2 * encode_pool.current_num_threads()) * tile_bytes;
    let mut queue = EncodeQueue::new(encode_pool, TileEncoder::new(cfg, comps, inp.sample_format), budget as u64);
    let cancel = progress.cancel();
    let mut done = |n: u64| progress.tiles(n);
    {
        let sink = |cut: CutTile<T>| {
            cancel.check("conversion stopped, temporary files removed")?;
            queue.submit(cut, spills, &mut done)
        };
        let mut pyr = Pyramid::<T, _>::new(cfg, comps, cfg.with_mask(), &fed.cut, sink);
        let mut rows0 = (0, inp.height);
        match fed.dist {
            DistWork::None => {}
            DistWork::Part { windows, staged } => {
                let keep = staged.as_ref().map(|(k, stage)| {
                    let stage = stage.clone();
                    let f: StagedRows<'static, T> = Box::new(move |data: &[T], valid: Option<&[u8]>| {
                        let mut g = stage.lock().map_err(|_| Error::format("internal error: staging lock"))?;
                        let st = g.as_mut().ok_or_else(|| Error::format("internal error: staging closed"))?;
                        st.write_pixels(bytemuck::cast_slice(data), valid)
                    });
                    (*k, f)
                });
                pyr.restrict(windows, keep);
                let w0 = windows[0].expect("a part with rows has a full-resolution window");
                rows0 = (w0.start as u64, w0.end as u64);
            }
            DistWork::Assemble { k, parts: staged } => {
                pyr.only_above(*k);
                feed_staged(cfg, *k, staged, comps, &mut pyr)?;
                rows0 = (0, 0);
            }
        }
        if fed.decoded[0] && rows0.1 > rows0.0 {
            let full = Fed { level: 0, width: inp.width, rows: rows0, image: src.image, mask: src.mask };
            feed_rows(cfg, &full, &mut pyr, parts, stats.as_mut())?;
        }
        // Levels taken from the input's own overviews, one after the other.
        for (level, s) in cfg.level_sources.iter().enumerate() {
            if let LevelSource::Copied(i) = *s
                && fed.decoded[level]
            {
                let (g, rows) = (cfg.levels[level], &src.overviews[i]);
                let mask = if cfg.mask == MaskSource::InputMask { rows.mask } else { None };
                let fed = Fed { level, width: g.width, rows: (0, g.height), image: rows.image, mask };
                feed_rows(cfg, &fed, &mut pyr, parts, None)?;
            }
        }
    }
    queue.finish(spills, &mut done)?;
    Ok(stats.map(|s| s.items::<T>()))
}

/// Which samples statistics count, as GDAL decides: by nodata when the
/// output has one (even one its type cannot hold: then all count), else by
/// the output's mask, else by an alpha band that masks the others.
fn validity(cfg: &Config) -> Validity {
    let has_nodata = cfg.nodata_text.is_some();
    Validity {
        nodata: cfg.nodata.filter(|_| has_nodata),
        use_mask: !has_nodata && cfg.with_mask(),
        alpha: cfg.alpha.filter(|a| !has_nodata && !cfg.with_mask() && a.masks_colour).map(|a| a.index),
    }
}

/// A level whose rows are read rather than computed: full resolution, or
/// one copied from the input's own overviews.
struct Fed<'a> {
    level: usize,
    width: u64,
    /// The rows read: all of them, or a part's window.
    rows: (u64, u64),
    image: &'a dyn RowSource,
    mask: Option<&'a dyn RowSource>,
}

/// Assembling: level `k`'s rows from each part's staged pixels (and
/// validity), in order, a tile row at a time.
fn feed_staged<T: Sample, S: FnMut(CutTile<T>) -> Result<()>>(
    cfg: &Config,
    k: usize,
    staged: &[(PathBuf, u64)],
    comps: usize,
    pyr: &mut Pyramid<T, S>,
) -> Result<()> {
    use std::io::Read;
    let g = cfg.levels[k];
    let row_samples = g.width as usize * comps;
    let open = |p: PathBuf| {
        std::fs::File::open(&p).map_err(|e| Error::io(format!("{}: {}", p.display(), crate::error::describe_io(&e))))
    };
    let (mut bytes, mut samples) = (Vec::new(), Vec::<T>::new());
    for (dir, rows) in staged {
        let mut pixels = std::io::BufReader::new(open(dir.join("pixels.bin"))?);
        let mut valid =
            if cfg.with_mask() { Some(std::io::BufReader::new(open(dir.join("valid.bin"))?)) } else { None };
        let mut left = *rows;
        while left > 0 {
            let n = left.min(g.block) as usize;
            bytes.resize(n * row_samples * T::BYTES, 0);
            pixels.read_exact(&mut bytes).map_err(|e| Error::io(format!("{}: {}", dir.display(), e)))?;
            from_le_into(&bytes, &mut samples);
            let v = match valid.as_mut() {
                Some(r) => {
                    let mut v = vec![0u8; n * g.width as usize];
                    r.read_exact(&mut v).map_err(|e| Error::io(format!("{}: {}", dir.display(), e)))?;
                    Some(v)
                }
                None => None,
            };
            pyr.push(k, &samples, v)?;
            left -= n as u64;
        }
    }
    Ok(())
}

/// Read a fed level band by band, split off the mask, push into the
/// pyramid (`parts`: 2 for complex samples, else 1).
fn feed_rows<T: Sample, S: FnMut(CutTile<T>) -> Result<()>>(
    cfg: &Config,
    fed: &Fed,
    pyr: &mut Pyramid<T, S>,
    parts: usize,
    mut stats: Option<&mut Statistics>,
) -> Result<()> {
    let (reader, mask_reader, level) = (fed.image, fed.mask, fed.level);
    let width = fed.width as usize;
    let (src_comps, comps) = (cfg.src_bands * parts, cfg.bands * parts);
    let nodata = cfg.nodata;
    let step = reader.band_rows(cfg.levels[level].block);
    // Buffers reused band after band: the same pages every time.
    let (mut bytes, mut samples, mut colour) = (Vec::new(), Vec::<T>::new(), Vec::<T>::new());
    let (mut y, height) = fed.rows;
    // Without a mask to split off, the rows are read straight into the
    // pyramid's own buffer (on a little-endian machine their bytes are the
    // samples): one copy of every sample less.
    let in_place = matches!(cfg.mask, MaskSource::None) && src_comps == comps && cfg!(target_endian = "little");
    while y < height {
        // Bands on multiples of `step` (a part starts mid-band): each read
        // decodes its own input blocks, none twice.
        let y1 = ((y / step + 1) * step).min(height);
        if in_place {
            let rows = (y1 - y) as usize;
            pyr.push_with(level, rows, |dst| {
                reader.read_rows_to(y, y1, T::le_bytes_mut(dst).expect("little-endian"))?;
                if let Some(s) = stats.as_deref_mut() {
                    s.add(dst, width, None);
                }
                Ok(())
            })?;
            y = y1;
            continue;
        }
        reader.read_rows_into(y, y1, &mut bytes)?;
        let all: &[T] = match T::le_slice(&bytes) {
            Some(s) => s,
            None => {
                from_le_into(&bytes, &mut samples);
                &samples
            }
        };
        let n = all.len() / src_comps;
        let (data, valid): (&[T], _) = match cfg.mask {
            MaskSource::None => (all, None),
            MaskSource::Alpha => {
                // The alpha's components leave the pixel, the others stay in order.
                let a = cfg.mask_alpha.expect("alpha band") * parts;
                colour.clear();
                let mut valid = Vec::with_capacity(n);
                for px in all.chunks_exact(src_comps) {
                    colour.extend_from_slice(&px[..a]);
                    colour.extend_from_slice(&px[a + parts..]);
                    valid.push(if px[a].to_f64() != 0.0 { 255 } else { 0 });
                }
                (&colour, Some(valid))
            }
            MaskSource::Nodata => {
                let nd = nodata.unwrap_or(0.0);
                let valid = all
                    .chunks_exact(src_comps)
                    .map(|px| {
                        let all_nd = px.iter().all(|v| {
                            let x = v.to_f64();
                            if nd.is_nan() { x.is_nan() } else { x == nd }
                        });
                        if all_nd { 0 } else { 255 }
                    })
                    .collect();
                (all, Some(valid))
            }
            MaskSource::InputMask => {
                let m = mask_reader.expect("mask reader").read_rows(y, y1)?;
                let rows = (y1 - y) as usize;
                // 1-bit masks come back packed (MSB first, rows padded to bytes).
                let row_bytes = m.len() / rows.max(1);
                let valid: Vec<u8> = if row_bytes.is_multiple_of(width) {
                    // One byte per sample; a per-band mask (several samples)
                    // becomes one dataset mask: valid where any band is.
                    let k = row_bytes / width;
                    m.chunks_exact(k).map(|px| if px.iter().any(|&b| b != 0) { 255 } else { 0 }).collect()
                } else if row_bytes == width.div_ceil(8) {
                    (0..rows * width)
                        .map(|i| {
                            let (r, x) = (i / width, i % width);
                            if m[r * row_bytes + x / 8] & (0x80 >> (x % 8)) != 0 { 255 } else { 0 }
                        })
                        .collect()
                } else {
                    return Err(Error::unsupported(format!(
                        "an internal mask with {} bytes per row of {} pixels",
                        row_bytes, width
                    )));
                };
                (all, Some(valid))
            }
        };
        if let Some(s) = stats.as_deref_mut() {
            s.add(data, width, valid.as_deref());
        }
        pyr.push(level, data, valid)?;
        y = y1;
    }
    Ok(())
}

/// `--verify`: the written file against the input, every level (verify.rs).
fn verify(written: &Path, input: Sources, h: u64, cfg: &Config) -> Result<()> {
    crate::create::verify::verify_written(written, input, h, cfg)
}
