//! One typed table of the TIFF codes whose values mean something: the
//! compression scheme, photometric interpretation, predictor and planar
//! configuration. The parser reads them into these types, the writer and
//! the codecs match on their constants, `info` prints their names and
//! `validate` checks them; no bare `u16` stands for one of them.
//!
//! Each is a newtype over the stored `u16` rather than a closed enum: files
//! carry codes cogtool does not know, and those must survive reading,
//! printing (`unknown-N`) and error messages unchanged.

macro_rules! tiff_codes {
    ($(
        $(#[$doc:meta])*
        $name:ident {
            $($konst:ident = $code:literal, $json:literal, $label:literal;)*
        }
    )*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $name(pub u16);

        impl From<$name> for u64 {
            fn from(c: $name) -> u64 {
                c.0.into()
            }
        }

        impl std::fmt::Display for $name {
            /// The name for messages ([`Self::label`]).
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.label())
            }
        }

        impl $name {
            $(pub const $konst: $name = $name($code);)*

            /// The lower-case name `info` reports, if the code is known.
            pub fn known_name(self) -> Option<&'static str> {
                match self.0 {
                    $($code => Some($json),)*
                    _ => None,
                }
            }

            /// [`Self::known_name`], or `unknown-N`.
            pub fn name(self) -> String {
                self.known_name().map_or_else(|| format!("unknown-{}", self.0), String::from)
            }

            /// The name for messages ("DEFLATE", "old-style JPEG").
            pub fn label(self) -> String {
                match self.0 {
                    $($code => $label.into(),)*
                    c => format!("{} {}", stringify!($name).to_lowercase(), c),
                }
            }
        }
    )*};
}

tiff_codes! {
    /// Tag 259, Compression.
    Compression {
        NONE = 1, "none", "none";
        CCITT_RLE = 2, "ccittrle", "CCITT fax";
        CCITT_FAX3 = 3, "ccittfax3", "CCITT fax";
        CCITT_FAX4 = 4, "ccittfax4", "CCITT fax";
        LZW = 5, "lzw", "LZW";
        OJPEG = 6, "ojpeg", "old-style JPEG";
        JPEG = 7, "jpeg", "JPEG";
        DEFLATE = 8, "deflate", "DEFLATE";
        PACKBITS = 32773, "packbits", "PackBits";
        JPEG2000 = 34712, "jpeg2000", "JPEG 2000";
        LERC = 34887, "lerc", "LERC";
        LZMA = 34925, "lzma", "LZMA";
        ZSTD_OLD = 34926, "zstd", "ZSTD";
        WEBP_OLD = 34927, "webp", "WebP";
        DEFLATE_OLD = 32946, "deflate", "DEFLATE";
        ZSTD = 50000, "zstd", "ZSTD";
        WEBP = 50001, "webp", "WebP";
        JXL = 50002, "jxl", "JPEG XL";
        JXL_DNG = 52546, "jxl", "JPEG XL";
    }

    /// Tag 262, PhotometricInterpretation.
    Photometric {
        MIN_IS_WHITE = 0, "miniswhite", "min-is-white";
        MIN_IS_BLACK = 1, "minisblack", "min-is-black";
        RGB = 2, "rgb", "RGB";
        PALETTE = 3, "palette", "palette";
        MASK = 4, "mask", "transparency mask";
        SEPARATED = 5, "separated", "separated (CMYK)";
        YCBCR = 6, "ycbcr", "YCbCr";
        CIELAB = 8, "cielab", "CIELab";
        ICCLAB = 9, "icclab", "ICCLab";
        ITULAB = 10, "itulab", "ITULab";
        LOGL = 32844, "logl", "LogL";
        LOGLUV = 32845, "logluv", "LogLuv";
    }

    /// Tag 317, Predictor.
    Predictor {
        NONE = 1, "none", "no predictor";
        HORIZONTAL = 2, "horizontal", "horizontal predictor";
        FLOATING_POINT = 3, "floating point", "floating-point predictor";
    }

    /// Tag 284, PlanarConfiguration.
    PlanarConfig {
        CONTIG = 1, "contig", "pixel-interleaved";
        SEPARATE = 2, "separate", "band-separate";
    }
}

impl Compression {
    /// Whether the codec is compiled in (for clear "unsupported codec" errors).
    pub fn can_decode(self) -> bool {
        matches!(
            self,
            Self::NONE
                | Self::LZW
                | Self::DEFLATE
                | Self::DEFLATE_OLD
                | Self::PACKBITS
                | Self::ZSTD
                | Self::JPEG
                | Self::WEBP
        )
    }
    /// Whether a predictor applies (the lossless general-purpose codecs).
    pub fn takes_predictor(self) -> bool {
        matches!(self, Self::LZW | Self::DEFLATE | Self::DEFLATE_OLD | Self::ZSTD)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_known_and_unknown() {
        assert_eq!(Compression::DEFLATE_OLD.name(), "deflate");
        assert_eq!(Compression(34926).name(), "zstd");
        assert_eq!(Compression(9).name(), "unknown-9");
        assert_eq!(Compression(9).label(), "compression 9");
        assert_eq!(Photometric::YCBCR.name(), "ycbcr");
        assert_eq!(Photometric(7).name(), "unknown-7");
        assert_eq!(Predictor::FLOATING_POINT.0, 3);
        assert!(matches!(Compression(7), Compression::JPEG));
    }
}
