//! The layering rule of docs/ARCHITECTURE.md section 1, checked on the source: the `use`
//! lines and `crate::` / `super::` paths of every file of `src/` (test modules, which start
//! at `#[cfg(test)]`, left out) give a graph of file-to-file imports, and
//! - no file of `src/app` imports `ui`, `tui` or `cli`, and no file of `src/ui` imports
//!   `tui` or `cli`;
//! - the domain modules (`trace`, `analysis`, `dataset`, `model`, `mutate`, `cruxeval`) import
//!   none of `app`, `ui`, `tui`, `cli`, `pipeline`, and among themselves only downwards
//!   (`trace` none, `analysis` only `trace`, `dataset` only `trace` and `analysis`, `cruxeval`
//!   only `trace`);
//! - the files of `src/app` import each other without a loop, and so do the files of `src/ui`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module path (`app::update`) and the file that defines it.
type Modules = BTreeMap<String, PathBuf>;

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every module of `src/` by path; `mod.rs` and `lib.rs` name their directory's module.
fn modules() -> Modules {
    fn walk(dir: &Path, prefix: &[String], out: &mut Modules) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_stem().unwrap().to_string_lossy().to_string();
            if path.is_dir() {
                let mut inner = prefix.to_vec();
                inner.push(name);
                walk(&path, &inner, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let mut module = prefix.to_vec();
                if !matches!(name.as_str(), "mod" | "lib" | "main") {
                    module.push(name.clone());
                }
                if name != "main" {
                    out.insert(module.join("::"), path);
                }
            }
        }
    }
    let mut out = Modules::new();
    walk(&src(), &[], &mut out);
    out
}

