//! Build helper: `cargo xtask site [--release]` compiles the WASM frontend, generates the JS glue
//! with wasm-bindgen (the library, pinned to the same version as the `wasm-bindgen` crate), and
//! lays out `target/site` (pkg/passerelle.{js,wasm,css} and the files of `public/`).

use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("site") => site(args.iter().any(|a| a == "--release")),
        _ => bail!("usage: cargo xtask site [--release]"),
    }
}

/// The workspace of the checkout running `cargo xtask` (cargo sets `CARGO_MANIFEST_DIR` for
/// `cargo run`); the compile-time path only as a fallback, since a binary cached in a shared
/// target directory may have been built from another clone.
fn workspace_root() -> PathBuf {
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest.parent().map(Path::to_path_buf).unwrap_or_default()
}

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

fn site(release: bool) -> anyhow::Result<()> {
    let root = workspace_root();
    let profile = if release { "wasm-release" } else { "dev" };
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(&root)
        .args([
            "build",
            "-p",
            "frontend",
            "--target",
            "wasm32-unknown-unknown",
            "--profile",
            profile,
        ])
        .status()
        .context("running cargo build for the frontend")?;
    if !status.success() {
        bail!("frontend build failed");
    }
    let dir = if release { "wasm-release" } else { "debug" };
    let wasm = target_dir(&root)
        .join("wasm32-unknown-unknown")
        .join(dir)
        .join("frontend.wasm");
    let site = root.join("target").join("site");
    let pkg = site.join("pkg");
    std::fs::create_dir_all(&pkg)?;
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&wasm)
        .web(true)?
        .out_name("passerelle")
        .generate(&pkg)
        .context("wasm-bindgen")?;
    std::fs::rename(pkg.join("passerelle_bg.wasm"), pkg.join("passerelle.wasm"))?;
    if release {
        optimise(&root, &pkg.join("passerelle.wasm"))?;
    }
    std::fs::copy(
        root.join("style").join("main.css"),
        pkg.join("passerelle.css"),
    )?;
    copy_dir(&root.join("public"), &site)?;
    println!("site ready in {}", site.display());
    Ok(())
}

/// Runs wasm-opt from npm's binaryen when installed in end2end/ (Debian's binaryen 108 breaks
/// the wasm; see STACK-NOTES). Without it the unoptimised wasm is kept.
fn optimise(root: &Path, wasm: &Path) -> anyhow::Result<()> {
    let opt = root.join("end2end/node_modules/.bin/wasm-opt");
    if !opt.exists() {
        println!("wasm-opt not installed (npm ci in end2end/); keeping the unoptimised wasm");
        return Ok(());
    }
    let status = Command::new(opt)
        .arg("-Oz")
        .arg("--enable-bulk-memory")
        .arg("--enable-nontrapping-float-to-int")
        .arg("--enable-sign-ext")
        .arg("--enable-mutable-globals")
        .arg(wasm)
        .arg("-o")
        .arg(wasm)
        .status()?;
    if !status.success() {
        bail!("wasm-opt failed");
    }
    Ok(())
}

fn copy_dir(from: &Path, to: &Path) -> anyhow::Result<()> {
    if !from.is_dir() {
        return Ok(());
    }
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let dest = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            std::fs::create_dir_all(&dest)?;
            copy_dir(&entry.path(), &dest)?;
        } else {
            std::fs::copy(entry.path(), dest)?;
        }
    }
    Ok(())
}
