//! herald-kafka is the only crate whose code uses librdkafka: every other crate's `src/` goes
//! through its named clients, and only benchmarks and tests may use `rdkafka` directly (as a
//! baseline or for raw broker checks), as a dev-dependency.

use std::fs;
use std::path::{Path, PathBuf};

fn crates_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("crates/")
        .to_path_buf()
}

/// Every crate of the workspace's `crates/` except herald-kafka.
fn other_crates() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = fs::read_dir(crates_dir())
        .expect("read crates/")
        .map(|e| e.expect("crates/ entry").path())
        .filter(|p| p.join("Cargo.toml").is_file() && !p.ends_with("herald-kafka"))
        .collect();
    out.sort();
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Whether a line of Rust names the `rdkafka` crate (doc and line comments may mention it).
fn names_rdkafka(line: &str) -> bool {
    let code = line.trim_start();
    !code.starts_with("//") && (code.contains("rdkafka::") || code.contains("use rdkafka"))
}

#[test]
fn no_crate_but_herald_kafka_uses_rdkafka_in_its_sources() {
    let crates = other_crates();
    assert!(crates.len() > 3, "found the workspace's crates: {crates:?}");
    let mut offending = Vec::new();
    for krate in &crates {
        let mut files = Vec::new();
        rust_files(&krate.join("src"), &mut files);
        for file in files {
            let text = fs::read_to_string(&file).expect("read source");
            for (n, line) in text.lines().enumerate() {
                if names_rdkafka(line) {
                    offending.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        offending.is_empty(),
        "only herald-kafka may use rdkafka; use its clients instead:\n{}",
        offending.join("\n")
    );
}

#[test]
fn no_crate_but_herald_kafka_depends_on_rdkafka_outside_dev_dependencies() {
    let mut offending = Vec::new();
    for krate in other_crates() {
        let manifest = fs::read_to_string(krate.join("Cargo.toml")).expect("read Cargo.toml");
        let mut section = String::new();
        for line in manifest.lines().map(str::trim) {
            if line.starts_with('[') {
                section = line.to_owned();
            } else if line.starts_with("rdkafka") && section != "[dev-dependencies]" {
                offending.push(format!("{}: {section} {line}", krate.display()));
            }
        }
    }
    assert!(
        offending.is_empty(),
        "rdkafka may only be a dev-dependency (benchmarks, tests) outside herald-kafka:\n{}",
        offending.join("\n")
    );
}

#[test]
fn the_check_sees_what_it_looks_for() {
    assert!(names_rdkafka("use rdkafka::Message;"));
    assert!(names_rdkafka("    let c: rdkafka::ClientConfig = x;"));
    assert!(!names_rdkafka("/// librdkafka's blocking calls"));
    assert!(!names_rdkafka("// rdkafka::consumer is wrapped"));
}
