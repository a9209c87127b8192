//! The real runbooks beside the repository: `../shared/runbooks`.
//!
//! A test that reads them carries
//! `#[cfg_attr(no_corpus, ignore = "...")]`: `build.rs` sets `no_corpus` when
//! the directory is absent, except on CI (`CI=true`), where such a test runs
//! and fails. Run anyway (`--ignored`), it fails with the reason.
#![allow(dead_code)]

use std::path::PathBuf;

/// The corpus directory; panics (the test fails) when it is absent.
pub fn dir() -> PathBuf {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/runbooks"));
    assert!(
        dir.is_dir(),
        "{} is absent: the corpus lives beside the repository (../shared/runbooks), \
         and CI runs with it there",
        dir.display()
    );
    dir
}

/// A file of the corpus, `rel` like `"real/01-govuk-deploying.md"`.
pub fn file(rel: &str) -> PathBuf {
    let path = dir().join(rel);
    assert!(
        path.is_file(),
        "{} is missing from the corpus",
        path.display()
    );
    path
}