/// The source as far as imports go: comments and the contents of string and character
/// literals blanked (so a message saying "use crate::ui" imports nothing), and every item
/// marked `#[cfg(test)]` left out.
fn code_of(path: &Path) -> String {
    without_tests(&blank_literals(&std::fs::read_to_string(path).unwrap()))
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// `text` with comments dropped and literal contents emptied (`"..."` becomes `""`, `'x'`
/// becomes `''`); line breaks inside them are kept. Raw strings (`r#"..."#`), escapes, nested
/// block comments and lifetimes (`'a`, which are not character literals) are told apart.
fn blank_literals(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let at = |i: usize| c.get(i).copied().unwrap_or('\0');
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    // Copies the line breaks of c[from..to] to `out`.
    let breaks = |out: &mut String, from: usize, to: usize| {
        out.extend(c[from..to.min(c.len())].iter().filter(|&&ch| ch == '\n'));
    };
    while i < c.len() {
        let prev_ident = i > 0 && is_ident(c[i - 1]);
        match c[i] {
            '/' if at(i + 1) == '/' => {
                while i < c.len() && c[i] != '\n' {
                    i += 1;
                }
            }
            '/' if at(i + 1) == '*' => {
                let (start, mut depth) = (i, 0);
                while i < c.len() {
                    if c[i] == '/' && at(i + 1) == '*' {
                        depth += 1;
                        i += 2;
                    } else if c[i] == '*' && at(i + 1) == '/' {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
                breaks(&mut out, start, i);
            }
            'r' if (!prev_ident || (c[i - 1] == 'b' && !(i > 1 && is_ident(c[i - 2]))))
                && matches!(at(i + 1), '"' | '#') =>
            {
                let hashes = c[i + 1..].iter().take_while(|&&ch| ch == '#').count();
                if at(i + 1 + hashes) != '"' {
                    // A raw identifier (`r#type`).
                    out.push('r');
                    i += 1;
                    continue;
                }
                let start = i;
                i += hashes + 2;
                while i < c.len()
                    && !(c[i] == '"'
                        && c[i + 1..]
                            .iter()
                            .take(hashes)
                            .filter(|&&ch| ch == '#')
                            .count()
                            == hashes)
                {
                    i += 1;
                }
                i += 1 + hashes;
                out.push_str("r\"\"");
                breaks(&mut out, start, i);
            }
            '"' => {
                let start = i;
                i += 1;
                while i < c.len() && c[i] != '"' {
                    i += if c[i] == '\\' { 2 } else { 1 };
                }
                i += 1;
                out.push_str("\"\"");
                breaks(&mut out, start, i);
            }
            '\'' if at(i + 1) == '\\' || (at(i + 2) == '\'' && at(i + 1) != '\'') => {
                i += if at(i + 1) == '\\' { 3 } else { 2 };
                while i < c.len() && c[i] != '\'' {
                    i += 1;
                }
                i += 1;
                out.push_str("''");
            }
            ch => {
                out.push(ch);
                i += 1;
            }
        }
    }
    out
}

/// `code` (literals blanked) without the items marked `#[cfg(test)]`: each runs from the
/// attribute to its `;` or to the `}` that closes its first `{`.
fn without_tests(code: &str) -> String {
    const MARK: &str = "#[cfg(test)]";
    let mut out = String::new();
    let mut rest = code;
    while let Some(at) = rest.find(MARK) {
        out.push_str(&rest[..at]);
        let item = &rest[at + MARK.len()..];
        let mut depth = 0usize;
        let mut end = item.len();
        for (i, ch) in item.char_indices() {
            match ch {
                ';' if depth == 0 => {
                    end = i + 1;
                    break;
                }
                '{' => depth += 1,
                '}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        end = i + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        rest = &item[end..];
    }
    out.push_str(rest);
    out
}

/// Expand `a::{b, c::{d, e}}` into `a::b`, `a::c::d`, `a::c::e`.
fn expand(path: &str) -> Vec<String> {
    // Words joined, aliases (`Item as Other`) dropped.
    let mut words = path.split_whitespace();
    let mut path = String::new();
    while let Some(word) = words.next() {
        match word {
            "as" => path.extend(words.next().map(|alias| alias.trim_start_matches(is_ident))),
            _ => path.push_str(word),
        }
    }
    let Some(open) = path.find('{') else {
        return vec![path];
    };
    let (head, rest) = (
        &path[..open],
        &path[open + 1..path.rfind('}').unwrap_or(path.len())],
    );
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in rest.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&rest[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&rest[start..]);
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .flat_map(|p| expand(&format!("{head}{p}")))
        .collect()
}

/// The crate-relative paths a file refers to: `use` trees and inline `crate::` / `super::`
/// paths, with `super` resolved against the file's own module.
fn references(module: &str, is_dir_module: bool, code: &str) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("use") {
        let tail = &rest[at + 3..];
        // The keyword, not a word that contains it (`reuse`, `user`).
        if rest[..at].ends_with(is_ident) || !tail.starts_with(char::is_whitespace) {
            rest = tail;
            continue;
        }
        let end = tail.find(';').unwrap_or(tail.len());
        paths.extend(expand(&tail[..end]));
        rest = &tail[end..];
    }
    for start in ["crate::", "super::"] {
        let mut from = 0;
        while let Some(at) = code[from..].find(start) {
            let at = from + at;
            if code[..at].ends_with(is_ident) {
                from = at + start.len();
                continue;
            }
            let len = code[at..]
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(code.len() - at);
            paths.push(code[at..at + len].to_string());
            from = at + len.max(1);
        }
    }
    let own: Vec<String> = module
        .split("::")
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    paths
        .into_iter()
        .filter_map(|p| {
            let segments: Vec<&str> = p.split("::").filter(|s| !s.is_empty()).collect();
            let mut base = match segments.first().copied() {
                Some("crate") => Vec::new(),
                Some("super") => {
                    let mut base = own.clone();
                    if !is_dir_module {
                        base.pop();
                    }
                    base
                }
                _ => return None,
            };
            let mut rest = &segments[1..];
            while rest.first() == Some(&"super") {
                base.pop();
                rest = &rest[1..];
            }
            base.extend(rest.iter().map(|s| s.to_string()));
            Some(base)
        })
        .collect()
}

fn is_dir_module(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n == "mod.rs" || n == "lib.rs")
}

/// The longest module path `reference` starts with, and how many segments it took.
fn resolve(modules: &Modules, reference: &[String]) -> Option<(String, usize)> {
    (1..=reference.len())
        .rev()
        .map(|n| (reference[..n].join("::"), n))
        .find(|(m, _)| modules.contains_key(m))
}

/// Items a directory module re-exports (`pub use sub::Item;`), keyed by (module, item),
/// with the module that defines them.
fn reexports(modules: &Modules) -> BTreeMap<(String, String), String> {
    let mut found = BTreeMap::new();
    for (module, path) in modules.iter().filter(|(_, p)| is_dir_module(p)) {
        let code = code_of(path);
        for statement in code
            .split(';')
            .filter_map(|s| s.trim().strip_prefix("pub use "))
        {
            for item in expand(statement) {
                let mut reference: Vec<String> = module
                    .split("::")
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect();
                reference.extend(item.split("::").map(str::to_string));
                let name = reference.last().cloned().unwrap_or_default();
                if let Some((target, _)) = resolve(modules, &reference) {
                    found.insert((module.clone(), name), target);
                }
            }
        }
    }
    found
}

/// File-to-file imports: each reference resolved to the longest module path it starts with,
/// and through a directory module's re-export to the module that defines the item.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let modules = modules();
    let reexports = reexports(&modules);
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, path) in &modules {
        let targets = edges.entry(module.clone()).or_default();
        for reference in references(module, is_dir_module(path), &code_of(path)) {
            let Some((mut target, used)) = resolve(&modules, &reference) else {
                continue;
            };
            if let Some(item) = reference.get(used) {
                if let Some(defined) = reexports.get(&(target.clone(), item.clone())) {
                    target = defined.clone();
                }
            }
            if &target != module {
                targets.insert(target);
            }
        }
    }
    edges
}

fn top(module: &str) -> &str {
    module.split("::").next().unwrap_or_default()
}

/// Imports that break a rule: (from, to, rule).
fn violations(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    let forbidden: &[(&str, &[&str])] = &[
        ("app", &["ui", "tui", "cli"]),
        ("ui", &["tui", "cli"]),
        (
            "trace",
            &["analysis", "dataset", "model", "mutate", "cruxeval"],
        ),
        ("analysis", &["dataset", "model", "mutate", "cruxeval"]),
        ("dataset", &["model", "mutate", "cruxeval"]),
        ("cruxeval", &["analysis", "dataset", "model", "mutate"]),
    ];
    let domain_never = ["app", "ui", "tui", "cli", "pipeline"];
    let mut found = Vec::new();
    for (from, targets) in edges {
        for to in targets {
            let (a, b) = (top(from), top(to));
            let bad = forbidden
                .iter()
                .any(|(f, never)| *f == a && never.contains(&b))
                || ([
                    "trace", "analysis", "dataset", "model", "mutate", "cruxeval",
                ]
                .contains(&a)
                    && domain_never.contains(&b));
            if bad {
                found.push(format!("{from} imports {to}"));
            }
        }
    }
    found
}

/// The import loops among the files of one layer (`app`, `ui`): strongly connected
/// components of more than one file (a directory's `mod.rs`, which only declares and
/// re-exports, is left out).
fn loops(edges: &BTreeMap<String, BTreeSet<String>>, layer: &str) -> Vec<Vec<String>> {
    let inside = |m: &String| top(m) == layer && m.as_str() != layer;
    let nodes: Vec<&String> = edges.keys().filter(|m| inside(m)).collect();
    let reach = |from: &String| -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.clone()];
        while let Some(m) = stack.pop() {
            for next in edges.get(&m).into_iter().flatten().filter(|n| inside(n)) {
                if seen.insert(next.clone()) {
                    stack.push(next.clone());
                }
            }
        }
        seen
    };
    let reachable: BTreeMap<&String, BTreeSet<String>> =
        nodes.iter().map(|m| (*m, reach(m))).collect();
    let mut components: BTreeSet<Vec<String>> = BTreeSet::new();
    for m in &nodes {
        let component: Vec<String> = nodes
            .iter()
            .filter(|n| reachable[*m].contains(**n) && reachable[*n].contains(*m))
            .map(|n| n.to_string())
            .collect();
        if component.len() > 1 {
            components.insert(component);
        }
    }
    components.into_iter().collect()
}

