//! One table of tag codes and names, shared by the parser, `info` and the
//! writer. (The values of compression, photometric and the like: `codes`.)

macro_rules! tags {
    ($($konst:ident = $code:expr, $name:expr;)*) => {
        $(pub const $konst: u16 = $code;)*
        /// The registered name of a tag, if cogtool knows it.
        pub fn tag_name(code: u16) -> Option<&'static str> {
            match code {
                $($code => Some($name),)*
                _ => None,
            }
        }
    };
}

tags! {
    // TIFF 6.0 baseline and extensions
    NEW_SUBFILE_TYPE = 254, "NewSubfileType";
    SUBFILE_TYPE = 255, "SubfileType";
    IMAGE_WIDTH = 256, "ImageWidth";
    IMAGE_LENGTH = 257, "ImageLength";
    BITS_PER_SAMPLE = 258, "BitsPerSample";
    COMPRESSION = 259, "Compression";
    PHOTOMETRIC = 262, "PhotometricInterpretation";
    THRESHHOLDING = 263, "Threshholding";
    CELL_WIDTH = 264, "CellWidth";
    CELL_LENGTH = 265, "CellLength";
    FILL_ORDER = 266, "FillOrder";
    DOCUMENT_NAME = 269, "DocumentName";
    IMAGE_DESCRIPTION = 270, "ImageDescription";
    MAKE = 271, "Make";
    MODEL = 272, "Model";
    STRIP_OFFSETS = 273, "StripOffsets";
    ORIENTATION = 274, "Orientation";
    SAMPLES_PER_PIXEL = 277, "SamplesPerPixel";
    ROWS_PER_STRIP = 278, "RowsPerStrip";
    STRIP_BYTE_COUNTS = 279, "StripByteCounts";
    MIN_SAMPLE_VALUE = 280, "MinSampleValue";
    MAX_SAMPLE_VALUE = 281, "MaxSampleValue";
    X_RESOLUTION = 282, "XResolution";
    Y_RESOLUTION = 283, "YResolution";
    PLANAR_CONFIG = 284, "PlanarConfiguration";
    PAGE_NAME = 285, "PageName";
    X_POSITION = 286, "XPosition";
    Y_POSITION = 287, "YPosition";
    FREE_OFFSETS = 288, "FreeOffsets";
    FREE_BYTE_COUNTS = 289, "FreeByteCounts";
    GRAY_RESPONSE_UNIT = 290, "GrayResponseUnit";
    GRAY_RESPONSE_CURVE = 291, "GrayResponseCurve";
    T4_OPTIONS = 292, "T4Options";
    T6_OPTIONS = 293, "T6Options";
    RESOLUTION_UNIT = 296, "ResolutionUnit";
    PAGE_NUMBER = 297, "PageNumber";
    TRANSFER_FUNCTION = 301, "TransferFunction";
    SOFTWARE = 305, "Software";
    DATE_TIME = 306, "DateTime";
    ARTIST = 315, "Artist";
    HOST_COMPUTER = 316, "HostComputer";
    PREDICTOR = 317, "Predictor";
    WHITE_POINT = 318, "WhitePoint";
    PRIMARY_CHROMATICITIES = 319, "PrimaryChromaticities";
    COLOR_MAP = 320, "ColorMap";
    HALFTONE_HINTS = 321, "HalftoneHints";
    TILE_WIDTH = 322, "TileWidth";
    TILE_LENGTH = 323, "TileLength";
    TILE_OFFSETS = 324, "TileOffsets";
    TILE_BYTE_COUNTS = 325, "TileByteCounts";
    BAD_FAX_LINES = 326, "BadFaxLines";
    CLEAN_FAX_DATA = 327, "CleanFaxData";
    CONSECUTIVE_BAD_FAX_LINES = 328, "ConsecutiveBadFaxLines";
    SUB_IFDS = 330, "SubIFDs";
    INK_SET = 332, "InkSet";
    INK_NAMES = 333, "InkNames";
    NUMBER_OF_INKS = 334, "NumberOfInks";
    DOT_RANGE = 336, "DotRange";
    TARGET_PRINTER = 337, "TargetPrinter";
    EXTRA_SAMPLES = 338, "ExtraSamples";
    SAMPLE_FORMAT = 339, "SampleFormat";
    S_MIN_SAMPLE_VALUE = 340, "SMinSampleValue";
    S_MAX_SAMPLE_VALUE = 341, "SMaxSampleValue";
    TRANSFER_RANGE = 342, "TransferRange";
    CLIP_PATH = 343, "ClipPath";
    JPEG_TABLES = 347, "JPEGTables";
    JPEG_PROC = 512, "JPEGProc";
    JPEG_INTERCHANGE_FORMAT = 513, "JPEGInterchangeFormat";
    JPEG_INTERCHANGE_FORMAT_LENGTH = 514, "JPEGInterchangeFormatLength";
    JPEG_RESTART_INTERVAL = 515, "JPEGRestartInterval";
    JPEG_LOSSLESS_PREDICTORS = 517, "JPEGLosslessPredictors";
    JPEG_POINT_TRANSFORMS = 518, "JPEGPointTransforms";
    JPEG_Q_TABLES = 519, "JPEGQTables";
    JPEG_DC_TABLES = 520, "JPEGDCTables";
    JPEG_AC_TABLES = 521, "JPEGACTables";
    YCBCR_COEFFICIENTS = 529, "YCbCrCoefficients";
    YCBCR_SUBSAMPLING = 530, "YCbCrSubSampling";
    YCBCR_POSITIONING = 531, "YCbCrPositioning";
    REFERENCE_BLACK_WHITE = 532, "ReferenceBlackWhite";
    XML_PACKET = 700, "XMLPacket";
    IMAGE_ID = 32781, "ImageID";
    COPYRIGHT = 33432, "Copyright";
    // TIFF/EP and friends
    CFA_REPEAT_PATTERN_DIM = 33421, "CFARepeatPatternDim";
    CFA_PATTERN = 33422, "CFAPattern";
    EXPOSURE_TIME = 33434, "ExposureTime";
    F_NUMBER = 33437, "FNumber";
    IPTC = 33723, "IPTC/NAA";
    PHOTOSHOP = 34377, "Photoshop";
    EXIF_IFD = 34665, "ExifIFD";
    ICC_PROFILE = 34675, "ICCProfile";
    GPS_IFD = 34853, "GPSInfoIFD";
    INTEROPERABILITY_IFD = 40965, "InteroperabilityIFD";
    IMAGE_DEPTH = 32997, "ImageDepth";
    TILE_DEPTH = 32998, "TileDepth";
    // GeoTIFF
    MODEL_PIXEL_SCALE = 33550, "ModelPixelScaleTag";
    MODEL_TRANSFORMATION = 34264, "ModelTransformationTag";
    MODEL_TIEPOINT = 33922, "ModelTiepointTag";
    GEO_KEY_DIRECTORY = 34735, "GeoKeyDirectoryTag";
    GEO_DOUBLE_PARAMS = 34736, "GeoDoubleParamsTag";
    GEO_ASCII_PARAMS = 34737, "GeoAsciiParamsTag";
    INTERGRAPH_MATRIX = 33920, "IntergraphMatrixTag";
    // GDAL
    GDAL_METADATA = 42112, "GDAL_METADATA";
    GDAL_NODATA = 42113, "GDAL_NODATA";
    RPC_COEFFICIENT = 50844, "RPCCoefficientTag";
    // LERC
    LERC_PARAMETERS = 50674, "LercParameters";
    // DNG / misc seen in the wild
    DNG_VERSION = 50706, "DNGVersion";
    OPI_PROXY = 351, "OPIProxy";
    IMAGE_SOURCE_DATA = 37724, "ImageSourceData";
}
