//! `cogtool dump`: write stored tiles by x/y/z (one, a whole level, or a
//! list). Exit 1 for "no such tile" (outside the grid, sparse, strips),
//! 2 for usage errors and unreadable input.

use super::{EXIT_ERROR, EXIT_NOT_OK, EXIT_OK, Global, report};
use crate::cli::DumpArgs;
use crate::read::dump::{self, BulkOptions, Event};
use crate::read::tiles::{Pyramid, TileId};
use crate::tiff::Tiff;
use crate::{Error, ErrorKind};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// "No such tile" errors exit 1; the rest (bad input, I/O) exit 2.
fn exit_for(e: &Error) -> i32 {
    if e.kind == ErrorKind::Usage { EXIT_NOT_OK } else { EXIT_ERROR }
}

pub fn run(g: &Global, a: DumpArgs) -> i32 {
    let src = a.source.clone();
    if a.band == 0 {
        report(&src, "--band counts from 1");
        return EXIT_ERROR;
    }
    let bulk = a.all || a.tiles.is_some();
    if a.xyz.is_none() && !bulk {
        report(&src, "say which tiles: --xyz X Y Z, --level Z --all, or --tiles FILE (`x y z` lines)");
        return EXIT_ERROR;
    }
    if bulk && a.output.as_deref().is_none_or(|o| o == "-") {
        report(&src, "bulk dumps need -o DIR (tiles go to DIR/Z/X/Y.ext)");
        return EXIT_ERROR;
    }
    if a.json && a.output.as_deref() == Some("-") {
        report(&src, "--json and -o - would both write to stdout; pick one");
        return EXIT_ERROR;
    }
    // Read the tile list before opening the source: a bad list is a usage error.
    let list = match &a.tiles {
        Some(f) => match read_tile_list(f) {
            Ok(ids) => Some(ids),
            Err(e) => {
                report(f, &e);
                return EXIT_ERROR;
            }
        },
        None => None,
    };
    // Lenient, as GDAL: a broken chain after the first IFD (a loop, a bad
    // next pointer) still leaves the IFDs before it addressable.
    let mut tiff = match crate::source::open(&src, &g.open_options()).and_then(|r| Tiff::open_lenient(Arc::new(r))) {
        Ok(t) => t,
        Err(e) => {
            report(&src, &e);
            return EXIT_ERROR;
        }
    };
    // Overviews stored as SubIFDs are addressed by zoom level like the others.
    let sub_problem = tiff.add_sub_ifds();
    let p = match Pyramid::new(&tiff) {
        Ok(p) => p,
        Err(e) => {
            report(&src, &e);
            return EXIT_ERROR;
        }
    };
    if !g.quiet {
        if let Some(w) = &sub_problem {
            report(&src, format!("warning: {}", w));
        }
        if let Some(e) = &tiff.chain_error {
            report(&src, format!("warning: {}; using the {} IFD(s) before it", e.message, tiff.chain_len));
        }
    }
    let code = if let Some(xyz) = &a.xyz {
        let id = TileId { z: xyz[2] as usize, x: xyz[0], y: xyz[1] };
        single(g, &a, &p, id)
    } else {
        let dir = PathBuf::from(a.output.as_deref().unwrap_or("."));
        let ids: Box<dyn Iterator<Item = TileId>> = match (&list, a.level) {
            (Some(ids), _) => Box::new(ids.clone().into_iter()),
            (None, Some(z)) => match dump::level_ids(&p, z, a.mask) {
                Ok(it) => Box::new(it),
                Err(e) => {
                    report(&src, &e);
                    return exit_for(&e);
                }
            },
            (None, None) => unreachable!("clap: --all requires --level"),
        };
        bulk_dump(g, &a, &p, ids, &dir, list.as_deref())
    };
    if g.verbose > 0 {
        let s = tiff.reader.stats();
        eprintln!("cogtool: {}: {} read{}, {} bytes", src, s.requests, if s.requests == 1 { "" } else { "s" }, s.bytes);
    }
    code
}

