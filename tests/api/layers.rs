//! The server's layers import only downward. Each module of server/src sits in one layer; a
//! `crate::…` path in a file that reaches a higher layer fails this test, naming the file and
//! the import.
use std::path::{Path, PathBuf};

/// Bottom-up. A module may import its own layer and those below.
const LAYERS: &[(&str, &[&str])] = &[
    ("foundation", &["domain", "clock", "config"]),
    (
        "parts",
        &[
            "telemetry",
            "metrics",
            "db",
            "input",
            "error",
            "store",
            "access",
            "particle",
            "audit",
            "email",
            "cache",
        ],
    ),
    ("change log", &["changes"]),
    ("shared state", &["state"]),
    (
        "services",
        &[
            "auth", "accounts", "tenancy", "billing", "history", "health", "demo",
        ],
    ),
    ("http", &["routes", "edge", "openapi"]),
    ("wiring", &["startup"]),
    ("entry points", &["cli", "main", "lib"]),
];

fn layer_of(module: &str) -> Option<(usize, &'static str)> {
    LAYERS
        .iter()
        .enumerate()
        .find(|(_, (_, modules))| modules.contains(&module))
        .map(|(n, (name, _))| (n, *name))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level modules a file's code (comments left out) names through `crate::`.
fn crate_imports(source: &str) -> Vec<String> {
    let code: String = source
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut found = Vec::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().last();
        rest = &rest[at + "crate::".len()..];
        // `fleetwarden_crate::` or `$crate::` are not ours.
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let mut item = String::new();
            let mut items = Vec::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    ',' if depth == 1 => items.push(std::mem::take(&mut item)),
                    _ => {}
                }
                if depth >= 1 && c != ',' {
                    item.push(c);
                }
            }
            items.push(item);
            for item in items {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() && name != "self" {
                    found.push(name);
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                found.push(name);
            }
        }
    }
    found
}

#[test]
fn server_modules_import_only_their_own_layer_and_those_below() {
    // Arrange
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../server/src");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    files.sort();
    assert!(
        files.len() > 50,
        "read {} files under {}",
        files.len(),
        root.display()
    );

    // Act
    let mut problems = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(&root).unwrap_or(file);
        let Some(first) = relative.components().next() else {
            continue;
        };
        let own = first
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_owned();
        let Some((own_layer, own_name)) = layer_of(&own) else {
            problems.push(format!(
                "server/src/{}: module `{own}` is in no layer; add it to LAYERS",
                relative.display()
            ));
            continue;
        };
        let source = std::fs::read_to_string(file).unwrap_or_default();
        for import in crate_imports(&source) {
            match layer_of(&import) {
                Some((layer, name)) if layer > own_layer => problems.push(format!(
                    "server/src/{}: `crate::{import}` ({name}) is above `{own}` ({own_name})",
                    relative.display()
                )),
                Some(_) => {}
                None => problems.push(format!(
                    "server/src/{}: `crate::{import}` is in no layer",
                    relative.display()
                )),
            }
        }
    }

    // Assert
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_import_reader_sees_groups_and_paths_but_not_comments() {
    let source = "use crate::{access::Scope, store::{self, grants}, db};\n\
                  // crate::routes in a comment\n\
                  let x = crate::state::AppState::new();\n\
                  use fleetwarden_crate::x;";
    assert_eq!(crate_imports(source), ["access", "store", "db", "state"]);
}
