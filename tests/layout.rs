//! The house's shape, checked so it stays: no import cycle between the library's top-level modules
//! (data flows forward), no function over 100 lines, and a thin `main.rs` (DEVELOPERS.md, Layout of
//! the code). Read from the source text: `crate::<module>` paths outside comments, and function
//! bodies by brace depth.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const MAX_FUNCTION_LINES: usize = 100;
const MAX_MAIN_LINES: usize = 150;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src/") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn sources() -> Vec<(PathBuf, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|f| {
            let text = std::fs::read_to_string(&f).expect("read a source file");
            (f.strip_prefix(&src).unwrap().to_path_buf(), text)
        })
        .collect()
}

/// The code of a line: what precedes a `//` comment, string literals blanked.
fn code(line: &str) -> String {
    let mut out = String::new();
    let mut in_string = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (in_string, c) {
            (false, '/') if chars.peek() == Some(&'/') => break,
            (false, '"') => in_string = true,
            (true, '\\') => {
                chars.next();
            }
            (true, '"') => in_string = false,
            (false, '\'') if matches!(chars.clone().nth(1), Some('\'')) => {
                chars.next();
                chars.next();
            }
            (false, c) => out.push(c),
            (true, _) => {}
        }
    }
    out
}

/// Each top-level library module and the top-level modules it refers to.
fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (path, text) in sources() {
        let first = path.components().next().unwrap().as_os_str();
        let module = first.to_string_lossy().trim_end_matches(".rs").to_string();
        if ["main", "lib", "cli"].contains(&module.as_str()) {
            continue;
        }
        let uses = graph.entry(module.clone()).or_default();
        for line in text.lines().map(code) {
            for part in line.split("crate::").skip(1) {
                let name: String = part
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() && name != module {
                    uses.insert(name);
                }
            }
        }
    }
    graph
}

/// A path from `to` back to `from` through `graph`, if there is one.
fn path_back(
    graph: &BTreeMap<String, BTreeSet<String>>,
    from: &str,
    to: &str,
    seen: &mut BTreeSet<String>,
) -> Option<Vec<String>> {
    if to == from {
        return Some(vec![from.to_string()]);
    }
    if !seen.insert(to.to_string()) {
        return None;
    }
    for next in graph.get(to).into_iter().flatten() {
        if let Some(mut path) = path_back(graph, from, next, seen) {
            path.insert(0, to.to_string());
            return Some(path);
        }
    }
    None
}

#[test]
fn no_import_cycle_between_modules() {
    let graph = module_graph();
    let mut cycles = Vec::new();
    for (module, uses) in &graph {
        for used in uses {
            if let Some(path) = path_back(&graph, module, used, &mut BTreeSet::new()) {
                cycles.push(format!("{module} -> {}", path.join(" -> ")));
            }
        }
    }
    assert!(
        cycles.is_empty(),
        "modules that import each other:\n{}",
        cycles.join("\n")
    );
}

/// Functions (name, file, first line, lines) measured by brace depth from their `fn` line.
fn functions() -> Vec<(String, PathBuf, usize, usize)> {
    let mut found = Vec::new();
    for (path, text) in sources() {
        let lines: Vec<String> = text.lines().map(code).collect();
        for (start, line) in lines.iter().enumerate() {
            let Some(at) = line.find("fn ") else { continue };
            let before = line[..at].trim();
            let is_item = before
                .split_whitespace()
                .all(|w| w.starts_with("pub") || ["const", "async", "unsafe"].contains(&w));
            if !is_item {
                continue;
            }
            let name: String = line[at + 3..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            let (mut depth, mut opened) = (0i64, false);
            for (i, body) in lines[start..].iter().enumerate() {
                depth += body.matches('{').count() as i64 - body.matches('}').count() as i64;
                opened |= body.contains('{');
                if !opened && body.trim_end().ends_with(';') {
                    break;
                }
                if opened && depth <= 0 {
                    found.push((name.clone(), path.clone(), start + 1, i + 1));
                    break;
                }
            }
        }
    }
    found
}

#[test]
fn no_function_over_a_hundred_lines() {
    let long: Vec<String> = functions()
        .into_iter()
        .filter(|(_, _, _, lines)| *lines > MAX_FUNCTION_LINES)
        .map(|(name, path, line, lines)| format!("{}:{line} {name}: {lines} lines", path.display()))
        .collect();
    assert!(
        long.is_empty(),
        "functions over {MAX_FUNCTION_LINES} lines (split them into steps with names):\n{}",
        long.join("\n")
    );
}

#[test]
fn the_measure_sees_functions() {
    // Guards the two tests above against a parser that finds nothing.
    let all = functions();
    assert!(all.len() > 300, "only {} functions found", all.len());
    assert!(all
        .iter()
        .any(|(name, _, _, lines)| name == "main" && *lines > 5));
    assert!(module_graph()["round"].contains("ingest"));
}

#[test]
fn main_is_thin() {
    let main = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/main.rs"))
        .expect("read src/main.rs");
    let lines = main.lines().count();
    assert!(
        lines < MAX_MAIN_LINES,
        "src/main.rs has {lines} lines: subcommands belong in src/cli/"
    );
}
