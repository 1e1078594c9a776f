//! The module layering drawn in `src/lib.rs` ("How the crate is built") holds:
//! no module imports one drawn on its own line or above it. And no source file
//! is longer than a reader can hold: 600 lines, its test module excluded.
//!
//! Reads every source file, takes the paths its code names (`crate::x`,
//! `$crate::x`, and `super::x` in a top-level module), and resolves names the
//! crate root re-exports (`crate::Registry`) to the module they come from.
//! Comments and `#[cfg(test)]` modules at the end of a file are not code the
//! library runs, so they are skipped.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

/// Module name -> layer, 0 being the bottom line of the drawing.
fn layers(lib: &str) -> HashMap<String, usize> {
    let start = lib
        .find("# How the crate is built")
        .expect("lib.rs has the section");
    let drawing = &lib[start..];
    let open = drawing.find("//! ```text\n").expect("the drawing opens") + 12;
    let close = open + drawing[open..].find("//! ```").expect("the drawing closes");
    let rows: Vec<&str> = drawing[open..close]
        .lines()
        .map(|l| l.trim_start_matches("//!").trim())
        .collect();
    let mut map = HashMap::new();
    for (i, row) in rows.iter().enumerate() {
        let layer = rows.len() - 1 - i;
        // The modules are the words before the two-space gap of the description.
        let modules = row.split("  ").next().unwrap_or("");
        for m in modules.split_whitespace() {
            map.insert(m.to_owned(), layer);
        }
    }
    map
}

/// Names the crate root re-exports -> the module they come from.
fn root_reexports(lib: &str) -> HashMap<String, String> {
    let mut map = HashMap::new();
    let mut statement = String::new();
    for line in lib.lines().map(str::trim) {
        if statement.is_empty() && !line.starts_with("pub use crate::") {
            continue;
        }
        statement.push_str(line);
        if !line.ends_with(';') {
            continue;
        }
        let path = statement
            .trim_start_matches("pub use crate::")
            .trim_end_matches(';');
        let (module, rest) = path.split_once("::").unwrap_or((path, ""));
        for name in rest.trim_matches(|c| c == '{' || c == '}').split(',') {
            let name = name.rsplit("::").next().unwrap_or("").trim();
            if !name.is_empty() {
                map.insert(name.to_owned(), module.to_owned());
            }
        }
        statement.clear();
    }
    map
}

fn source_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("src is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            source_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// A file without its `#[cfg(test)] mod tests { ... }` (up to the first `}`
/// in column 0 after it), wherever in the file it is.
fn without_tests(text: &str) -> String {
    let Some(start) = text.find("#[cfg(test)]\nmod tests") else {
        return text.to_owned();
    };
    let end = text[start..]
        .find("\n}\n")
        .map_or(text.len(), |i| start + i + "\n}\n".len());
    format!("{}{}", &text[..start], &text[end..])
}

/// The code of a file: without comments and without its test module.
fn code(text: &str) -> String {
    let text = without_tests(text);
    text.lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The identifiers that follow `prefix` in `code`.
fn after<'a>(code: &'a str, prefix: &str) -> Vec<&'a str> {
    code.match_indices(prefix)
        .filter(|(i, _)| {
            // `prefix` must start a path: not `foo_crate::`.
            !code[..*i]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_')
        })
        .map(|(i, _)| {
            let rest = &code[i + prefix.len()..];
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            &rest[..end]
        })
        .collect()
}

