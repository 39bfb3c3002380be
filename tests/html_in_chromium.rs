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

/// Chromium, or None with a line saying the test is skipped; fails where
/// `CHIPBENCH_REQUIRE` lists `chromium` and there is none.
fn chromium_or_skip() -> Option<PathBuf> {
    let found = chromium();
    if found.is_none() {
        assert!(
            !common::required().iter().any(|r| r == "chromium"),
            "CHIPBENCH_REQUIRE lists chromium but none was found; install it with: {INSTALL_CHROMIUM}"
        );
        eprintln!("skipped: no chromium found; install it with: {INSTALL_CHROMIUM}");
    }
    found
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
/// into the page as JSON in `<pre id="probe">`; `MARKS` is replaced by the
/// SVG element the plots draw their data with.
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
      points: svg ? svg.querySelectorAll("MARKS").length : 0,
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

/// What a page's plots must show: at least `plots` of them, each with more
/// than `marks` elements named `mark` (circles for points, rectangles for bars).
struct Expected {
    plots: usize,
    mark: &'static str,
    marks: u64,
}

/// A report's or a comparison's page: a roofline and throughput plots of points.
const REPORT_PLOTS: Expected = Expected {
    plots: 2,
    mark: "circle",
    marks: 0,
};

/// Opens `page` in Chromium: checks it names nothing outside itself, that
/// every plot rendered with a size and its data marks, that no error or console
/// message came up and nothing was fetched; leaves `page`.png beside it.
fn check_in_chromium(chromium: &Path, page: &Path, expected: &Expected) {
    let html = std::fs::read_to_string(page).unwrap();
    // A URL as text (a plan cites its sources) is no fetch; one in an
    // attribute would be.
    let outside = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    for external in [
        "=\"http://",
        "=\"https://",
        "<script",
        "<link",
        "@import",
        "url(",
    ] {
        assert!(
            !outside.contains(external),
            "{}: {external}",
            page.display()
        );
    }
    let figures = html.matches("<figure class=\"plot\">").count();
    assert!(figures >= expected.plots, "{}: plots drawn", page.display());

    let probed = page.with_extension("probe.html");
    std::fs::write(
        &probed,
        html.replacen(
            "<head>",
            &format!("<head>\n{}", PROBE.replace("MARKS", expected.mark)),
            1,
        ),
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
        assert!(
            plot["points"].as_u64().unwrap() > expected.marks,
            "data drawn: {plot}"
        );
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
    let Some(chromium) = chromium_or_skip() else {
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
        check_in_chromium(&chromium, page, &REPORT_PLOTS);
    }
}

#[test]
fn a_plan_page_draws_its_time_breakdowns_in_chromium() {
    let Some(chromium) = chromium_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("plan.html");
    let output = Command::new(env!("CARGO_BIN_EXE_chipbench"))
        .args([
            "plan",
            "--model",
            "llama3-70b",
            "--chip",
            "h100-sxm",
            "--chips",
            "8",
            "--infer",
            "--prompt",
            "1024",
            "--generate",
            "256",
            "--concurrency",
            "16",
            "--html",
            page.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // Time to first token and inter-token latency, each four kinds of op:
    // a bar and a legend swatch per kind, beside the background.
    check_in_chromium(
        &chromium,
        &page,
        &Expected {
            plots: 2,
            mark: "rect",
            marks: 8,
        },
    );
}
