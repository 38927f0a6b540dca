//! The repository explains itself: every link in its documents resolves inside the
//! repository, and every file `docs/` points at exists, so the pages cannot silently drift
//! from the code they describe.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The Markdown files a newcomer reads.
fn documents() -> Vec<PathBuf> {
    let root = root();
    let mut files: Vec<PathBuf> = [
        "README.md",
        "SECURITY.md",
        "RELIABILITY.md",
        "BENCHMARKS.md",
    ]
    .iter()
    .map(|name| root.join(name))
    .collect();
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .expect("docs/ exists")
        .map(|entry| entry.expect("a docs entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

/// The targets of `[text](target)` links.
fn links(text: &str) -> Vec<String> {
    text.split("](")
        .skip(1)
        .filter_map(|rest| rest.split_once(')').map(|(target, _)| target.to_owned()))
        .collect()
}

#[test]
fn every_link_in_the_documents_resolves_inside_the_repository() {
    let root = root().canonicalize().expect("the repository");
    for document in documents() {
        let text = std::fs::read_to_string(&document).expect("a document");
        let base = document.parent().expect("a folder");
        for target in links(&text) {
            if target.starts_with("http://")
                || target.starts_with("https://")
                || target.starts_with('#')
            {
                continue;
            }
            let path = target.split('#').next().unwrap_or_default();
            let resolved = base.join(path).canonicalize().unwrap_or_else(|_| {
                panic!("{}: the link `{target}` leads nowhere", document.display())
            });
            assert!(
                resolved.starts_with(&root),
                "{}: the link `{target}` leaves the repository",
                document.display()
            );
        }
    }
}

/// Paths in backticks such as `src/tickets/sla.rs` or `src/orders/status.rs::transition`.
fn code_paths(text: &str) -> Vec<String> {
    const TOP: [&str; 10] = [
        "src/",
        "tests/",
        "entity/",
        "migration/",
        "admin-ui/",
        "templates/",
        "load/",
        "bench/",
        "scripts/",
        "docs/",
    ];
    text.split('`')
        .skip(1)
        .step_by(2)
        .filter(|span| TOP.iter().any(|top| span.starts_with(top)))
        .filter(|span| !span.contains(['<', '*', ' ', '…']))
        // Built, not committed.
        .filter(|span| !span.starts_with("admin-ui/dist"))
        .map(|span| span.split("::").next().unwrap_or(span).to_owned())
        .collect()
}

#[test]
fn every_file_the_docs_name_exists() {
    let root = root();
    let mut named = 0;
    for document in documents() {
        let text = std::fs::read_to_string(&document).expect("a document");
        for path in code_paths(&text) {
            named += 1;
            assert!(
                Path::new(&root).join(&path).exists(),
                "{}: `{path}` does not exist",
                document.display()
            );
        }
    }
    assert!(
        named > 50,
        "the docs name {named} files; the scan is broken"
    );
}