#[test]
fn the_reader_finds_the_imports_it_should() {
    let edges = graph();
    for (from, to) in [
        ("cli::explore", "tui"),
        ("tui", "ui"),
        ("ui", "app::layout"),
        ("ui::status", "app::state"),
        ("app::update", "app::state"),
        ("pipeline::dataset_build", "mutate"),
    ] {
        assert!(
            edges.get(from).is_some_and(|t| t.contains(to)),
            "{from} -> {to} not found; {from} imports {:?}",
            edges.get(from)
        );
    }
    let mut fake = BTreeMap::new();
    fake.insert("app::a".to_string(), BTreeSet::from(["app::b".to_string()]));
    fake.insert(
        "app::b".to_string(),
        BTreeSet::from(["app::a".to_string(), "ui".to_string()]),
    );
    assert_eq!(loops(&fake, "app"), [["app::a", "app::b"]]);
    assert_eq!(violations(&fake), ["app::b imports ui"]);
}

#[test]
fn literals_comments_and_test_items_import_nothing() {
    let source = r##"
use crate::trace::Step;
const HINT: &str = "cannot use crate::ui::draw; here\" use crate::cli;";
// use crate::cli::explore;
/* use crate::tui; /* nested */ use crate::tui; */
fn reuse<'a>(x: &'a str) -> char {
    let _ = r#"use crate::ui; "quoted" crate::tui"#;
    let _ = b'"';
    let _ = '\'';
    mycrate::ui::x();
    '"'
}
pub(crate) use super::keymap::{Keymap, Scope as S};
#[cfg(test)]
use crate::ui::popup;
#[cfg(test)]
mod tests {
    use crate::cli;
    fn f() { let _ = "}"; }
}
fn after() { crate::model::run(); }
"##;
    let code = without_tests(&blank_literals(source));
    let found: BTreeSet<String> = references("app::state", false, &code)
        .into_iter()
        .map(|r| r.join("::"))
        .collect();
    // The inline scan also sees the head of the grouped `use` (`super::keymap::`).
    let expected = [
        "app::keymap",
        "trace::Step",
        "app::keymap::Keymap",
        "app::keymap::Scope",
        "model::run",
    ];
    assert_eq!(found, expected.iter().map(|s| s.to_string()).collect());
    assert_eq!(
        blank_literals(source).lines().count(),
        source.lines().count(),
        "blanking keeps the line breaks"
    );
}

#[test]
fn imports_point_down_only() {
    let found = violations(&graph());
    assert!(
        found.is_empty(),
        "imports against the layering rule:\n{}",
        found.join("\n")
    );
}

#[test]
fn no_import_loop_inside_app_or_ui() {
    let edges = graph();
    for layer in ["app", "ui"] {
        let found = loops(&edges, layer);
        assert!(found.is_empty(), "import loops in src/{layer}: {found:?}");
    }
}
