//! `docs/design.md` and the code point at each other: every identifier a source file cites as
//! `docs/design.md B7` (or a range such as `B1-B5`) is defined there with its anchor, every
//! `section N` cited is a section of it, and every test the design names as a proof exists.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

const DESIGN: &str = "docs/design.md";
/// Where code, tests and docs cite the design.
const CITING_ROOTS: [&str; 6] = ["src", "tests", "java", "examples", "include", "benches"];
const CITING_FILES: [&str; 2] = ["README.md", "BENCHMARKS.md"];
const PREFIXES: [&str; 13] = [
    "RF", "OZ", "OF", "P", "R", "S", "T", "F", "L", "O", "Z", "A", "B",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn design() -> String {
    fs::read_to_string(root().join(DESIGN)).expect("docs/design.md")
}

/// The identifiers the design defines, from its `<a id="b7"></a>` anchors, as `B7`.
fn defined_identifiers(design: &str) -> BTreeSet<String> {
    design
        .split("<a id=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_uppercase)
        .collect()
}

fn defined_sections(design: &str) -> BTreeSet<u32> {
    design
        .lines()
        .filter_map(|line| line.strip_prefix("## "))
        .filter_map(|heading| heading.split('.').next()?.parse().ok())
        .collect()
}

fn source_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() {
            if name != "target" && !name.to_string_lossy().starts_with('.') {
                source_files(&path, found);
            }
        } else if matches!(
            path.extension().and_then(|ext| ext.to_str()),
            Some("rs" | "java" | "c" | "h" | "md" | "xml" | "sh") | None
        ) {
            found.push(path);
        }
    }
}

fn citing_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in CITING_ROOTS {
        source_files(&root().join(dir), &mut files);
    }
    files.extend(CITING_FILES.iter().map(|file| root().join(file)));
    files
}

/// The identifiers in one citation: `R3`, and both ends of `B1-B5`.
fn cited_identifiers(citation: &str) -> Vec<String> {
    citation
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| {
            PREFIXES.iter().any(|prefix| {
                word.strip_prefix(prefix).is_some_and(|number| {
                    !number.is_empty() && number.chars().all(|c| c.is_ascii_digit())
                })
            })
        })
        .map(str::to_owned)
        .collect()
}

/// Each citation: the text after `docs/design.md` up to the first `)`, `:` or sentence end.
fn citations(text: &str) -> Vec<&str> {
    text.match_indices(DESIGN)
        .map(|(at, _)| {
            let rest = &text[at + DESIGN.len()..];
            let end = rest
                .char_indices()
                .find(|&(i, c)| {
                    matches!(c, ')' | ':' | ']')
                        || (c == '.' && rest[i + 1..].starts_with(char::is_whitespace))
                })
                .map_or(rest.len(), |(i, _)| i);
            &rest[..end.min(160)]
        })
        .collect()
}

#[test]
fn every_design_reference_in_the_repository_is_defined_in_the_design() {
    let design = design();
    let identifiers = defined_identifiers(&design);
    let sections = defined_sections(&design);
    assert!(identifiers.contains("B1") && identifiers.contains("R1"));
    let mut undefined = Vec::new();
    let mut cited = 0;
    for file in citing_files() {
        let Ok(text) = fs::read_to_string(&file) else {
            continue;
        };
        let shown = file.strip_prefix(root()).unwrap_or(&file).display();
        for old_style in ["section", "B", "rule"].map(|cited| format!("DESIGN {cited}")) {
            if text.contains(&old_style) {
                undefined.push(format!(
                    "{shown}: cites \"{old_style}\" instead of {DESIGN}"
                ));
            }
        }
        for citation in citations(&text) {
            for identifier in cited_identifiers(citation) {
                cited += 1;
                if !identifiers.contains(&identifier) {
                    undefined.push(format!("{shown}: {identifier} in \"{citation}\""));
                }
            }
            if let Some(number) = citation.split("section ").nth(1) {
                let number: String = number.chars().take_while(char::is_ascii_digit).collect();
                if !number.parse().is_ok_and(|n| sections.contains(&n)) {
                    undefined.push(format!("{shown}: section {number} in \"{citation}\""));
                }
            }
        }
    }
    assert!(
        cited > 50,
        "only {cited} citations found: is the scan broken?"
    );
    assert!(undefined.is_empty(), "undefined: {undefined:#?}");
}

/// The Java file that defines `class`, if any.
fn java_class(class: &str) -> Option<PathBuf> {
    let mut files = Vec::new();
    source_files(&root().join("java"), &mut files);
    files.into_iter().find(|file| {
        file.file_name().and_then(|name| name.to_str()) == Some(&format!("{class}.java"))
    })
}

#[test]
fn every_test_the_design_names_exists() {
    let design = design();
    let mut missing = Vec::new();
    let mut checked = 0;
    // The file a `::function` or `#method` continuation belongs to.
    let mut current: Option<PathBuf> = None;
    for quoted in design.split('`').skip(1).step_by(2) {
        let (file, member, marker) = if let Some(function) = quoted.strip_prefix("::") {
            (current.clone(), Some(function), "fn ")
        } else if let Some(method) = quoted.strip_prefix('#') {
            (current.clone(), Some(method), "void ")
        } else if quoted.starts_with("tests/") && !quoted.contains(' ') {
            let (path, function) = match quoted.split_once("::") {
                Some((path, function)) => (path, Some(function)),
                None => (quoted, None),
            };
            let file = root().join(path);
            if !file.exists() {
                missing.push(quoted.to_owned());
                continue;
            }
            current = Some(file.clone());
            (Some(file), function, "fn ")
        } else if quoted.ends_with("Test")
            || quoted.ends_with("IT")
            || quoted.contains("Test#")
            || quoted.contains("IT#")
        {
            let (class, method) = match quoted.split_once('#') {
                Some((class, method)) => (class, Some(method)),
                None => (quoted, None),
            };
            let Some(file) = java_class(class) else {
                missing.push(quoted.to_owned());
                continue;
            };
            current = Some(file.clone());
            (Some(file), method, "void ")
        } else {
            continue;
        };
        let (Some(file), Some(member)) = (file, member) else {
            continue;
        };
        checked += 1;
        let text = fs::read_to_string(&file).unwrap();
        let declared = text.contains(&format!("{marker}{member}("))
            || text.contains(&format!("{marker}{member}<"));
        if !declared {
            missing.push(format!("{} {member}", file.display()));
        }
    }
    assert!(
        checked > 30,
        "only {checked} tests checked: is the scan broken?"
    );
    assert!(
        missing.is_empty(),
        "named in {DESIGN} but not found: {missing:#?}"
    );
}
