//! A run's report as a terminal table, JUnit XML, JSON or Markdown (for a pull-request comment or a CI step
//! summary). Messages never carry bodies, so no report can leak a secret.

use crate::runner::{CheckResult, Report, Status};

fn mark(s: Status) -> &'static str {
    match s {
        Status::Pass => "pass",
        Status::Fail => "FAIL",
        Status::Skip => "skip",
    }
}

/// One progress line per check while running.
pub fn progress_line(r: &CheckResult) -> String {
    let mut line = format!("{:<4} {:<28} {:>7.2}s", mark(r.status), r.id, r.seconds);
    if let Some(m) = &r.message {
        line.push_str(&format!("\n       {m}"));
    }
    for w in &r.warnings {
        line.push_str(&format!("\n       warning: {w}"));
    }
    line
}

/// The summary table: check, result, time, request ids of any failure.
pub fn table(report: &Report) -> String {
    let mut out = format!("{:<28} {:<6} {:>8}  request ids\n", "check", "result", "time");
    for r in &report.results {
        out.push_str(&format!(
            "{:<28} {:<6} {:>7.2}s  {}\n",
            r.id,
            mark(r.status),
            r.seconds,
            r.request_ids.join(", ")
        ));
    }
    let (pass, fail, skip) = counts(report);
    out.push_str(&format!(
        "\n{pass} passed, {fail} failed, {skip} skipped against {} in {:.1} s\nLoad on the host: {}\n",
        report.host,
        report.seconds,
        report.traffic.summary()
    ));
    out
}

/// The figures of the run's load, as name and value pairs (JUnit properties, the Markdown table).
fn traffic_rows(report: &Report) -> Vec<(String, String)> {
    let t = &report.traffic;
    let mut rows = vec![
        ("requests_sent".to_string(), t.requests.to_string()),
        ("orders_placed".to_string(), t.orders_placed.to_string()),
    ];
    rows.extend(t.spent.iter().map(|(currency, amount)| (format!("spent_{currency}"), amount.clone())));
    rows.push(("too_many_requests".to_string(), t.too_many_requests.to_string()));
    rows.push(("paced_seconds".to_string(), format!("{:.1}", t.paced_seconds)));
    rows
}

fn counts(report: &Report) -> (usize, usize, usize) {
    let n = |s| report.results.iter().filter(|r| r.status == s).count();
    (n(Status::Pass), n(Status::Fail), n(Status::Skip))
}

/// Text for an XML attribute or element: the five special characters escaped, and the characters XML 1.0
/// cannot carry at all (C0 controls but tab and newlines, lone surrogates cannot occur in `str`, U+FFFE and
/// U+FFFF) replaced by U+FFFD, so a message quoting a hostile body still gives a well-formed report.
pub fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

pub fn junit(report: &Report) -> String {
    let (_, fail, skip) = counts(report);
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"octopus-conformance\" tests=\"{}\" failures=\"{fail}\" skipped=\"{skip}\" time=\"{:.3}\">\n",
        report.results.len(),
        report.seconds
    );
    out.push_str("  <properties>\n");
    out.push_str(&format!("    <property name=\"host\" value=\"{}\"/>\n", xml(&report.host)));
    for (name, value) in traffic_rows(report) {
        out.push_str(&format!("    <property name=\"{}\" value=\"{}\"/>\n", xml(&name), xml(&value)));
    }
    out.push_str("  </properties>\n");
    for r in &report.results {
        out.push_str(&format!(
            "  <testcase classname=\"conformance\" name=\"{}\" time=\"{:.3}\">\n",
            xml(&r.id),
            r.seconds
        ));
        match r.status {
            Status::Fail => {
                out.push_str(&format!("    <failure message=\"{}\"/>\n", xml(r.message.as_deref().unwrap_or(""))))
            }
            Status::Skip => {
                out.push_str(&format!("    <skipped message=\"{}\"/>\n", xml(r.message.as_deref().unwrap_or(""))))
            }
            Status::Pass => {}
        }
        if !r.warnings.is_empty() {
            out.push_str(&format!("    <system-out>{}</system-out>\n", xml(&r.warnings.join("\n"))));
        }
        out.push_str("  </testcase>\n");
    }
    out.push_str("</testsuite>\n");
    out
}

pub fn json(report: &Report) -> String {
    serde_json::to_string_pretty(report).unwrap_or_default()
}

fn md(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

pub fn markdown(report: &Report) -> String {
    let (pass, fail, skip) = counts(report);
    let verdict = if fail == 0 { "✅ conforms" } else { "❌ does not conform" };
    let mut out = format!(
        "## Octopus Cards conformance: {verdict}\n\nHost: {} · {pass} passed, {fail} failed, {skip} skipped · {:.1} s\n\n| check | result | time | details |\n|---|---|---|---|\n",
        report.host, report.seconds
    );
    for r in &report.results {
        let icon = match r.status {
            Status::Pass => "✅ pass",
            Status::Fail => "❌ fail",
            Status::Skip => "⏭ skip",
        };
        let mut details = r.message.clone().unwrap_or_default();
        if !r.warnings.is_empty() {
            details.push_str(&format!(
                "{}{} warning(s): {}",
                if details.is_empty() { "" } else { "; " },
                r.warnings.len(),
                r.warnings.join("; ")
            ));
        }
        out.push_str(&format!("| `{}` | {icon} | {:.2} s | {} |\n", r.id, r.seconds, md(&details)));
    }
    out.push_str("\n### Load on the host\n\n| figure | value |\n|---|---|\n");
    for (name, value) in traffic_rows(report) {
        out.push_str(&format!("| {} | {} |\n", name.replace('_', " "), md(&value)));
    }
    out
}

/// A report format, parsed before a run so a typo costs nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Junit,
    Json,
    Markdown,
}

impl Format {
    pub fn parse(name: &str) -> Result<Format, String> {
        match name {
            "junit" => Ok(Format::Junit),
            "json" => Ok(Format::Json),
            "markdown" | "md" => Ok(Format::Markdown),
            other => Err(format!("unknown report format {other:?}: use junit, json or markdown")),
        }
    }
}

/// The report in `format`.
pub fn render(format: Format, report: &Report) -> String {
    match format {
        Format::Junit => junit(report),
        Format::Json => json(report),
        Format::Markdown => markdown(report),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::{CheckResult, Report};

    #[test]
    fn junit_escapes_markup_and_drops_what_xml_cannot_carry() {
        let hostile = "<b>\"A&B\"</b> it's \u{0}\u{1}\u{1b}[31mred\u{7}\u{FFFE} tab\there\nline";
        let report = Report {
            host: hostile.into(),
            results: vec![CheckResult {
                id: "x".into(),
                summary: String::new(),
                status: Status::Fail,
                message: Some(hostile.into()),
                warnings: vec![hostile.into()],
                seconds: 0.0,
                request_ids: Vec::new(),
            }],
            seconds: 0.0,
            traffic: Default::default(),
        };
        let out = junit(&report);
        assert!(!out.chars().any(|c| (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r')), "{out:?}");
        assert!(!out.contains('\u{FFFE}'));
        assert!(
            out.contains("&lt;b&gt;&quot;A&amp;B&quot;&lt;/b&gt; it&apos;s \u{FFFD}\u{FFFD}\u{FFFD}[31mred"),
            "{out}"
        );
        assert!(!out.contains("<b>"), "no markup gets through");
    }
}