fn read_tile_list(f: &str) -> crate::Result<Vec<TileId>> {
    let mut text = String::new();
    let r = if f == "-" {
        std::io::stdin().read_to_string(&mut text)
    } else {
        std::fs::File::open(f).and_then(|mut h| h.read_to_string(&mut text))
    };
    r.map_err(|e| Error::io(crate::error::describe_io(&e)))?;
    dump::parse_tile_list(&text)
}

fn single(g: &Global, a: &DumpArgs, p: &Pyramid, id: TileId) -> i32 {
    let src = &a.source;
    let t = match p.locate(id, a.mask, a.band - 1) {
        Ok(t) => t,
        Err(e) => {
            report(src, &e);
            return exit_for(&e);
        }
    };
    let mut facts = dump::facts(p, &t);
    if t.sparse() {
        if a.json {
            println!("{}", facts);
        }
        report(src, format!("tile {} is empty (sparse)", t.id));
        return EXIT_NOT_OK;
    }
    // --json alone prints the facts and reads no tile data.
    if a.json && a.output.is_none() {
        println!("{}", facts);
        return EXIT_OK;
    }
    let bytes = p.read(&t).and_then(|(payload, check)| {
        if !g.quiet {
            for w in &check.problems {
                report(src, format!("warning: {}", w));
            }
        }
        dump::render(p, &t, payload, a.raw)
    });
    let bytes = match bytes {
        Ok(b) => b,
        Err(e) => {
            report(src, &e);
            return exit_for(&e);
        }
    };
    let ext = dump::extension(p.images[t.ifd].compression);
    let path = match a.output.as_deref() {
        Some("-") => {
            let mut out = std::io::stdout().lock();
            if let Err(e) = out.write_all(&bytes).and_then(|_| out.flush()) {
                return super::stdout_failed(&e);
            }
            return EXIT_OK;
        }
        Some(o) if Path::new(o).is_dir() => Path::new(o).join(dump::default_name(src, id, a.mask, ext)),
        Some(o) => PathBuf::from(o),
        None => PathBuf::from(dump::default_name(src, id, a.mask, ext)),
    };
    if !a.overwrite && path.is_file() {
        super::report_usage(format!("{} exists; use --overwrite to replace it", path.display()));
        return EXIT_ERROR;
    }
    if let Err(e) = dump::write_atomic(&path, &bytes) {
        report(src, &e);
        return EXIT_ERROR;
    }
    if a.json {
        facts["path"] = serde_json::json!(path.display().to_string());
        println!("{}", facts);
    } else if !g.quiet {
        eprintln!("cogtool: wrote tile {} ({} bytes) to {}", id, bytes.len(), path.display());
    }
    EXIT_OK
}

fn bulk_dump(
    g: &Global,
    a: &DumpArgs,
    p: &Pyramid,
    ids: Box<dyn Iterator<Item = TileId> + '_>,
    dir: &Path,
    list: Option<&[TileId]>,
) -> i32 {
    let src = &a.source;
    let listed = list.is_some();
    if let Err(e) = std::fs::create_dir_all(dir) {
        report(&dir.display().to_string(), crate::error::describe_io(&e));
        return EXIT_ERROR;
    }
    if !a.overwrite
        && let Some(existing) = first_existing(p, ids_again(a, p, list), dir, a.mask)
    {
        super::report_usage(format!("{} exists; use --overwrite to replace it", existing.display()));
        return EXIT_ERROR;
    }
    let opts = BulkOptions { raw: a.raw, mask: a.mask, plane: a.band - 1, ..Default::default() };
    let (mut written, mut bytes, mut sparse) = (0u64, 0u64, 0u64);
    let mut code = EXIT_OK;
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
                code = code.max(EXIT_NOT_OK);
            }
        }
        Event::Failed { id: _, error } => {
            report(src, error);
            code = code.max(exit_for(error));
        }
    };
    if let Err(e) = dump::dump_bulk(p, ids, dir, &opts, &mut on_event) {
        report(src, &e);
        return EXIT_ERROR;
    }
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
    code
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
