//! Tells the integration tests what this machine lacks, so that a test
//! needing it is `#[ignore]`d with the reason instead of passing on nothing:
//!
//! - `no_tmux`: `tmux` is not on `PATH` (the `*_e2e` tests drive the cockpit
//!   in a private tmux server);
//! - `no_corpus`: `../shared/runbooks`, the real runbooks beside the
//!   repository, is absent;
//! - `no_prometheus`: `prometheus` is not on `PATH` (the tests that read
//!   a real Prometheus's numbers);
//! - `not_root`: the build does not run as root, so a test cannot start a
//!   process as another user (the co-pilot's identity test).
//!
//! None is ever set on CI (`CI=true`): there the tests run, and fail when
//! their part is missing.

use std::path::{Path, PathBuf};

/// The corpus, relative to the package root (where build scripts run).
const CORPUS: &str = "../shared/runbooks";

fn main() {
    println!("cargo:rustc-check-cfg=cfg(no_tmux)");
    println!("cargo:rustc-check-cfg=cfg(no_corpus)");
    println!("cargo:rustc-check-cfg=cfg(no_prometheus)");
    println!("cargo:rustc-check-cfg=cfg(not_root)");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=CI");
    println!("cargo:rerun-if-env-changed=PATH");
    println!("cargo:rerun-if-changed={}", watched(Path::new(CORPUS)));

    if std::env::var("CI").is_ok_and(|v| v == "true") {
        return;
    }
    if !on_path("tmux") {
        println!("cargo:rustc-cfg=no_tmux");
    }
    if !on_path("prometheus") {
        println!("cargo:rustc-cfg=no_prometheus");
    }
    if !Path::new(CORPUS).is_dir() {
        println!("cargo:rustc-cfg=no_corpus");
    }
    let uid = std::process::Command::new("id").arg("-u").output();
    if !uid.is_ok_and(|o| o.stdout.trim_ascii() == b"0") {
        println!("cargo:rustc-cfg=not_root");
    }
}

/// What to watch for the corpus: the directory itself, or, while it is
/// absent, the directory it would appear in. (Cargo takes a watched path
/// that does not exist as changed on every build, and would rebuild the
/// crate each time.) With `../shared` absent too, `..` would be scanned
/// whole on every build, so only `build.rs` is watched: run `touch build.rs`
/// after putting the corpus in place.
fn watched(corpus: &Path) -> String {
    let shown = if corpus.is_dir() {
        corpus
    } else {
        match corpus.parent() {
            Some(shared) if shared.is_dir() => shared,
            _ => Path::new("build.rs"),
        }
    };
    shown.display().to_string()
}

/// Whether an executable `name` is in one of `PATH`'s directories.
fn on_path(name: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let Some(path) = std::env::var_os("PATH") else {
        return false;
    };
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .any(|file: PathBuf| {
            file.metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}
