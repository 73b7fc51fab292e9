//! Compression codecs and predictors (filled by the codec work).
