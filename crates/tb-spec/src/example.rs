//! The built-in example tender (`examples/hotline`), embedded so that the
//! demo and the server's "create from the example" work from any folder.

/// `tender.toml`.
pub const SPEC: &str = include_str!("../../../examples/hotline/tender.toml");

/// Its other files, by path relative to the spec.
pub const FILES: &[(&str, &str)] = &[
    ("suites/README.md", include_str!("../../../examples/hotline/suites/README.md")),
    ("suites/ceval_public_service.jsonl", include_str!("../../../examples/hotline/suites/ceval_public_service.jsonl")),
    ("suites/gsm8k_200.jsonl", include_str!("../../../examples/hotline/suites/gsm8k_200.jsonl")),
];
