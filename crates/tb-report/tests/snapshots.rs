//! Snapshots of what readers hold in their hands and no unit test reads
//! whole: the rules chapter for the tender document, in both languages, of
//! every example tender. A change to a snapshot is a change to a published
//! document: review it (`cargo insta review`, or read the `.snap.new` file)
//! before accepting it.

use std::path::Path;

fn spec(path: &str) -> tb_spec::Spec {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(path);
    tb_spec::load(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_rules_chapter_of_each_example_tender() {
    for (name, path) in [
        ("order87-goods", "examples/order87/goods.toml"),
        ("order87-services", "examples/order87/services.toml"),
        ("hotline", "examples/hotline/tender.toml"),
    ] {
        let spec = spec(path);
        for (lang, l) in [("zh", tb_report::Lang::Zh), ("en", tb_report::Lang::En)] {
            insta::assert_snapshot!(format!("rules-{name}-{lang}"), tb_report::render_rules(&spec, l));
        }
    }
}
