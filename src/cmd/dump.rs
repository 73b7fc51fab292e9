//! `cogtool dump`: write stored tiles by x/y/z (one, a whole level, or a
//! list). Exit 1 for "no such tile" (outside the grid, sparse, strips),
//! 2 for usage errors and unreadable input.

use super::{End, Global, Status, Stop, report, stdout_failed};
use crate::cli::DumpArgs;
use cogtool::Error;
use cogtool::read::dump::{self, BulkOptions, Event};
use cogtool::read::tiles::{Pyramid, TileId};
use cogtool::tiff::Tiff;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The arguments that do not fit together, before anything is opened.
fn check_usage(a: &DumpArgs) -> Result<(), &'static str> {
    let bulk = a.all || a.tiles.is_some();
    if a.band == 0 {
        return Err("--band counts from 1");
    }
    if a.xyz.is_none() && !bulk {
        return Err("say which tiles: --xyz X Y Z, --level Z --all, or --tiles FILE (`x y z` lines)");
    }
    if bulk && a.output.as_deref().is_none_or(|o| o == "-") {
        return Err("bulk dumps need -o DIR (tiles go to DIR/Z/X/Y.ext)");
    }
    if a.json && a.output.as_deref() == Some("-") {
        return Err("--json and -o - would both write to stdout; pick one");
    }
    Ok(())
}

pub fn run(g: &Global, a: DumpArgs) -> End {
    let src = a.source.clone();
    check_usage(&a).map_err(|m| Stop::about(&src, Error::usage(m)))?;
    // Read the tile list before opening the source: a bad list is a usage error.
    let list = match &a.tiles {
        Some(f) => Some(read_tile_list(f).map_err(|e| Stop::about(f, e))?),
        None => None,
    };
    // Lenient, as GDAL: a broken chain after the first IFD (a loop, a bad
    // next pointer) still leaves the IFDs before it addressable.
    let mut tiff = cogtool::source::open(&src, &g.open_options())
        .and_then(|r| Tiff::open_lenient(Arc::new(r)))
        .map_err(|e| Stop::about(&src, e))?;
    // Overviews stored as SubIFDs are addressed by zoom level like the others.
    let sub_problem = tiff.add_sub_ifds();
    let p = Pyramid::new(&tiff).map_err(|e| Stop::about(&src, e))?;
    if !g.quiet {
        if let Some(w) = &sub_problem {
            report(&src, format!("warning: {}", w));
        }
        if let Some(e) = &tiff.chain_error {
            report(&src, format!("warning: {}; using the {} IFD(s) before it", e.message, tiff.chain_len));
        }
    }
    let end = if let Some(xyz) = &a.xyz {
        let id = TileId { z: xyz[2] as usize, x: xyz[0], y: xyz[1] };
        single(g, &a, &p, id)
    } else {
        let dir = PathBuf::from(a.output.as_deref().unwrap_or("."));
        let ids: Box<dyn Iterator<Item = TileId>> = match (&list, a.level) {
            (Some(ids), _) => Box::new(ids.clone().into_iter()),
            (None, Some(z)) => Box::new(dump::level_ids(&p, z, a.mask).map_err(|e| Stop::about(&src, e))?),
            (None, None) => unreachable!("clap: --all requires --level"),
        };
        bulk_dump(g, &a, &p, ids, &dir, list.as_deref())
    };
    if g.verbose > 0 {
        let s = tiff.reader.stats();
        eprintln!("cogtool: {}: {} read{}, {} bytes", src, s.requests, if s.requests == 1 { "" } else { "s" }, s.bytes);
    }
    end
}

fn read_tile_list(f: &str) -> cogtool::Result<Vec<TileId>> {
    let mut text = String::new();
    let r = if f == "-" {
        std::io::stdin().read_to_string(&mut text)
    } else {
        std::fs::File::open(f).and_then(|mut h| h.read_to_string(&mut text))
    };
    r.map_err(|e| Error::io(cogtool::error::describe_io(&e)))?;
    dump::parse_tile_list(&text)
}

fn single(g: &Global, a: &DumpArgs, p: &Pyramid, id: TileId) -> End {
    let src = &a.source;
    let t = p.locate(id, a.mask, a.band - 1).map_err(|e| Stop::about(src, e))?;
    let mut facts = dump::facts(p, &t);
    if t.sparse() {
        if a.json {
            println!("{}", facts);
        }
        return Err(Stop::about(src, Error::no_such_tile(format!("tile {} is empty (sparse)", t.id))));
    }
    // --json alone prints the facts and reads no tile data.
    if a.json && a.output.is_none() {
        println!("{}", facts);
        return Ok(Status::Ok);
    }
    let bytes = p
        .read(&t)
        .and_then(|(payload, check)| {
            if !g.quiet {
                for w in &check.problems {
                    report(src, format!("warning: {}", w));
                }
            }
            dump::render(p, &t, payload, a.raw)
        })
        .map_err(|e| Stop::about(src, e))?;
    let ext = dump::extension(p.images[t.ifd].compression);
    let path = match a.output.as_deref() {
        Some("-") => {
            let mut out = std::io::stdout().lock();
            if let Err(e) = out.write_all(&bytes).and_then(|_| out.flush()) {
                return stdout_failed(e);
            }
            return Ok(Status::Ok);
        }
        Some(o) if Path::new(o).is_dir() => Path::new(o).join(dump::default_name(src, id, a.mask, ext)),
        Some(o) => PathBuf::from(o),
        None => PathBuf::from(dump::default_name(src, id, a.mask, ext)),
    };
    if !a.overwrite && path.is_file() {
        return Err(Stop::usage(Error::usage(format!("{} exists; use --overwrite to replace it", path.display()))));
    }
    dump::write_atomic(&path, &bytes).map_err(|e| Stop::about(src, e))?;
    if a.json {
        facts["path"] = serde_json::json!(path.display().to_string());
        println!("{}", facts);
    } else if !g.quiet {
        eprintln!("cogtool: wrote tile {} ({} bytes) to {}", id, bytes.len(), path.display());
    }
    Ok(Status::Ok)
}

