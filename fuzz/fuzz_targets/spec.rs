//! The spec parser never panics, whatever the text; errors carry a position.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Err(errs) = tb_spec::parse(text, std::path::Path::new("fuzz.toml"), std::path::Path::new("/nonexistent"))
    {
        assert!(!errs.0.is_empty());
        let _ = errs.to_string();
    }
});
