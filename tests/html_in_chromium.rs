//! The HTML pages `report` and `compare` write, opened in real headless
//! Chromium: every plot must render with a size, the console must stay
//! silent, and the page must fetch nothing. A screenshot of each page is
//! left in the test's temporary folder.
//!
//! Skipped, with the install line, where Chromium is missing, unless
//! `CHIPBENCH_REQUIRE` lists `chromium` (as CI sets it): then it fails.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

/// How to get Chromium on Debian or Ubuntu.
const INSTALL_CHROMIUM: &str = "apt-get install -y chromium";

/// The Chromium binary on PATH, if any.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// Runs headless Chromium on `page` with `args`; returns stdout and the
/// console messages it logged on stderr.
fn headless(chromium: &Path, profile: &Path, page: &Path, args: &[&str]) -> (String, Vec<String>) {
    let output = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium");
    assert!(
        output.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let console = String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(String::from)
        .collect();
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        console,
    )
}

/// A script, placed before the page's Content-Security-Policy (which would
/// block it after), that records errors and policy violations as they
/// happen and, once the page has loaded, writes what every plot measures
/// into the page as JSON in `<pre id="probe">`.
const PROBE: &str = r#"<script>
const errors = [];
window.addEventListener("error", e => errors.push("error: " + e.message));
window.addEventListener("securitypolicyviolation", e => errors.push("blocked: " + e.violatedDirective + " " + e.blockedURI));
window.addEventListener("load", () => {
  const plots = [...document.querySelectorAll("figure.plot")].map(figure => {
    const svg = figure.querySelector("svg");
    const box = svg ? svg.getBoundingClientRect() : { width: 0, height: 0 };
    return {
      caption: figure.querySelector("figcaption")?.textContent ?? "",
      width: box.width,
      height: box.height,
      points: svg ? svg.querySelectorAll("circle").length : 0,
      texts: svg ? svg.querySelectorAll("text").length : 0,
    };
  });
  const resources = performance.getEntriesByType("resource").map(r => r.name);
  const probe = document.createElement("pre");
  probe.id = "probe";
  probe.textContent = JSON.stringify({ plots, errors, resources });
  document.body.appendChild(probe);
});
</script>"#;

/// What the probe measured, read from the DOM Chromium dumped.
fn probe_result(dom: &str) -> serde_json::Value {
    let start = dom.find("<pre id=\"probe\">").expect("the probe ran") + "<pre id=\"probe\">".len();
    let end = start + dom[start..].find("</pre>").unwrap();
    let json = dom[start..end]
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    serde_json::from_str(&json).unwrap()
}

/// Opens `page` in Chromium: checks it names nothing outside itself, that
/// every plot rendered with a size and its data points, that no error or console
/// message came up and nothing was fetched; leaves `page`.png beside it.
fn check_in_chromium(chromium: &Path, page: &Path) {
    let html = std::fs::read_to_string(page).unwrap();
    let outside = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    for external in ["http://", "https://", "<script", "<link", "@import", "url("] {
        assert!(
            !outside.contains(external),
            "{}: {external}",
            page.display()
        );
    }
    let figures = html.matches("<figure class=\"plot\">").count();
    assert!(figures >= 2, "{}: plots drawn", page.display());

    let probed = page.with_extension("probe.html");
    std::fs::write(
        &probed,
        html.replacen("<head>", &format!("<head>\n{PROBE}"), 1),
    )
    .unwrap();
    let profile = page.with_extension("profile");
    let (dom, console) = headless(chromium, &profile, &probed, &["--dump-dom"]);
    assert!(console.is_empty(), "console messages: {console:#?}");
    let result = probe_result(&dom);
    assert_eq!(
        result["errors"],
        serde_json::json!([]),
        "{}",
        page.display()
    );
    assert_eq!(
        result["resources"],
        serde_json::json!([]),
        "fetched nothing"
    );
    let plots = result["plots"].as_array().unwrap();
    assert_eq!(plots.len(), figures);
    for plot in plots {
        assert!(
            plot["width"].as_f64().unwrap() > 200.0 && plot["height"].as_f64().unwrap() > 100.0,
            "{plot}"
        );
        assert!(plot["points"].as_u64().unwrap() > 0, "data drawn: {plot}");
        assert!(plot["texts"].as_u64().unwrap() > 5, "axis labels: {plot}");
    }

    let screenshot = page.with_extension("png");
    let (_, console) = headless(
        chromium,
        &profile,
        page,
        &[
            &format!("--screenshot={}", screenshot.display()),
            "--window-size=1280,2400",
        ],
    );
    assert!(console.is_empty(), "console messages: {console:#?}");
    let png = std::fs::read(&screenshot).unwrap();
    assert!(png.starts_with(b"\x89PNG") && png.len() > 10_000);
}

#[test]
fn report_and_compare_pages_render_every_plot_in_chromium() {
    let Some(chromium) = chromium() else {
        assert!(
            !common::required().iter().any(|r| r == "chromium"),
            "CHIPBENCH_REQUIRE lists chromium but none was found; install it with: {INSTALL_CHROMIUM}"
        );
        eprintln!("skipped: no chromium found; install it with: {INSTALL_CHROMIUM}");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (vulkan, gl) = (
        common::committed_quick("vulkan"),
        common::committed_quick("gl"),
    );
    let report_page = dir.path().join("report.html");
    let compare_page = dir.path().join("compare.html");
    for (args, page) in [
        (vec!["report", vulkan.to_str().unwrap()], &report_page),
        (
            vec!["compare", vulkan.to_str().unwrap(), gl.to_str().unwrap()],
            &compare_page,
        ),
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_chipbench"))
            .args(&args)
            .args(["--html", page.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        check_in_chromium(&chromium, page);
    }
}
