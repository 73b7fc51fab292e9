//! The files GDAL reads beside a local TIFF as part of the dataset, applied
//! to `create`'s view of the input in GDAL's order of precedence: what the
//! TIFF itself holds wins, the sidecar fills in what it lacks; except the
//! PAM sidecar's georeferencing, which GDAL reads first.

mod mask;
mod pam;
mod path;
mod rpc;
mod world_file;

use crate::create::input::info::InputInfo;
use crate::geo::{srs_keys, transform};
use mask::{Found, Sidecar};

use crate::Result;
use crate::tiff::tags::{
    GEO_ASCII_PARAMS, GEO_DOUBLE_PARAMS, GEO_KEY_DIRECTORY, MODEL_PIXEL_SCALE, MODEL_TIEPOINT, MODEL_TRANSFORMATION,
    RPC_COEFFICIENT,
};
use crate::tiff::write::OutTag;
use path::beside;
use std::path::Path;

const GEO_KEY_TAGS: [u16; 3] = [GEO_KEY_DIRECTORY, GEO_DOUBLE_PARAMS, GEO_ASCII_PARAMS];

/// Merge INPUT.aux.xml, a world file, an .RPB/_rpc.txt and INPUT.msk into
/// `inp`. Returns the external mask to read rows from, if any, and the
/// notes for the user. Only an unreadable `.msk` is an error: it decides
/// which pixels are valid, the others only metadata.
pub fn apply(input: &Path, inp: &mut InputInfo) -> Result<(Option<Box<Sidecar>>, Vec<String>)> {
    let mut notes = Vec::new();
    let model = [MODEL_PIXEL_SCALE, MODEL_TIEPOINT, MODEL_TRANSFORMATION];
    // One GDAL cannot parse costs only metadata: GDAL reports it and goes on.
    match pam::read(input) {
        Ok(Some(pam)) => {
            inp.metadata = pam.merge(&inp.metadata, inp.bands as u32);
            if inp.nodata_text.is_none() {
                inp.nodata_text = pam.nodata().map(str::to_string);
            }
            // GDAL reads the sidecar's georeferencing before the file's own.
            if let Some(gt) = pam.geotransform {
                inp.geo_tags.retain(|t| !model.contains(&t.tag));
                inp.geo_tags.extend(transform::geo_tags(gt));
            }
            if let Some(wkt) = &pam.srs {
                match srs_keys::geokeys_for_wkt(wkt) {
                    Some(keys) => {
                        inp.geo_tags.retain(|t| !GEO_KEY_TAGS.contains(&t.tag));
                        inp.geo_tags.extend(keys);
                    }
                    None => notes.push(format!(
                        "the CRS in {} has no EPSG code cogtool can write as GeoTIFF keys: the COG keeps the TIFF's own (GDAL would use the sidecar's)",
                        beside(input, ".aux.xml").display()
                    )),
                }
            }
        }
        Ok(None) => {}
        Err(e) => notes.push(format!("ignored {}", e.message)),
    }
    if !inp.geo_tags.iter().any(|t| model.contains(&t.tag))
        && let Some((_, gt)) = world_file::find(input)
    {
        inp.geo_tags.extend(transform::geo_tags(gt));
    }
    if !inp.tiff_tags.iter().any(|t| t.tag == RPC_COEFFICIENT)
        && let Some((_, rpc)) = rpc::find(input)
    {
        inp.tiff_tags.push(OutTag::doubles(RPC_COEFFICIENT, &rpc));
    }
    let mut mask = None;
    if inp.mask.is_none() {
        match mask::find(input, inp.width, inp.height)? {
            Found::Mask(s) => {
                if s.per_band {
                    notes.push(format!(
                        "{} holds one mask per band: written as one mask, valid where any band is (GDAL 3.6 drops it)",
                        s.path.display()
                    ));
                }
                inp.sidecar_mask = true;
                mask = Some(s);
            }
            Found::Ignored(note) => notes.push(note),
            Found::None => {}
        }
    }
    Ok((mask, notes))
}
