//! Browser test layer: the shell in headless Chromium (storage, views, the command queue).
//!
//! Run by `./build.sh test` through wasm-bindgen-test-runner; every test resets the page first,
//! since all of them share one document.
#![cfg(target_arch = "wasm32")]

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

mod browser {
    pub mod capture;
    pub mod page;
    pub mod shell;
}
