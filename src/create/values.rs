//! Closed lists of named option values (codecs, predictors, resampling
//! methods...): one macro, so that every list parses and prints its names
//! the same way. A leaf: the library's enums are built with it, and the CLI
//! offers their names.

/// A closed list of named values: every value, its name on the command
/// line, and parsing that name back (any case). The CLI offers exactly
/// these names; `--co` values are matched against them too.
macro_rules! named_values {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $text:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name { $($variant),* }

        impl $name {
            /// Every value, in the order the help lists them.
            pub const ALL: [$name; [$($text),*].len()] = [$($name::$variant),*];

            /// The value's name on the command line.
            pub fn cli_name(self) -> &'static str {
                match self { $($name::$variant => $text),* }
            }

            /// The value named `s` (any case).
            pub fn from_name(s: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|v| v.cli_name().eq_ignore_ascii_case(s))
            }
        }
    };
}
pub(crate) use named_values;
