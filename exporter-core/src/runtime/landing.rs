//! The landing page at `/`, after exporter-toolkit's: name, description,
//! version, a link to the metrics and, when `/probe` is served, a form to
//! probe a target (as blackbox_exporter's page has).

use std::fmt::Write as _;

/// Renders the page; every interpolated string is HTML-escaped.
pub(crate) fn render(
    name: &str,
    description: &str,
    version: &str,
    metrics_path: &str,
    probe: bool,
) -> String {
    let (name, description, version, path) = (
        escape(name),
        escape(description),
        escape(version),
        escape(metrics_path),
    );
    let mut html = String::with_capacity(512);
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"UTF-8\">\n\
         <title>{name}</title>\n</head>\n<body>\n<header><h1>{name}</h1></header>\n<main>\n"
    );
    if !description.is_empty() {
        let _ = writeln!(html, "<p>{description}</p>");
    }
    let _ = write!(
        html,
        "<p>Version: {version}</p>\n<ul>\n<li><a href=\"{path}\">Metrics</a></li>\n\
         <li><a href=\"/-/healthy\">Health</a></li>\n</ul>\n"
    );
    if probe {
        html.push_str(
            "<form action=\"/probe\">\n<label>Target <input type=\"text\" name=\"target\" \
             placeholder=\"host:port\"></label>\n<input type=\"submit\" value=\"Probe\">\n</form>\n",
        );
    }
    html.push_str("</main>\n</body>\n</html>\n");
    html
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_everything_interpolated() {
        let html = super::render("x<script>", "a & b", "1\"2", "/m?a='b'", false);
        assert!(html.contains("<title>x&lt;script&gt;</title>"));
        assert!(html.contains("<p>a &amp; b</p>"));
        assert!(html.contains("Version: 1&quot;2"));
        assert!(html.contains("href=\"/m?a=&#39;b&#39;\""));
        assert!(!html.contains("<script>"));
        assert!(!html.contains("<form"));
        assert!(html.ends_with("</main>\n</body>\n</html>\n"));
    }

    #[test]
    fn a_probe_gets_a_form_that_asks_for_the_target() {
        let html = super::render("x", "", "1", "/metrics", true);
        assert!(html.contains("<form action=\"/probe\">"), "{html}");
        assert!(html.contains("name=\"target\""), "{html}");
        assert!(
            html.ends_with("</form>\n</main>\n</body>\n</html>\n"),
            "{html}"
        );
    }
}
