//! The command-line definition, shared by the binary, the completion and
//! man-page generator (`cogtool gen-assets`) and the tests that check the
//! committed assets are fresh. Only parsing lives here; `src/cmd/` runs things.

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};
use cogtool::create::options::{
    BigTiff, Codec, Flags, Interleave, OverviewMode, PredictorChoice, StatisticsMode, ZoomLevelStrategy,
};
use cogtool::create::pipeline::resample::Method as Resampling;
use std::path::PathBuf;

/// A value list the library owns (its `named_values!` enums), offered on the
/// command line under the library's names, in its order, any case.
trait LibraryValue: Copy + Send + Sync + 'static {
    fn all() -> &'static [Self];
    fn name(self) -> &'static str;
    fn from_name(s: &str) -> Option<Self>;
}

macro_rules! library_values {
    ($($t:ty),*) => {$(
        impl LibraryValue for $t {
            fn all() -> &'static [Self] {
                &<$t>::ALL
            }
            fn name(self) -> &'static str {
                self.cli_name()
            }
            fn from_name(s: &str) -> Option<Self> {
                <$t>::from_name(s)
            }
        }
    )*};
}
library_values!(
    Codec,
    PredictorChoice,
    Resampling,
    BigTiff,
    Interleave,
    ZoomLevelStrategy,
    OverviewMode,
    StatisticsMode
);

/// The clap parser for a library value list: its names are the possible
/// values (shown in help, completions and man pages).
fn values<T: LibraryValue>() -> impl TypedValueParser<Value = T> {
    PossibleValuesParser::new(T::all().iter().map(|v| v.name()))
        .map(|s| T::from_name(&s).expect("clap accepted one of the listed names"))
}

#[derive(Debug, Parser)]
#[command(
    name = "cogtool",
    version,
    about = "Create, dump, inspect and validate Cloud Optimized GeoTIFFs",
    long_about = "cogtool: one binary for Cloud Optimized GeoTIFFs.\n\n\
        Exit codes: 0 success; 1 the input is not what the command needs \
        (validate: not a valid COG; dump: no such tile); 2 usage error, \
        unreadable or non-TIFF input, I/O failure."
)]
pub struct Cli {
    /// Silence messages on stderr (errors are still printed).
    #[arg(short, long, global = true, help_heading = "Global options")]
    pub quiet: bool,
    /// Log each byte range read (and, for remote sources, each request).
    #[arg(short, long, global = true, action = clap::ArgAction::Count, help_heading = "Global options")]
    pub verbose: u8,
    #[command(flatten)]
    pub remote: RemoteArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RequestPayerArg {
    /// The requester pays for the transfer (requester-pays buckets).
    Requester,
}

/// Options for http(s)://, s3://, gs:// and az:// sources and
/// destinations. S3 options are named as the AWS CLI names them; Google
/// Cloud Storage and Azure take their credentials from the environment as
/// their own tools do (see docs/remote.md).
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Remote sources (http, https, s3, gs, az)")]
pub struct RemoteArgs {
    /// Extra HTTP request header, e.g. 'Authorization: Bearer TOKEN' (repeatable).
    #[arg(long = "header", global = true, value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
    /// AWS profile from ~/.aws/config (default: AWS_PROFILE, else `default`).
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// AWS region (default: AWS_REGION, the profile's, else us-east-1).
    #[arg(long, global = true, value_name = "REGION")]
    pub region: Option<String>,
    /// S3-compatible endpoint, e.g. http://127.0.0.1:9000 (default:
    /// AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL); uses path-style addressing.
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Send S3, Google Cloud Storage and Azure requests unsigned (public
    /// buckets and containers; no credentials needed).
    #[arg(long, global = true)]
    pub no_sign_request: bool,
    /// Accept the charges of a requester-pays bucket.
    #[arg(long, global = true, value_enum, value_name = "requester")]
    pub request_payer: Option<RequestPayerArg>,
    /// Retries of a failed request (5xx, 429, timeouts, dropped connections).
    #[arg(long, global = true, default_value_t = cogtool::source::DEFAULT_RETRIES, value_name = "N")]
    pub retries: u32,
    /// Remote requests in flight at once (bulk reads, upload parts).
    #[arg(long, global = true, default_value_t = cogtool::source::DEFAULT_CONCURRENCY,
          value_parser = clap::value_parser!(u16).range(1..=1024).map(usize::from), value_name = "N")]
    pub concurrency: usize,
    /// Size of the first read of a file, and the least of later header reads.
    #[arg(long, global = true, default_value_t = cogtool::source::DEFAULT_HEADER_BYTES,
          value_parser = clap::value_parser!(u32).range(16..=(64 << 20)).map(|v| v as usize), value_name = "BYTES")]
    pub header_bytes: usize,
}

