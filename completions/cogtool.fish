# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_cogtool_global_optspecs
    string join \n q/quiet v/verbose header= profile= region= endpoint-url= no-sign-request request-payer= retries= concurrency= header-bytes= h/help V/version
end

function __fish_cogtool_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_cogtool_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_cogtool_using_subcommand
    set -l cmd (__fish_cogtool_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c cogtool -n "__fish_cogtool_needs_command" -l header -d 'Extra HTTP request header, e.g. \'Authorization: Bearer TOKEN\' (repeatable)' -r
complete -c cogtool -n "__fish_cogtool_needs_command" -l profile -d 'AWS profile from ~/.aws/config (default: AWS_PROFILE, else `default`)' -r
complete -c cogtool -n "__fish_cogtool_needs_command" -l region -d 'AWS region (default: AWS_REGION, the profile\'s, else us-east-1)' -r
complete -c cogtool -n "__fish_cogtool_needs_command" -l endpoint-url -d 'S3-compatible endpoint, e.g. http://127.0.0.1:9000 (default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL); uses path-style addressing' -r
complete -c cogtool -n "__fish_cogtool_needs_command" -l request-payer -d 'Accept the charges of a requester-pays bucket' -r -f -a "requester\t'The requester pays for the transfer (requester-pays buckets)'"
complete -c cogtool -n "__fish_cogtool_needs_command" -l retries -d 'Retries of a failed request (5xx, 429, timeouts, dropped connections)' -r
complete -c cogtool -n "__fish_cogtool_needs_command" -l concurrency -d 'Remote requests in flight at once (bulk reads, upload parts)' -r
complete -c cogtool -n "__fish_cogtool_needs_command" -l header-bytes -d 'Size of the first read of a file, and the least of later header reads' -r
complete -c cogtool -n "__fish_cogtool_needs_command" -s q -l quiet -d 'Silence messages on stderr (errors are still printed)'
complete -c cogtool -n "__fish_cogtool_needs_command" -s v -l verbose -d 'Log each byte range read (and, for remote sources, each request)'
complete -c cogtool -n "__fish_cogtool_needs_command" -l no-sign-request -d 'Send S3, Google Cloud Storage and Azure requests unsigned (public buckets and containers; no credentials needed)'
complete -c cogtool -n "__fish_cogtool_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cogtool -n "__fish_cogtool_needs_command" -s V -l version -d 'Print version'
complete -c cogtool -n "__fish_cogtool_needs_command" -f -a "create" -d 'Convert a GeoTIFF into a Cloud Optimized GeoTIFF with overviews'
complete -c cogtool -n "__fish_cogtool_needs_command" -f -a "dump" -d 'Write raw compressed tiles by x/y/z, without decoding them'
complete -c cogtool -n "__fish_cogtool_needs_command" -f -a "info" -d 'Print every IFD and tag, decoded (GeoKeys, GDAL metadata), as text or JSON'
complete -c cogtool -n "__fish_cogtool_needs_command" -f -a "validate" -d 'Check the COG layout as GDAL\'s validator does, and more'
complete -c cogtool -n "__fish_cogtool_needs_command" -f -a "assemble" -d 'Write OUTPUT from the parts staged by `create ... OUTPUT --part I/N` (in OUTPUT.parts/, or under s3://bucket/key.parts/), byte for byte what one `create` run writes; the staging is removed afterwards'
complete -c cogtool -n "__fish_cogtool_needs_command" -f -a "gen-assets" -d 'Write shell completions and man pages into a directory (for packagers)'
complete -c cogtool -n "__fish_cogtool_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cogtool -n "__fish_cogtool_using_subcommand create" -l compress -d 'Tile codec (GDAL: COMPRESS) [default: lzw]' -r -f -a "none\t''
deflate\t''
lzw\t''
zstd\t''
packbits\t''
jpeg\t''
webp\t''"
complete -c cogtool -n "__fish_cogtool_using_subcommand create" -l level -d 'DEFLATE/ZSTD level (GDAL: LEVEL) [default: 6 for DEFLATE, 9 for ZSTD]' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand create" -l quality -d 'JPEG/WebP quality 1-100 (GDAL: QUALITY) [default: 75]' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand create" -l predictor -d 'Predictor (GDAL: PREDICTOR) [default: none]' -r -f -a "none\t''
horizontal\t''
float\t''
auto\t''"
complete -c cogtool -n "__fish_cogtool_using_subcommand create" -l blocksize -d 'Tile size, a multiple of 16 (GDAL: BLOCKSIZE) [default: 512]' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand create" -l overview-blocksize -d 'Overview tile size (GDAL: GDAL_TIFF_OVR_BLOCKSIZE) [default: --blocksize when a power of two from 64 to 4096, else 128]' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand create" -l resampling -d 'Resampling for overviews (GDAL: RESAMPLING) [default: cubic; nearest for palette or complex input]' -r -f -a "nearest\t''
average\t''
bilinear\t''
cubic\t''
cubicspline\t''
lanczos\t''
mode\t''
rms\t''
gauss\t''"
complete -c cogtool -n "__fish_cogtool_using_subcommand create" -l overview-resampling -d 'Resampling for overviews, overriding --resampling (GDAL: OVERVIEW_RESAMPLING)' -r -f -a "nearest\t''
average\t''
bilinear\t''
cubic\t''
cubicspline\t''
lanczos\t''
mode\t''
rms\t''
gauss\t''"
complete -c cogtool -n "__fish_cogtool_using_subcommand create" -l overview-count -d 'Number of overview levels (GDAL: OVERVIEW_COUNT) [default: halve until the image fits in one tile]' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand create" -l overviews -d 'What to do with the input\'s own overviews (GDAL: OVERVIEWS): `auto` keeps them when it has any (all levels, or the first --overview-count) and computes them otherwise; `ignore-existing` computes them anyway (as GDAL, it still keeps them when the image fits in one block); `force-use-existing` keeps them and computes none; `none` writes no overviews [default: auto]' -r -f -a "auto\t''
ignore-existing\t''
force-use-existing\t''
none\t''"
complete -c cogtool -n "__fish_cogtool_using_subcommand create" -l statistics -d 'Band statistics (minimum, maximum, mean, standard deviation, valid percentage) in the output\'s metadata, as GDAL\'s STATISTICS: `yes` computes them exactly as the pixels pass (nodata, NaN and masked pixels left out); `auto` keeps the input\'s, computed anew when the bands or nodata change; `no` leaves them out [default: auto]' -r -f -a "auto\t''
yes\t''
no\t''"
complete -c cogtool -n "__fish_cogtool_using_subcommand create" -l nodata -d 'Nodata value, `nan`, or `none` to drop the input\'s' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand create" -l interleave -d 'Sample layout (GDAL: INTERLEAVE) [default: pixel]' -r -f -a "pixel\t''
band\t''"
complete -c cogtool -n "__fish_cogtool_using_subcommand create" -l description -d 'Band description, e.g. `1=Red` (repeatable)' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand create" -l tag -d 'Dataset metadata item (repeatable); GDAL\'s TIFFTAG_* names set the TIFF tag itself, as `gdal_translate -mo` does' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand create" -l threads -d 'Worker threads [default: all cores]' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand create" -l bigtiff -d 'BigTIFF output (GDAL: BIGTIFF) [default: if-safer: BigTIFF when the uncompressed tiles could pass 4 GiB]' -r -f -a "yes\t''
no\t''
if-needed\t''
if-safer\t''"
complete -c cogtool -n "__fish_cogtool_using_subcommand create" -l co -d 'GDAL COG creation option, e.g. `COMPRESS=DEFLATE` (repeatable)' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand create" -l part -d 'Be worker I of N of a distributed run: compute a share of the COG and stage it in OUTPUT.parts/ (s3://bucket/key.parts/ for S3, likewise gs://, az://), then `cogtool assemble OUTPUT` once all are done. I counts from 0; `auto/N` reads it from AWS_BATCH_JOB_ARRAY_INDEX, JOB_COMPLETION_INDEX (Kubernetes) or SLURM_ARRAY_TASK_ID' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand create" -l tmpdir -d 'Directory for temporary files [default: beside OUTPUT]. An s3://, gs:// or az:// OUTPUT is streamed and needs none, except with --verify, --web-optimized/--tms or a non-TIFF INPUT (built here, then uploaded; default: the system temp directory)' -r -F
complete -c cogtool -n "__fish_cogtool_using_subcommand create" -l tms -d 'Reproject to the OGC TileMatrixSet JSON in FILE and align tiles with it (needs a build with --features gdal)' -r -F
complete -c cogtool -n "__fish_cogtool_using_subcommand create" -l warp-resampling -d 'Resampling of the reprojection, default nearest (GDAL: WARP_RESAMPLING; needs a build with --features gdal)' -r -f -a "nearest\t''
average\t''
bilinear\t''
cubic\t''
cubicspline\t''
lanczos\t''
mode\t''
rms\t''
gauss\t''"
complete -c cogtool -n "__fish_cogtool_using_subcommand create" -l zoom-level -d 'Zoom level of the full resolution (GDAL: ZOOM_LEVEL; needs a build with --features gdal)' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand create" -l zoom-level-strategy -d 'How to round the input resolution to a zoom level, default auto (GDAL: ZOOM_LEVEL_STRATEGY; needs a build with --features gdal)' -r -f -a "auto\t''
lower\t''
upper\t''"
complete -c cogtool -n "__fish_cogtool_using_subcommand create" -l aligned-levels -d 'Overview levels aligned with the tile matrix set (GDAL: ALIGNED_LEVELS; needs a build with --features gdal)' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand create" -l header -d 'Extra HTTP request header, e.g. \'Authorization: Bearer TOKEN\' (repeatable)' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand create" -l profile -d 'AWS profile from ~/.aws/config (default: AWS_PROFILE, else `default`)' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand create" -l region -d 'AWS region (default: AWS_REGION, the profile\'s, else us-east-1)' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand create" -l endpoint-url -d 'S3-compatible endpoint, e.g. http://127.0.0.1:9000 (default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL); uses path-style addressing' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand create" -l request-payer -d 'Accept the charges of a requester-pays bucket' -r -f -a "requester\t'The requester pays for the transfer (requester-pays buckets)'"
complete -c cogtool -n "__fish_cogtool_using_subcommand create" -l retries -d 'Retries of a failed request (5xx, 429, timeouts, dropped connections)' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand create" -l concurrency -d 'Remote requests in flight at once (bulk reads, upload parts)' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand create" -l header-bytes -d 'Size of the first read of a file, and the least of later header reads' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand create" -l regenerate-overviews -d 'Compute the overviews even when the input has its own (the same as --overviews ignore-existing)'
complete -c cogtool -n "__fish_cogtool_using_subcommand create" -l add-mask -d 'Turn nodata or alpha into an internal mask'
complete -c cogtool -n "__fish_cogtool_using_subcommand create" -l sparse -d 'Omit tiles that are all nodata (GDAL: SPARSE_OK)'
complete -c cogtool -n "__fish_cogtool_using_subcommand create" -l overwrite -d 'Replace OUTPUT if it exists'
complete -c cogtool -n "__fish_cogtool_using_subcommand create" -l verify -d 'After writing, decode every tile, compare with the input, and validate'
complete -c cogtool -n "__fish_cogtool_using_subcommand create" -l no-copy -d 'Decode and re-encode every tile, even those the input already stores exactly as the output asks (by default they are copied as they are)'
complete -c cogtool -n "__fish_cogtool_using_subcommand create" -l web-optimized -d 'Reproject to WebMercatorQuad and align tiles with it, as GDAL\'s TILING_SCHEME=GoogleMapsCompatible (needs a build with --features gdal)'
complete -c cogtool -n "__fish_cogtool_using_subcommand create" -s q -l quiet -d 'Silence messages on stderr (errors are still printed)'
complete -c cogtool -n "__fish_cogtool_using_subcommand create" -s v -l verbose -d 'Log each byte range read (and, for remote sources, each request)'
complete -c cogtool -n "__fish_cogtool_using_subcommand create" -l no-sign-request -d 'Send S3, Google Cloud Storage and Azure requests unsigned (public buckets and containers; no credentials needed)'
complete -c cogtool -n "__fish_cogtool_using_subcommand create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cogtool -n "__fish_cogtool_using_subcommand dump" -l xyz -d 'Tile column, row and level (0 = full resolution, 1 = first overview)' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand dump" -s o -l output -d 'Output file, directory (bulk) or `-` for stdout' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand dump" -l level -d 'Level for bulk dumps (with --all)' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand dump" -l tiles -d 'Read `x y z` triples from FILE (or `-` for stdin); writes DIR/Z/X/Y.ext' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand dump" -l band -d 'Band whose tiles to dump, for band-interleaved (planar) files' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand dump" -l header -d 'Extra HTTP request header, e.g. \'Authorization: Bearer TOKEN\' (repeatable)' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand dump" -l profile -d 'AWS profile from ~/.aws/config (default: AWS_PROFILE, else `default`)' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand dump" -l region -d 'AWS region (default: AWS_REGION, the profile\'s, else us-east-1)' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand dump" -l endpoint-url -d 'S3-compatible endpoint, e.g. http://127.0.0.1:9000 (default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL); uses path-style addressing' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand dump" -l request-payer -d 'Accept the charges of a requester-pays bucket' -r -f -a "requester\t'The requester pays for the transfer (requester-pays buckets)'"
complete -c cogtool -n "__fish_cogtool_using_subcommand dump" -l retries -d 'Retries of a failed request (5xx, 429, timeouts, dropped connections)' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand dump" -l concurrency -d 'Remote requests in flight at once (bulk reads, upload parts)' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand dump" -l header-bytes -d 'Size of the first read of a file, and the least of later header reads' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand dump" -l raw -d 'Write stored bytes as they are (no JPEGTables splicing)'
complete -c cogtool -n "__fish_cogtool_using_subcommand dump" -l mask -d 'Write the mask tile instead of the image tile'
complete -c cogtool -n "__fish_cogtool_using_subcommand dump" -l json -d 'Print the tile\'s facts as JSON (alone, or beside the bytes with -o)'
complete -c cogtool -n "__fish_cogtool_using_subcommand dump" -l all -d 'Dump every tile of --level into DIR/Z/X/Y.ext'
complete -c cogtool -n "__fish_cogtool_using_subcommand dump" -l overwrite -d 'Replace output files that exist'
complete -c cogtool -n "__fish_cogtool_using_subcommand dump" -s q -l quiet -d 'Silence messages on stderr (errors are still printed)'
complete -c cogtool -n "__fish_cogtool_using_subcommand dump" -s v -l verbose -d 'Log each byte range read (and, for remote sources, each request)'
complete -c cogtool -n "__fish_cogtool_using_subcommand dump" -l no-sign-request -d 'Send S3, Google Cloud Storage and Azure requests unsigned (public buckets and containers; no credentials needed)'
complete -c cogtool -n "__fish_cogtool_using_subcommand dump" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cogtool -n "__fish_cogtool_using_subcommand info" -l header -d 'Extra HTTP request header, e.g. \'Authorization: Bearer TOKEN\' (repeatable)' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand info" -l profile -d 'AWS profile from ~/.aws/config (default: AWS_PROFILE, else `default`)' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand info" -l region -d 'AWS region (default: AWS_REGION, the profile\'s, else us-east-1)' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand info" -l endpoint-url -d 'S3-compatible endpoint, e.g. http://127.0.0.1:9000 (default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL); uses path-style addressing' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand info" -l request-payer -d 'Accept the charges of a requester-pays bucket' -r -f -a "requester\t'The requester pays for the transfer (requester-pays buckets)'"
complete -c cogtool -n "__fish_cogtool_using_subcommand info" -l retries -d 'Retries of a failed request (5xx, 429, timeouts, dropped connections)' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand info" -l concurrency -d 'Remote requests in flight at once (bulk reads, upload parts)' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand info" -l header-bytes -d 'Size of the first read of a file, and the least of later header reads' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand info" -s r -l recursive -d 'Describe the TIFFs (*.tif, *.tiff) under directories given as SOURCE'
complete -c cogtool -n "__fish_cogtool_using_subcommand info" -l json -d 'One JSON object per source, one per line'
complete -c cogtool -n "__fish_cogtool_using_subcommand info" -l all-values -d 'Print long arrays (TileOffsets, ...) whole instead of shortened'
complete -c cogtool -n "__fish_cogtool_using_subcommand info" -s q -l quiet -d 'Silence messages on stderr (errors are still printed)'
complete -c cogtool -n "__fish_cogtool_using_subcommand info" -s v -l verbose -d 'Log each byte range read (and, for remote sources, each request)'
complete -c cogtool -n "__fish_cogtool_using_subcommand info" -l no-sign-request -d 'Send S3, Google Cloud Storage and Azure requests unsigned (public buckets and containers; no credentials needed)'
complete -c cogtool -n "__fish_cogtool_using_subcommand info" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cogtool -n "__fish_cogtool_using_subcommand validate" -l format -d 'Output format: `text`; `json` (one object per line); `github` (workflow commands: errors and warnings as annotations in GitHub Actions); `junit` (JUnit XML, one testcase per source, for GitLab, Jenkins, Azure Pipelines) [default: text]' -r -f -a "text\t''
json\t''
github\t''
junit\t''"
complete -c cogtool -n "__fish_cogtool_using_subcommand validate" -l full-check -d 'Check every tile\'s leader, trailer and order (auto: local files only)' -r -f -a "yes\t''
no\t''
auto\t''"
complete -c cogtool -n "__fish_cogtool_using_subcommand validate" -l rules -d 'Whose verdict to reproduce: GDAL\'s validator, rio-cogeo\'s, or the OGC Cloud Optimized GeoTIFF standard\'s (OGC 21-026: one rule per requirement, recommendations as warnings and infos)' -r -f -a "gdal\t''
rio\t''
ogc\t''"
complete -c cogtool -n "__fish_cogtool_using_subcommand validate" -l header -d 'Extra HTTP request header, e.g. \'Authorization: Bearer TOKEN\' (repeatable)' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand validate" -l profile -d 'AWS profile from ~/.aws/config (default: AWS_PROFILE, else `default`)' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand validate" -l region -d 'AWS region (default: AWS_REGION, the profile\'s, else us-east-1)' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand validate" -l endpoint-url -d 'S3-compatible endpoint, e.g. http://127.0.0.1:9000 (default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL); uses path-style addressing' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand validate" -l request-payer -d 'Accept the charges of a requester-pays bucket' -r -f -a "requester\t'The requester pays for the transfer (requester-pays buckets)'"
complete -c cogtool -n "__fish_cogtool_using_subcommand validate" -l retries -d 'Retries of a failed request (5xx, 429, timeouts, dropped connections)' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand validate" -l concurrency -d 'Remote requests in flight at once (bulk reads, upload parts)' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand validate" -l header-bytes -d 'Size of the first read of a file, and the least of later header reads' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand validate" -s r -l recursive -d 'Check the TIFFs (*.tif, *.tiff) under directories given as SOURCE'
complete -c cogtool -n "__fish_cogtool_using_subcommand validate" -l strict -d 'Warnings make the file invalid too'
complete -c cogtool -n "__fish_cogtool_using_subcommand validate" -l json -d 'One JSON object per source, one per line (the same as --format json)'
complete -c cogtool -n "__fish_cogtool_using_subcommand validate" -s q -l quiet -d 'Silence messages on stderr (errors are still printed)'
complete -c cogtool -n "__fish_cogtool_using_subcommand validate" -s v -l verbose -d 'Log each byte range read (and, for remote sources, each request)'
complete -c cogtool -n "__fish_cogtool_using_subcommand validate" -l no-sign-request -d 'Send S3, Google Cloud Storage and Azure requests unsigned (public buckets and containers; no credentials needed)'
complete -c cogtool -n "__fish_cogtool_using_subcommand validate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cogtool -n "__fish_cogtool_using_subcommand assemble" -l header -d 'Extra HTTP request header, e.g. \'Authorization: Bearer TOKEN\' (repeatable)' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand assemble" -l profile -d 'AWS profile from ~/.aws/config (default: AWS_PROFILE, else `default`)' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand assemble" -l region -d 'AWS region (default: AWS_REGION, the profile\'s, else us-east-1)' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand assemble" -l endpoint-url -d 'S3-compatible endpoint, e.g. http://127.0.0.1:9000 (default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL); uses path-style addressing' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand assemble" -l request-payer -d 'Accept the charges of a requester-pays bucket' -r -f -a "requester\t'The requester pays for the transfer (requester-pays buckets)'"
complete -c cogtool -n "__fish_cogtool_using_subcommand assemble" -l retries -d 'Retries of a failed request (5xx, 429, timeouts, dropped connections)' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand assemble" -l concurrency -d 'Remote requests in flight at once (bulk reads, upload parts)' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand assemble" -l header-bytes -d 'Size of the first read of a file, and the least of later header reads' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand assemble" -s q -l quiet -d 'Silence messages on stderr (errors are still printed)'
complete -c cogtool -n "__fish_cogtool_using_subcommand assemble" -s v -l verbose -d 'Log each byte range read (and, for remote sources, each request)'
complete -c cogtool -n "__fish_cogtool_using_subcommand assemble" -l no-sign-request -d 'Send S3, Google Cloud Storage and Azure requests unsigned (public buckets and containers; no credentials needed)'
complete -c cogtool -n "__fish_cogtool_using_subcommand assemble" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cogtool -n "__fish_cogtool_using_subcommand gen-assets" -l header -d 'Extra HTTP request header, e.g. \'Authorization: Bearer TOKEN\' (repeatable)' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand gen-assets" -l profile -d 'AWS profile from ~/.aws/config (default: AWS_PROFILE, else `default`)' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand gen-assets" -l region -d 'AWS region (default: AWS_REGION, the profile\'s, else us-east-1)' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand gen-assets" -l endpoint-url -d 'S3-compatible endpoint, e.g. http://127.0.0.1:9000 (default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL); uses path-style addressing' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand gen-assets" -l request-payer -d 'Accept the charges of a requester-pays bucket' -r -f -a "requester\t'The requester pays for the transfer (requester-pays buckets)'"
complete -c cogtool -n "__fish_cogtool_using_subcommand gen-assets" -l retries -d 'Retries of a failed request (5xx, 429, timeouts, dropped connections)' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand gen-assets" -l concurrency -d 'Remote requests in flight at once (bulk reads, upload parts)' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand gen-assets" -l header-bytes -d 'Size of the first read of a file, and the least of later header reads' -r
complete -c cogtool -n "__fish_cogtool_using_subcommand gen-assets" -s q -l quiet -d 'Silence messages on stderr (errors are still printed)'
complete -c cogtool -n "__fish_cogtool_using_subcommand gen-assets" -s v -l verbose -d 'Log each byte range read (and, for remote sources, each request)'
complete -c cogtool -n "__fish_cogtool_using_subcommand gen-assets" -l no-sign-request -d 'Send S3, Google Cloud Storage and Azure requests unsigned (public buckets and containers; no credentials needed)'
complete -c cogtool -n "__fish_cogtool_using_subcommand gen-assets" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cogtool -n "__fish_cogtool_using_subcommand help; and not __fish_seen_subcommand_from create dump info validate assemble gen-assets help" -f -a "create" -d 'Convert a GeoTIFF into a Cloud Optimized GeoTIFF with overviews'
complete -c cogtool -n "__fish_cogtool_using_subcommand help; and not __fish_seen_subcommand_from create dump info validate assemble gen-assets help" -f -a "dump" -d 'Write raw compressed tiles by x/y/z, without decoding them'
complete -c cogtool -n "__fish_cogtool_using_subcommand help; and not __fish_seen_subcommand_from create dump info validate assemble gen-assets help" -f -a "info" -d 'Print every IFD and tag, decoded (GeoKeys, GDAL metadata), as text or JSON'
complete -c cogtool -n "__fish_cogtool_using_subcommand help; and not __fish_seen_subcommand_from create dump info validate assemble gen-assets help" -f -a "validate" -d 'Check the COG layout as GDAL\'s validator does, and more'
complete -c cogtool -n "__fish_cogtool_using_subcommand help; and not __fish_seen_subcommand_from create dump info validate assemble gen-assets help" -f -a "assemble" -d 'Write OUTPUT from the parts staged by `create ... OUTPUT --part I/N` (in OUTPUT.parts/, or under s3://bucket/key.parts/), byte for byte what one `create` run writes; the staging is removed afterwards'
complete -c cogtool -n "__fish_cogtool_using_subcommand help; and not __fish_seen_subcommand_from create dump info validate assemble gen-assets help" -f -a "gen-assets" -d 'Write shell completions and man pages into a directory (for packagers)'
complete -c cogtool -n "__fish_cogtool_using_subcommand help; and not __fish_seen_subcommand_from create dump info validate assemble gen-assets help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
