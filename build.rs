//! Chooses what the binary embeds at `/`: the built console (`admin-ui/dist`, made by
//! `scripts/build-console.sh`) when it exists, otherwise a page saying how to build it, so a
//! plain `cargo build` on a machine without npm still compiles and serves something honest.

use std::path::Path;

fn main() {
    let root = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let dist = Path::new(&root).join("admin-ui/dist");
    let folder = if dist.join("index.html").is_file() {
        // A rebuilt console rewrites dist/, which must re-embed it.
        println!("cargo:rerun-if-changed=admin-ui/dist");
        dist
    } else {
        // dist/ appearing changes admin-ui/'s own listing.
        println!("cargo:rerun-if-changed=admin-ui");
        println!("cargo:rerun-if-changed=console-placeholder");
        Path::new(&root).join("console-placeholder")
    };
    println!("cargo:rustc-env=STOREDESK_CONSOLE_DIR={}", folder.display());
    println!("cargo:rerun-if-changed=build.rs");
}
