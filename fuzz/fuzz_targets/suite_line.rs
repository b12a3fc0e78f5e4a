//! Every suite format's line parser never panics.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(line) = std::str::from_utf8(data) else { return };
    for name in tb_suite::SuiteFormat::NAMES {
        let format = tb_suite::SuiteFormat::from_name(name).unwrap();
        let _ = tb_suite::parse_line(format, line);
    }
});