/// Every `(file, importing module, imported module)` that breaks the drawing.
fn violations(src: &Path) -> Vec<String> {
    let lib = fs::read_to_string(src.join("lib.rs")).expect("lib.rs");
    let layers = layers(&lib);
    let reexports = root_reexports(&lib);
    let mut files = Vec::new();
    source_files(src, &mut files);
    // Macros exported at the crate root are named `crate::the_macro`, like a module.
    let sources: Vec<String> = files
        .iter()
        .map(|f| fs::read_to_string(f).expect("readable"))
        .collect();
    let macros: Vec<&str> = sources
        .iter()
        .flat_map(|s| after(s, "macro_rules! "))
        .collect();
    let mut found = Vec::new();
    for (file, source) in files.iter().zip(&sources) {
        let rel = file.strip_prefix(src).expect("under src");
        let top = rel
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
            .expect("a path")
            .trim_end_matches(".rs")
            .to_owned();
        if top == "lib" {
            continue;
        }
        let Some(&own) = layers.get(&top) else {
            found.push(format!(
                "{}: module `{top}` is not in the drawing",
                rel.display()
            ));
            continue;
        };
        let text = code(source);
        let mut named: Vec<&str> = after(&text, "crate::");
        // In a top-level module's own file, `super::` is the crate root.
        if rel.components().count() == 1 {
            named.extend(after(&text, "super::"));
        }
        for name in named {
            let module = match reexports.get(name) {
                Some(m) => m.as_str(),
                None => name,
            };
            if module == top || module.is_empty() || macros.contains(&module) {
                continue;
            }
            // Macros exported at the root (`crate::some_macro!`) are not modules.
            let Some(&theirs) = layers.get(module) else {
                // Items at the root that are not re-exports (none today) are not modules.
                if !module.chars().all(|c| c.is_lowercase() || c == '_') {
                    continue;
                }
                found.push(format!(
                    "{}: imports `{module}`, which is not in the drawing",
                    rel.display()
                ));
                continue;
            };
            if theirs >= own {
                found.push(format!(
                    "{}: `{top}` imports `{module}`, drawn above or beside it",
                    rel.display()
                ));
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

/// An empty directory of this process's, for a test's copy of a crate.
fn fresh_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[test]
fn no_module_imports_one_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let found = violations(&src);
    assert!(found.is_empty(), "layering broken:\n{}", found.join("\n"));
}

/// The check itself sees an upward import: a copy of the crate where `desc`
/// names `registry` must fail it.
#[test]
fn an_upward_import_is_seen() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let tmp = fresh_dir("layers");
    fs::copy(src.join("lib.rs"), tmp.join("lib.rs")).expect("copy lib.rs");
    fs::write(tmp.join("desc.rs"), "use crate::registry::Registry;\n").expect("write");
    fs::write(tmp.join("registry.rs"), "use crate::desc::Desc;\n").expect("write");
    fs::write(tmp.join("mystery.rs"), "use crate::desc::Desc;\n").expect("write");
    let found = violations(&tmp);
    let _ = fs::remove_dir_all(&tmp);
    assert_eq!(
        found,
        [
            "desc.rs: `desc` imports `registry`, drawn above or beside it",
            "mystery.rs: module `mystery` is not in the drawing",
        ]
    );
}

/// The most lines a source file may have before its test module.
const MAX_LINES: usize = 600;

/// Every file under `src` longer than [`MAX_LINES`], its
/// `#[cfg(test)] mod tests` left out, with its length.
fn long_files(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    source_files(src, &mut files);
    let mut found: Vec<String> = files
        .iter()
        .filter_map(|path| {
            let text = fs::read_to_string(path).expect("a source file");
            let lines = without_tests(&text).lines().count();
            let name = path.strip_prefix(src).expect("under src").display();
            (lines > MAX_LINES).then(|| format!("{name}: {lines} lines"))
        })
        .collect();
    found.sort();
    found
}

#[test]
fn no_source_file_is_over_600_lines() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let found = long_files(&src);
    assert!(
        found.is_empty(),
        "split these by job, as `runtime/` and `encoding/` are:\n{}",
        found.join("\n")
    );
}

/// The length check leaves the test module out (code after it still
/// counts), and sees a long file.
#[test]
fn a_long_file_is_seen() {
    let tmp = fresh_dir("long-files");
    fs::create_dir_all(tmp.join("sub")).expect("temp dir");
    let code = |n: usize| "fn f() {}\n".repeat(n);
    fs::write(tmp.join("at_limit.rs"), code(MAX_LINES)).expect("write");
    let with_tests = code(MAX_LINES) + "#[cfg(test)]\nmod tests {\n" + &code(50) + "}\n";
    fs::write(tmp.join("with_tests.rs"), with_tests).expect("write");
    fs::write(tmp.join("sub").join("long.rs"), code(MAX_LINES + 1)).expect("write");
    let after_tests = code(MAX_LINES - 10) + "#[cfg(test)]\nmod tests {\n" + &code(50) + "}\n";
    fs::write(tmp.join("after_tests.rs"), after_tests + &code(20)).expect("write");
    let found = long_files(&tmp);
    let _ = fs::remove_dir_all(&tmp);
    assert_eq!(
        found,
        ["after_tests.rs: 610 lines", "sub/long.rs: 601 lines"]
    );
}