impl RemoteArgs {
    /// Fill the remote fields of source options.
    pub fn apply(&self, o: &mut cogtool::source::OpenOptions) {
        o.header_bytes = self.header_bytes;
        o.headers = self.headers.clone();
        o.profile = self.profile.clone();
        o.region = self.region.clone();
        o.endpoint_url = self.endpoint_url.clone();
        o.no_sign_request = self.no_sign_request;
        o.request_payer = self.request_payer.is_some();
        o.retries = self.retries;
        o.concurrency = self.concurrency;
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Convert a GeoTIFF into a Cloud Optimized GeoTIFF with overviews.
    Create(CreateArgs),
    /// Write raw compressed tiles by x/y/z, without decoding them.
    Dump(DumpArgs),
    /// Print every IFD and tag, decoded (GeoKeys, GDAL metadata), as text or JSON.
    Info(InfoArgs),
    /// Check the COG layout as GDAL's validator does, and more.
    Validate(ValidateArgs),
    /// Write OUTPUT from the parts staged by `create ... OUTPUT --part I/N`
    /// (in OUTPUT.parts/, or under s3://bucket/key.parts/), byte for byte
    /// what one `create` run writes; the staging is removed afterwards.
    Assemble(AssembleArgs),
    /// Write shell completions and man pages into a directory (for packagers).
    #[command(hide = true)]
    GenAssets {
        /// Directory that receives completions/ and man/.
        dir: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct AssembleArgs {
    /// The OUTPUT the parts were made for (its staging is OUTPUT.parts/).
    #[arg(value_name = "OUTPUT")]
    pub output: String,
}

#[derive(Debug, Args)]
pub struct InfoArgs {
    /// Files (or URLs) to describe; several may be given; `@list.txt` reads
    /// them from a file, `-` from stdin; `s3://bucket/prefix/` (or `gs://`,
    /// `az://container/prefix/`) lists the TIFFs under the prefix.
    #[arg(required = true, value_name = "SOURCE")]
    pub sources: Vec<String>,
    /// Describe the TIFFs (*.tif, *.tiff) under directories given as SOURCE.
    #[arg(long, short = 'r')]
    pub recursive: bool,
    /// One JSON object per source, one per line.
    #[arg(long)]
    pub json: bool,
    /// Print long arrays (TileOffsets, ...) whole instead of shortened.
    #[arg(long)]
    pub all_values: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FullCheck {
    Yes,
    No,
    Auto,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RuleSet {
    Gdal,
    Rio,
    Ogc,
}

/// How `validate` prints its verdicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
    Github,
    Junit,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Files to check; `@list.txt` reads paths from a file, `-` from stdin;
    /// `s3://bucket/prefix/` (or `gs://`, `az://container/prefix/`) lists
    /// the TIFFs under the prefix.
    #[arg(required = true, value_name = "SOURCE")]
    pub sources: Vec<String>,
    /// Check the TIFFs (*.tif, *.tiff) under directories given as SOURCE.
    #[arg(long, short = 'r')]
    pub recursive: bool,
    /// Warnings make the file invalid too.
    #[arg(long)]
    pub strict: bool,
    /// One JSON object per source, one per line (the same as --format json).
    #[arg(long)]
    pub json: bool,
    /// Output format: `text`; `json` (one object per line); `github`
    /// (workflow commands: errors and warnings as annotations in GitHub
    /// Actions); `junit` (JUnit XML, one testcase per source, for GitLab,
    /// Jenkins, Azure Pipelines) [default: text].
    #[arg(long, value_enum, conflicts_with = "json")]
    pub format: Option<OutputFormat>,
    /// Check every tile's leader, trailer and order (auto: local files only).
    #[arg(long, value_enum, default_value = "auto")]
    pub full_check: FullCheck,
    /// Whose verdict to reproduce: GDAL's validator, rio-cogeo's, or the
    /// OGC Cloud Optimized GeoTIFF standard's (OGC 21-026: one rule per
    /// requirement, recommendations as warnings and infos).
    #[arg(long, value_enum, default_value = "gdal")]
    pub rules: RuleSet,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    cogtool dump cog.tif --xyz 0 0 0                 # writes cog_0_0_0.jpg (or .bin)\n  \
    cogtool dump cog.tif --xyz 3 1 2 -o - | file -   # tile to stdout\n  \
    cogtool dump cog.tif --xyz 0 0 1 --json          # offset, size, codec of the tile\n  \
    cogtool dump cog.tif --level 2 --all -o tiles/   # tiles/2/X/Y.ext\n  \
    cogtool dump cog.tif --tiles list.txt -o tiles/  # `x y z` per line\n\n\
    Tiles are always named by column, row and level, in that order: --xyz X Y Z,\n\
    `x y z` lines in --tiles, `tile x=X y=Y z=Z` in messages. Bulk dumps write\n\
    DIR/Z/X/Y.ext (the usual web-map layout). Existing files are kept unless\n\
    --overwrite is given.")]
pub struct DumpArgs {
    /// File (or URL) to read tiles from.
    #[arg(value_name = "SOURCE")]
    pub source: String,
    /// Tile column, row and level (0 = full resolution, 1 = first overview).
    #[arg(long, num_args = 3, value_names = ["X", "Y", "Z"], conflicts_with_all = ["all", "tiles", "level"])]
    pub xyz: Option<Vec<u64>>,
    /// Output file, directory (bulk) or `-` for stdout.
    #[arg(short, long, value_name = "PATH")]
    pub output: Option<String>,
    /// Write stored bytes as they are (no JPEGTables splicing).
    #[arg(long)]
    pub raw: bool,
    /// Write the mask tile instead of the image tile.
    #[arg(long)]
    pub mask: bool,
    /// Print the tile's facts as JSON (alone, or beside the bytes with -o).
    #[arg(long)]
    pub json: bool,
    /// Level for bulk dumps (with --all).
    #[arg(long, value_name = "Z", requires = "all")]
    pub level: Option<usize>,
    /// Dump every tile of --level into DIR/Z/X/Y.ext.
    #[arg(long, requires = "level", conflicts_with = "tiles")]
    pub all: bool,
    /// Read `x y z` triples from FILE (or `-` for stdin); writes DIR/Z/X/Y.ext.
    #[arg(long, value_name = "FILE")]
    pub tiles: Option<String>,
    /// Replace output files that exist.
    #[arg(long)]
    pub overwrite: bool,
    /// Band whose tiles to dump, for band-interleaved (planar) files.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub band: u64,
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// INPUT... OUTPUT: the input GeoTIFF(s), then the output COG (`-`
    /// streams it to stdout; refused when stdout is a terminal) or, as with
    /// `cp`, a directory (an existing one, or a name ending in `/`, also
    /// `s3://bucket/prefix/`, `gs://...`, `az://...`) that receives each INPUT under its own file
    /// name; several inputs need one. `-` as the only INPUT reads the input
    /// paths from stdin, one per line. A failed input is reported and the
    /// others are converted (exit 2 at the end).
    #[arg(required = true, num_args = 2.., value_name = "PATH")]
    pub paths: Vec<String>,
    /// Tile codec (GDAL: COMPRESS) [default: lzw].
    #[arg(long, value_parser = values::<Codec>())]
    pub compress: Option<Codec>,
    /// DEFLATE/ZSTD level (GDAL: LEVEL) [default: 6 for DEFLATE, 9 for ZSTD].
    #[arg(long)]
    pub level: Option<i32>,
    /// JPEG/WebP quality 1-100 (GDAL: QUALITY) [default: 75].
    #[arg(long)]
    pub quality: Option<u8>,
    /// Predictor (GDAL: PREDICTOR) [default: none].
    #[arg(long, value_parser = values::<PredictorChoice>())]
    pub predictor: Option<PredictorChoice>,
    /// Tile size, a multiple of 16 (GDAL: BLOCKSIZE) [default: 512].
    #[arg(long)]
    pub blocksize: Option<u32>,
    /// Overview tile size (GDAL: GDAL_TIFF_OVR_BLOCKSIZE) [default: --blocksize
    /// when a power of two from 64 to 4096, else 128].
    #[arg(long)]
    pub overview_blocksize: Option<u32>,
    /// Resampling for overviews (GDAL: RESAMPLING) [default: cubic; nearest
    /// for palette or complex input].
    #[arg(long, value_parser = values::<Resampling>())]
    pub resampling: Option<Resampling>,
    /// Resampling for overviews, overriding --resampling (GDAL: OVERVIEW_RESAMPLING).
    #[arg(long, value_parser = values::<Resampling>())]
    pub overview_resampling: Option<Resampling>,
    /// Number of overview levels (GDAL: OVERVIEW_COUNT) [default: halve
    /// until the image fits in one tile].
    #[arg(long)]
    pub overview_count: Option<u32>,
    /// What to do with the input's own overviews (GDAL: OVERVIEWS): `auto`
    /// keeps them when it has any (all levels, or the first
    /// --overview-count) and computes them otherwise; `ignore-existing`
    /// computes them anyway (as GDAL, it still keeps them when the image
    /// fits in one block); `force-use-existing` keeps them and computes
    /// none; `none` writes no overviews [default: auto].
    #[arg(long, value_parser = values::<OverviewMode>())]
    pub overviews: Option<OverviewMode>,
    /// Compute the overviews even when the input has its own
    /// (the same as --overviews ignore-existing).
    #[arg(long)]
    pub regenerate_overviews: bool,
    /// Band statistics (minimum, maximum, mean, standard deviation, valid
    /// percentage) in the output's metadata, as GDAL's STATISTICS: `yes`
    /// computes them exactly as the pixels pass (nodata, NaN and masked
    /// pixels left out); `auto` keeps the input's, computed anew when the
    /// bands or nodata change; `no` leaves them out [default: auto].
    #[arg(long, value_parser = values::<StatisticsMode>())]
    pub statistics: Option<StatisticsMode>,
    /// Nodata value, `nan`, or `none` to drop the input's.
    #[arg(long, allow_hyphen_values = true)]
    pub nodata: Option<String>,
    /// Turn nodata or alpha into an internal mask.
    #[arg(long)]
    pub add_mask: bool,
    /// Sample layout (GDAL: INTERLEAVE) [default: pixel].
    #[arg(long, value_parser = values::<Interleave>())]
    pub interleave: Option<Interleave>,
    /// Omit tiles that are all nodata (GDAL: SPARSE_OK).
    #[arg(long)]
    pub sparse: bool,
    /// Band description, e.g. `1=Red` (repeatable).
    #[arg(long, value_name = "BAND=TEXT")]
    pub description: Vec<String>,
    /// Dataset metadata item (repeatable); GDAL's TIFFTAG_* names set the
    /// TIFF tag itself, as `gdal_translate -mo` does.
    #[arg(long, value_name = "KEY=VALUE")]
    pub tag: Vec<String>,
    /// Worker threads [default: all cores].
    #[arg(long)]
    pub threads: Option<usize>,
    /// BigTIFF output (GDAL: BIGTIFF) [default: if-safer: BigTIFF when
    /// the uncompressed tiles could pass 4 GiB].
    #[arg(long, value_parser = values::<BigTiff>())]
    pub bigtiff: Option<BigTiff>,
    /// Replace OUTPUT if it exists.
    #[arg(long)]
    pub overwrite: bool,
    /// GDAL COG creation option, e.g. `COMPRESS=DEFLATE` (repeatable).
    #[arg(long = "co", value_name = "NAME=VALUE")]
    pub creation_options: Vec<String>,
    /// Be worker I of N of a distributed run: compute a share of the COG
    /// and stage it in OUTPUT.parts/ (s3://bucket/key.parts/ for S3, likewise gs://, az://), then
    /// `cogtool assemble OUTPUT` once all are done. I counts from 0; `auto/N` reads it from AWS_BATCH_JOB_ARRAY_INDEX,
    /// JOB_COMPLETION_INDEX (Kubernetes) or SLURM_ARRAY_TASK_ID.
    #[arg(long, value_name = "I/N")]
    pub part: Option<String>,
    /// Directory for temporary files [default: beside OUTPUT]. An s3://,
    /// gs:// or az:// OUTPUT is streamed and needs none, except with --verify,
    /// --web-optimized/--tms or a non-TIFF INPUT (built here, then
    /// uploaded; default: the system temp directory).
    #[arg(long)]
    pub tmpdir: Option<PathBuf>,
    /// After writing, decode every tile, compare with the input, and validate.
    #[arg(long)]
    pub verify: bool,
    /// Decode and re-encode every tile, even those the input already stores
    /// exactly as the output asks (by default they are copied as they are).
    #[arg(long)]
    pub no_copy: bool,
    /// Reproject to WebMercatorQuad and align tiles with it, as GDAL's
    /// TILING_SCHEME=GoogleMapsCompatible (needs a build with --features gdal).
    #[arg(long, help_heading = "Tile matrix sets (needs a build with --features gdal)")]
    pub web_optimized: bool,
    /// Reproject to the OGC TileMatrixSet JSON in FILE and align tiles with it
    /// (needs a build with --features gdal).
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "web_optimized",
        help_heading = "Tile matrix sets (needs a build with --features gdal)"
    )]
    pub tms: Option<PathBuf>,
    /// Resampling of the reprojection, default nearest (GDAL: WARP_RESAMPLING;
    /// needs a build with --features gdal).
    #[arg(long, value_parser = values::<Resampling>(), help_heading = "Tile matrix sets (needs a build with --features gdal)")]
    pub warp_resampling: Option<Resampling>,
    /// Zoom level of the full resolution (GDAL: ZOOM_LEVEL; needs a build with --features gdal).
    #[arg(long, value_name = "Z", help_heading = "Tile matrix sets (needs a build with --features gdal)")]
    pub zoom_level: Option<u32>,
    /// How to round the input resolution to a zoom level, default auto
    /// (GDAL: ZOOM_LEVEL_STRATEGY; needs a build with --features gdal).
    #[arg(long, value_parser = values::<ZoomLevelStrategy>(), help_heading = "Tile matrix sets (needs a build with --features gdal)")]
    pub zoom_level_strategy: Option<ZoomLevelStrategy>,
    /// Overview levels aligned with the tile matrix set (GDAL: ALIGNED_LEVELS;
    /// needs a build with --features gdal).
    #[arg(long, value_name = "N", help_heading = "Tile matrix sets (needs a build with --features gdal)")]
    pub aligned_levels: Option<u32>,
}

impl CreateArgs {
    /// The inputs, and OUTPUT (the last path).
    pub fn inputs_and_output(&self) -> (&[String], &str) {
        let (output, inputs) = self.paths.split_last().expect("clap requires two paths");
        (inputs, output)
    }

    /// The options as the library takes them (it merges them with `--co`
    /// items and checks them).
    pub fn flags(&self) -> Flags {
        Flags {
            compress: self.compress,
            level: self.level,
            quality: self.quality,
            predictor: self.predictor,
            blocksize: self.blocksize,
            overview_blocksize: self.overview_blocksize,
            resampling: self.resampling,
            overview_resampling: self.overview_resampling,
            overview_count: self.overview_count,
            overviews: self.overviews,
            regenerate_overviews: self.regenerate_overviews,
            statistics: self.statistics,
            nodata: self.nodata.clone(),
            add_mask: self.add_mask,
            interleave: self.interleave,
            sparse: self.sparse,
            description: self.description.clone(),
            tag: self.tag.clone(),
            threads: self.threads,
            bigtiff: self.bigtiff,
            overwrite: self.overwrite,
            creation_options: self.creation_options.clone(),
            tmpdir: self.tmpdir.clone(),
            verify: self.verify,
            no_copy: self.no_copy,
            web_optimized: self.web_optimized,
            tms: self.tms.clone(),
            warp_resampling: self.warp_resampling,
            zoom_level: self.zoom_level,
            zoom_level_strategy: self.zoom_level_strategy,
            aligned_levels: self.aligned_levels,
        }
    }
}

#[cfg(test)]
mod tests {
    // The command line's GDAL-style `--co` options and flags, as the library reads them.
    use super::*;
    use cogtool::Result;
    use cogtool::create::options::CreateOptions;

    fn opts(args: &[&str]) -> Result<CreateOptions> {
        let mut v = vec!["cogtool", "create", "in.tif", "out.tif"];
        v.extend_from_slice(args);
        let cli = Cli::try_parse_from(v).expect("clap");
        match cli.command {
            Command::Create(a) => CreateOptions::from_flags(&a.flags()),
            _ => unreachable!(),
        }
    }

    #[test]
    fn defaults_are_gdal_cog_defaults() {
        let o = opts(&[]).unwrap();
        assert_eq!(o.codec, Codec::Lzw);
        assert_eq!(o.blocksize, 512);
        assert_eq!(o.predictor, PredictorChoice::None);
        assert_eq!(o.overviews, OverviewMode::Auto);
        assert_eq!(o.overview_count, None);
        assert_eq!(o.bigtiff, BigTiff::IfSafer);
        assert_eq!(o.resampling, None);
    }

    #[test]
    fn gdal_creation_options_map_onto_flags() {
        let o = opts(&[
            "--co",
            "COMPRESS=deflate",
            "--co",
            "PREDICTOR=YES",
            "--co",
            "LEVEL=9",
            "--co",
            "BLOCKSIZE=256",
            "--co",
            "OVERVIEW_RESAMPLING=AVERAGE",
            "--co",
            "SPARSE_OK=TRUE",
            "--co",
            "BIGTIFF=YES",
            "--co",
            "NUM_THREADS=2",
        ])
        .unwrap();
        assert_eq!(o.codec, Codec::Deflate);
        assert_eq!(o.predictor, PredictorChoice::Auto);
        assert_eq!(o.level, Some(9));
        assert_eq!(o.blocksize, 256);
        assert_eq!(o.resampling, Some(Resampling::Average));
        assert!(o.sparse);
        assert_eq!(o.bigtiff, BigTiff::Yes);
        assert_eq!(o.threads, Some(2));
    }

    #[test]
    fn unknown_or_inapplicable_options_are_errors() {
        let e = opts(&["--co", "FOO=1"]).unwrap_err();
        assert!(e.message.contains("unknown GDAL COG creation option"), "{}", e);
        let e = opts(&["--co", "TARGET_SRS=EPSG:3857"]).unwrap_err();
        assert!(e.message.contains("not supported"), "{}", e);
        let e = opts(&["--compress", "jpeg", "--predictor", "horizontal"]).unwrap_err();
        assert!(e.message.contains("predictor"), "{}", e);
        let e = opts(&["--level", "5"]).unwrap_err();
        assert!(e.message.contains("--level applies"), "{}", e);
        let e = opts(&["--compress", "lzw", "--co", "COMPRESS=DEFLATE"]).unwrap_err();
        assert!(e.message.contains("twice"), "{}", e);
        assert!(opts(&["--blocksize", "100"]).is_err());
        assert!(opts(&["--co", "NOEQUALS"]).is_err());
    }

    #[test]
    fn same_value_twice_is_fine() {
        let o = opts(&["--compress", "zstd", "--co", "COMPRESS=ZSTD"]).unwrap();
        assert_eq!(o.codec, Codec::Zstd);
    }
}
