//! `validate`'s verdicts in the formats CI systems read natively: GitHub
//! Actions workflow commands (`::error file=PATH::...`, shown as
//! annotations on the run and the pull request) and JUnit XML (one
//! testcase per source; GitLab, Jenkins and Azure Pipelines show it as a
//! test report). Text and JSON live with [`Report`] itself.

use super::findings::{Finding, Report, Severity};

/// GitHub workflow commands for one report: one line per finding, errors
/// as `::error`, warnings as `::warning` (`::error` with `strict`, where
/// they make the file invalid), infos as `::notice`. A valid file without
/// findings prints nothing.
pub fn github(report: &Report, strict: bool) -> String {
    let mut out = String::new();
    for f in &report.findings {
        let command = match f.severity {
            Severity::Error => "error",
            Severity::Warning if strict => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        out.push_str(&format!(
            "::{} file={},title=cogtool validate::{}: {}\n",
            command,
            escape_property(&report.path),
            f.rule.id(),
            escape_data(&f.message)
        ));
    }
    out
}

/// The workflow command for a source that could not be read.
pub fn github_unreadable(path: &str, message: &str) -> String {
    format!("::error file={},title=cogtool validate::unreadable: {}\n", escape_property(path), escape_data(message))
}

/// GitHub's escaping of a command's message.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// GitHub's escaping of a command's property value.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// A JUnit XML report built source by source, written whole at the end
/// (the suite's counts come first in the document).
#[derive(Default)]
pub struct Junit {
    cases: Vec<String>,
    failures: usize,
    errors: usize,
}

impl Junit {
    pub fn new() -> Junit {
        Junit::default()
    }

    /// One source's verdict: a passing testcase, or one with a `<failure>`
    /// listing every error (and, with `strict`, warning); other findings
    /// go to `<system-out>`.
    pub fn add(&mut self, report: &Report, strict: bool, seconds: f64) {
        let mut case = format!(
            "    <testcase classname=\"cogtool.validate\" name=\"{}\" file=\"{}\" time=\"{:.3}\">\n",
            xml(&report.path),
            xml(&report.path),
            seconds
        );
        let line = |f: &Finding| format!("{}[{}]: {}", f.severity.name(), f.rule.id(), f.message);
        let failing = |s: Severity| s == Severity::Error || (strict && s == Severity::Warning);
        if !report.is_valid(strict) {
            self.failures += 1;
            let lines: Vec<String> = report.findings.iter().filter(|f| failing(f.severity)).map(line).collect();
            let first = report.findings.iter().find(|f| failing(f.severity)).map(|f| f.rule.id()).unwrap_or("");
            let what = if lines.len() == 1 { "1 problem".to_string() } else { format!("{} problems", lines.len()) };
            case.push_str(&format!(
                "      <failure type=\"{}\" message=\"not a valid COG: {}\">{}</failure>\n",
                xml(first),
                what,
                xml(&lines.join("\n"))
            ));
        }
        let rest: Vec<String> = report.findings.iter().filter(|f| !failing(f.severity)).map(line).collect();
        if !rest.is_empty() {
            case.push_str(&format!("      <system-out>{}</system-out>\n", xml(&rest.join("\n"))));
        }
        case.push_str("    </testcase>\n");
        self.cases.push(case);
    }

    /// A source that could not be read: a testcase with an `<error>`.
    pub fn add_unreadable(&mut self, path: &str, message: &str) {
        self.errors += 1;
        self.cases.push(format!(
            "    <testcase classname=\"cogtool.validate\" name=\"{}\" file=\"{}\">\n      <error type=\"unreadable\" message=\"{}\"/>\n    </testcase>\n",
            xml(path),
            xml(path),
            xml(message)
        ));
    }

    /// The whole document.
    pub fn finish(&self) -> String {
        let n = self.cases.len();
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        out.push_str(&format!(
            "<testsuites name=\"cogtool validate\" tests=\"{}\" failures=\"{}\" errors=\"{}\">\n",
            n, self.failures, self.errors
        ));
        out.push_str(&format!(
            "  <testsuite name=\"cogtool validate\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"0\">\n",
            n, self.failures, self.errors
        ));
        for c in &self.cases {
            out.push_str(c);
        }
        out.push_str("  </testsuite>\n</testsuites>\n");
        out
    }
}

/// Text for XML content and attributes: the five escapes, and characters
/// XML 1.0 cannot hold (control characters from a hostile file name or
/// message) replaced by U+FFFD.
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' => out.push('\t'),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_escapes_messages_and_properties() {
        assert_eq!(escape_data("50% a\nb"), "50%25 a%0Ab");
        assert_eq!(escape_property("s3://b/k,1.tif"), "s3%3A//b/k%2C1.tif");
        assert_eq!(
            github_unreadable("a:b.tif", "no\nway"),
            "::error file=a%3Ab.tif,title=cogtool validate::unreadable: no%0Away\n"
        );
    }

    #[test]
    fn xml_text_is_escaped_and_control_characters_replaced() {
        assert_eq!(xml("a<b & \"c\" 'd'>\u{1}"), "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;\u{FFFD}");
    }
}
