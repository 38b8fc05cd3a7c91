//! Turns the dashboard's raw wasm32 binary into the files the server embeds: the JS glue and
//! the processed wasm (wasm-bindgen, pinned to the dashboard's own wasm-bindgen version), the
//! stylesheet, and an `index.html` that names each asset by a hash of its content, so assets
//! can be cached forever while `index.html` is revalidated. Each asset also gets a gzip copy.
//! No wasm-opt: Debian's (binaryen 108) produces a wasm that crashes in Chromium.
use std::path::Path;

use anyhow::Context;
use sha2::Digest;

/// One file to serve under `/assets/`.
#[derive(Debug, Clone)]
pub struct Asset {
    /// Its URL path, e.g. `/assets/app-0123abcd.js`.
    pub url: String,
    /// File name inside the output folder (plain and, with `.gz`, gzipped).
    pub file: String,
    /// The `Content-Type` to send.
    pub content_type: &'static str,
    /// Size in bytes, plain.
    pub size: usize,
    /// Size in bytes, gzipped.
    pub gzip_size: usize,
}

/// What [`bundle`] wrote.
#[derive(Debug, Clone)]
pub struct Bundle {
    /// `index.html` (file name in the output folder).
    pub index: String,
    /// A hash over every asset, for the index page's ETag.
    pub build_id: String,
    /// The hashed assets.
    pub assets: Vec<Asset>,
}

/// Runs wasm-bindgen on `wasm`, then writes hashed assets, their gzip copies and `index.html`
/// (from `index_template`, whose `{{js}}`, `{{wasm}}` and `{{css}}` name the assets) into
/// `out`.
///
/// # Errors
/// wasm-bindgen failing (e.g. a version mismatch with the wasm) or file I/O.
pub fn bundle(
    wasm: &Path,
    css: &Path,
    index_template: &Path,
    out: &Path,
) -> anyhow::Result<Bundle> {
    remove_old_assets(out)?;
    let glue = out.join("bindgen");
    std::fs::create_dir_all(&glue).with_context(|| format!("creating {}", glue.display()))?;
    let mut bindgen = wasm_bindgen_cli_support::Bindgen::new();
    bindgen
        .input_path(wasm)
        .out_name("app")
        .typescript(false)
        // Function names only help debugging; they are a large part of the file.
        .remove_name_section(true)
        .remove_producers_section(true)
        .web(true)
        .context("wasm-bindgen web target")?;
    bindgen
        .generate(&glue)
        .with_context(|| format!("wasm-bindgen on {}", wasm.display()))?;

    let wasm_bytes = read(&glue.join("app_bg.wasm"))?;
    let wasm_url = format!("/assets/app-{}.wasm", short_hash(&wasm_bytes));
    // The glue starts the app itself, so index.html needs no inline script (the server's CSP
    // allows none).
    let mut js = read(&glue.join("app.js"))?;
    js.extend_from_slice(format!("\n__wbg_init({{ module_or_path: {wasm_url:?} }});\n").as_bytes());
    let css_bytes = read(css)?;
    let mut assets = Vec::new();
    let mut urls = Vec::new();
    for (stem, ext, content_type, bytes) in [
        ("app", "js", "text/javascript; charset=utf-8", &js),
        ("app", "wasm", "application/wasm", &wasm_bytes),
        ("style", "css", "text/css; charset=utf-8", &css_bytes),
    ] {
        let file = format!("{stem}-{}.{ext}", short_hash(bytes));
        let gzip_size = write_with_gzip(&out.join(&file), bytes)?;
        urls.push(format!("/assets/{file}"));
        assets.push(Asset {
            url: format!("/assets/{file}"),
            file,
            content_type,
            size: bytes.len(),
            gzip_size,
        });
    }
    let template = std::fs::read_to_string(index_template)
        .with_context(|| format!("reading {}", index_template.display()))?;
    let index = template
        .replace("{{js}}", &urls[0])
        .replace("{{wasm}}", &urls[1])
        .replace("{{css}}", &urls[2]);
    std::fs::write(out.join("index.html"), &index).context("writing index.html")?;
    let build_id = short_hash(urls.join(" ").as_bytes());
    Ok(Bundle {
        index: "index.html".into(),
        build_id,
        assets,
    })
}

/// Earlier builds' hashed files: only the newest are embedded, the rest would pile up.
fn remove_old_assets(out: &Path) -> anyhow::Result<()> {
    let Ok(entries) = std::fs::read_dir(out) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("app-") || name.starts_with("style-") {
            std::fs::remove_file(entry.path())
                .with_context(|| format!("removing {}", entry.path().display()))?;
        }
    }
    Ok(())
}

fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("reading {}", path.display()))
}

/// The first 16 hex digits of the SHA-256: plenty to tell builds apart.
pub fn short_hash(bytes: &[u8]) -> String {
    hex::encode(&sha2::Sha256::digest(bytes)[..8])
}

/// Writes `bytes` to `path` and a gzip copy to `path.gz`; returns its size.
///
/// Zopfli, not zlib's level 9: any gzip reader reads it, and it is smaller, which browsers
/// download on every new build. Five iterations get nearly all of the gain; the default
/// fifteen add almost nothing for half as much time again.
fn write_with_gzip(path: &Path, bytes: &[u8]) -> anyhow::Result<usize> {
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))?;
    let options = zopfli::Options {
        iteration_count: std::num::NonZeroU64::new(5).context("iteration count")?,
        ..zopfli::Options::default()
    };
    let mut gz = Vec::with_capacity(bytes.len() / 2);
    zopfli::compress(options, zopfli::Format::Gzip, bytes, &mut gz).context("gzip")?;
    let gz_path = path.with_file_name(format!(
        "{}.gz",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("asset")
    ));
    std::fs::write(&gz_path, &gz).with_context(|| format!("writing {}", gz_path.display()))?;
    Ok(gz.len())
}
