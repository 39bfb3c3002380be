//! The import graph between top-level modules stays one-way: a `crate::`
//! path that closes a cycle (report → analysis → report) fails this test,
//! naming the modules and the files that import each other.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file below `dir`.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// The top-level module a file of `src/` belongs to (`src/report/store.rs` →
/// `report`); None for the crate roots.
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let relative = file.strip_prefix(src).unwrap();
    let first = relative.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (!matches!(name, "lib" | "main")).then(|| name.to_string())
}

/// The top-level modules `text` names through `crate::NAME` paths, outside
/// comments. `use crate::{a, b::c}` names `a` and `b`.
fn crate_paths(text: &str) -> BTreeSet<String> {
    let code: String = text
        .lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut names = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let body = &group[..group.find('}').unwrap_or(group.len())];
            names.extend(body.split(',').map(|part| ident(part.trim())));
        } else {
            names.insert(ident(rest));
        }
    }
    names.retain(|n| !n.is_empty() && n != "self");
    names
}

/// Edges module → module, each with the files that make it.
fn import_graph() -> BTreeMap<(String, String), Vec<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let modules: BTreeSet<String> = rust_files(&src)
        .iter()
        .filter_map(|f| module_of(&src, f))
        .collect();
    let mut edges: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for file in rust_files(&src) {
        let Some(from) = module_of(&src, &file) else {
            continue;
        };
        let text = std::fs::read_to_string(&file).unwrap();
        for to in crate_paths(&text) {
            if to != from && modules.contains(&to) {
                let shown = file.strip_prefix(&src).unwrap().display().to_string();
                edges.entry((from.clone(), to)).or_default().push(shown);
            }
        }
    }
    edges
}

/// The modules `start` reaches through `edges`.
fn reachable(edges: &BTreeMap<(String, String), Vec<String>>, start: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![start.to_string()];
    while let Some(at) = stack.pop() {
        for ((from, to), _) in edges.iter() {
            if *from == at && seen.insert(to.clone()) {
                stack.push(to.clone());
            }
        }
    }
    seen
}

#[test]
fn the_parser_finds_plain_grouped_and_inline_paths() {
    let text = "use crate::gpu::Gpu;\nuse crate::{measure::Timing, report};\n\
                let x = crate::units::format_seconds(1.0); // crate::ignored\n";
    let found: Vec<String> = crate_paths(text).into_iter().collect();
    assert_eq!(found, ["gpu", "measure", "report", "units"]);
}

#[test]
fn no_import_closes_a_cycle_between_top_level_modules() {
    let edges = import_graph();
    assert!(
        edges.len() > 10,
        "the graph should have the crate's many edges, found {edges:?}"
    );
    let cycles: Vec<String> = edges
        .iter()
        .filter(|((from, to), _)| reachable(&edges, to).contains(from))
        .map(|((from, to), files)| format!("{from} → {to} (in {})", files.join(", ")))
        .collect();
    assert!(
        cycles.is_empty(),
        "these imports close a cycle between top-level modules:\n  {}",
        cycles.join("\n  ")
    );
}
