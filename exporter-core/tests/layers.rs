//! The module layering drawn in `src/lib.rs` ("How the crate is built") holds:
//! no module imports one drawn on its own line or above it. And no source file
//! is longer than a reader can hold: 600 lines, its test module excluded.
//!
//! Reads every source file, takes the paths its code names from the crate
//! root (`crate::x`, `$crate::x`, a `super::` chain that climbs to the root,
//! and each path of a group: `crate::{x::A, y::B}`), and resolves names the
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

/// Whether `code[..i]` ends inside an identifier or a path (`foo_crate::`,
/// the second `super::` of `super::super::`): then `i` starts no path.
fn continues_a_path(code: &str, i: usize) -> bool {
    let before = &code[..i];
    before.ends_with("::")
        || before
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
}

/// The first segment of each path in `rest`, which follows a path prefix:
/// `x` for `x::y`, and `x`, `z` for a group `{x::y, z::{self, w}}`.
fn first_segments(rest: &str) -> Vec<&str> {
    let ident = |s: &str| -> usize {
        s.find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(s.len())
    };
    let Some(group) = rest.strip_prefix('{') else {
        return vec![&rest[..ident(rest)]];
    };
    // The group's elements: split at the commas outside nested braces.
    let mut names = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                names.push(group[start..i].trim_start());
                break;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                names.push(group[start..i].trim_start());
                start = i + 1;
            }
            _ => {}
        }
    }
    names
        .into_iter()
        .map(|element| &element[..ident(element)])
        .filter(|name| !name.is_empty())
        .collect()
}

/// The top-level names `code` reaches from the crate root: after `crate::`
/// (and `$crate::`), and after a chain of `super::` that climbs as many
/// modules as the file's module path has (`depth`: 1 for `a.rs` and
/// `a/mod.rs`, 2 for `a/b.rs`); a shorter chain stays inside the file's own
/// top-level module. Groups (`crate::{a::X, b::Y}`) name each of their paths.
fn root_names(code: &str, depth: usize) -> Vec<&str> {
    let mut names = Vec::new();
    for (i, _) in code.match_indices("crate::") {
        if !continues_a_path(code, i) {
            names.extend(first_segments(&code[i + "crate::".len()..]));
        }
    }
    for (i, _) in code.match_indices("super::") {
        if continues_a_path(code, i) {
            continue;
        }
        let mut rest = &code[i..];
        let mut climbs = 0;
        while let Some(r) = rest.strip_prefix("super::") {
            rest = r;
            climbs += 1;
        }
        if climbs == depth {
            names.extend(first_segments(rest));
        }
    }
    names
}

/// The depth of a file's module below the crate root: `a.rs` and `a/mod.rs`
/// are 1, `a/b.rs` and `a/b/mod.rs` 2.
fn module_depth(rel: &Path) -> usize {
    let parts = rel.components().count();
    if rel.file_name().is_some_and(|f| f == "mod.rs") {
        parts - 1
    } else {
        parts
    }
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
        .flat_map(|s| {
            s.match_indices("macro_rules! ")
                .map(|(i, m)| first_segments(&s[i + m.len()..])[0])
        })
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
        for name in root_names(&text, module_depth(rel)) {
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

/// The check itself sees an upward import, however it is written: a copy of
/// the crate where `desc` and `labels` name `registry` must fail it.
#[test]
fn an_upward_import_is_seen() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let tmp = fresh_dir("layers");
    fs::copy(src.join("lib.rs"), tmp.join("lib.rs")).expect("copy lib.rs");
    let write = |file: &str, code: &str| {
        let path = tmp.join(file);
        fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        fs::write(path, code).expect("write");
    };
    write("desc.rs", "use crate::registry::Registry;\n");
    // In a group, after a path that is allowed.
    write("error.rs", "use crate::{value::x, registry::Registry};\n");
    // `super::` from a `mod.rs` is the crate root; a nested group.
    write("labels/mod.rs", "use super::{value::{self, V}, http};\n");
    // Two `super::` from a file one level down reach the root too; one does not.
    write(
        "value/native.rs",
        "use super::super::registry::R;\nuse super::native_helper;\n",
    );
    // Not a path start: `other_crate::registry`, `$crate::` is.
    write(
        "escape.rs",
        "use other_crate::registry::R;\nmacro_rules! m { () => { $crate::desc::D } }\n",
    );
    write("registry.rs", "use crate::desc::Desc;\n");
    write("mystery.rs", "use crate::desc::Desc;\n");
    let found = violations(&tmp);
    let _ = fs::remove_dir_all(&tmp);
    assert_eq!(
        found,
        [
            "desc.rs: `desc` imports `registry`, drawn above or beside it",
            "error.rs: `error` imports `registry`, drawn above or beside it",
            "escape.rs: `escape` imports `desc`, drawn above or beside it",
            "labels/mod.rs: `labels` imports `http`, drawn above or beside it",
            "mystery.rs: module `mystery` is not in the drawing",
            "value/native.rs: `value` imports `registry`, drawn above or beside it",
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