fn bulk_dump(
    g: &Global,
    a: &DumpArgs,
    p: &Pyramid,
    ids: Box<dyn Iterator<Item = TileId> + '_>,
    dir: &Path,
    list: Option<&[TileId]>,
) -> End {
    let src = &a.source;
    let listed = list.is_some();
    std::fs::create_dir_all(dir).map_err(|e| Stop::about(dir.display().to_string(), e))?;
    if !a.overwrite
        && let Some(existing) = first_existing(p, ids_again(a, p, list), dir, a.mask)
    {
        return Err(Stop::usage(Error::usage(format!("{} exists; use --overwrite to replace it", existing.display()))));
    }
    let opts = BulkOptions { raw: a.raw, mask: a.mask, plane: a.band - 1, ..Default::default() };
    let (mut written, mut bytes, mut sparse) = (0u64, 0u64, 0u64);
    let mut status = Status::Ok;
    let mut stdout = std::io::stdout().lock();
    let mut on_event = |ev: Event| match ev {
        Event::Written { tile, path, check } => {
            written += 1;
            // What was written: a JPEG tile gains its tables when spliced.
            bytes += std::fs::metadata(path).map(|m| m.len()).unwrap_or(tile.bytes);
            if !g.quiet {
                for w in &check.problems {
                    report(src, format!("warning: {}", w));
                }
            }
            if a.json {
                let mut f = dump::facts(p, tile);
                f["path"] = serde_json::json!(path.display().to_string());
                let _ = writeln!(stdout, "{}", f);
            }
        }
        Event::Sparse { tile } => {
            sparse += 1;
            // A listed tile was asked for by name: its absence is an error.
            // In --all, empty tiles are simply not there to write.
            if listed {
                report(src, format!("tile {} is empty (sparse)", tile.id));
                status = status.max(Status::NotOk);
            }
        }
        Event::Failed { id: _, error } => {
            report(src, error);
            status = status.max(crate::status_after(error));
        }
    };
    dump::dump_bulk(p, ids, dir, &opts, &mut on_event).map_err(|e| Stop::about(src, e))?;
    if !g.quiet {
        let s = p.tiff.reader.stats();
        eprintln!(
            "cogtool: wrote {} tile{} ({} bytes) to {}{}; {} read{} in all",
            written,
            if written == 1 { "" } else { "s" },
            bytes,
            dir.display(),
            if sparse > 0 && !listed { format!(", skipped {} empty (sparse)", sparse) } else { String::new() },
            s.requests,
            if s.requests == 1 { "" } else { "s" }
        );
    }
    Ok(status)
}

/// The tiles of a bulk dump once more, for the overwrite check (`list`: the
/// --tiles list; else every tile of --level).
fn ids_again<'a>(a: &DumpArgs, p: &Pyramid, list: Option<&'a [TileId]>) -> Box<dyn Iterator<Item = TileId> + 'a> {
    match (list, a.level) {
        (Some(ids), _) => Box::new(ids.iter().copied()),
        (None, Some(z)) => match dump::level_ids(p, z, a.mask) {
            Ok(it) => Box::new(it),
            Err(_) => Box::new(std::iter::empty()),
        },
        (None, None) => Box::new(std::iter::empty()),
    }
}

/// The first file of a bulk dump (`DIR/Z/X/Y.ext`) that exists already.
/// Levels without a `DIR/Z` directory cost no look-up per tile.
fn first_existing(p: &Pyramid, ids: impl Iterator<Item = TileId>, dir: &Path, mask: bool) -> Option<PathBuf> {
    let mut levels: std::collections::HashMap<usize, Option<&'static str>> = Default::default();
    for id in ids {
        let ext = *levels.entry(id.z).or_insert_with(|| {
            let img = p.image_for(id.z, mask).ok()?;
            dir.join(id.z.to_string()).is_dir().then(|| dump::extension(img.compression))
        });
        if let Some(ext) = ext {
            let path = dir.join(id.z.to_string()).join(id.x.to_string()).join(format!("{}.{}", id.y, ext));
            if path.is_file() {
                return Some(path);
            }
        }
    }
    None
}
