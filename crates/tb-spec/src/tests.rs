use super::*;

const GOOD: &str = r#"
[tender]
id = "T-1"
title = "Hotline assistant"
buyer = "City 12345 centre"
kind = "services"
price_weight = 0.3

[run]
seed = 7

[[suite]]
id = "policy"
path = "suite.jsonl"

[[criterion]]
id = "knowledge"
suite = "policy"
grader = "choice"
weight = 0.6
gate = { min = 0.6 }

[[criterion]]
id = "math"
suite = "policy"
grader = "numeric"
weight = 0.4

[[vendor]]
name = "A"
provider = "deepseek"
model = "deepseek-chat"
bid_price = 100.0

[[vendor]]
name = "B"
base_url = "http://127.0.0.1:9/v1/"
model = "m"
bid_price = 90.0
"#;

fn parse_in_tmp(text: &str) -> Result<Spec, SpecErrors> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("suite.jsonl"), "").unwrap();
    parse(text, Path::new("tender.toml"), dir.path())
}

#[test]
fn good_spec_validates_and_fills_presets() {
    let spec = parse_in_tmp(GOOD).unwrap();
    assert_eq!(spec.vendors[0].base_url, "https://api.deepseek.com/v1");
    assert_eq!(spec.vendors[0].api_key_env.as_deref(), Some("DEEPSEEK_API_KEY"));
    assert!(spec.vendors[0].stream_usage);
    assert_eq!(spec.vendors[1].base_url, "http://127.0.0.1:9/v1", "trailing slash trimmed");
    assert_eq!(spec.criteria[0].metric, "accuracy");
    assert_eq!(spec.run.repeats, 1);
    assert!((spec.technical_weight() - 0.7).abs() < 1e-12);
}

#[test]
fn canonical_hash_is_stable_and_sensitive() {
    let a = parse_in_tmp(GOOD).unwrap();
    let b = parse_in_tmp(GOOD).unwrap();
    assert_eq!(a.canonical_hash(), b.canonical_hash(), "resolved paths differ but are not hashed");
    let c = parse_in_tmp(&GOOD.replace("bid_price = 90.0", "bid_price = 91.0")).unwrap();
    assert_ne!(a.canonical_hash(), c.canonical_hash());
    // A stored spec reads back to the same hash.
    let json = serde_json::to_string(&a).unwrap();
    let back: Spec = serde_json::from_str(&json).unwrap();
    assert_eq!(back.canonical_hash(), a.canonical_hash());
}

/// Each bad spec gets its own message at the line and column of the culprit.
#[test]
fn bad_specs_name_line_column_and_cause() {
    // (replace, with, the unique text the error must point at, what the message says)
    let cases: &[(&str, &str, &str, &str)] = &[
        ("weight = 0.4", "weight = 0.3", "\nweight = 0.3", "criterion weights sum to 0.9, expected 1"),
        ("price_weight = 0.3", "price_weight = 0.05", "0.05", "below the statutory minimum of 0.1 for services"),
        (
            "kind = \"services\"\nprice_weight = 0.3",
            "kind = \"goods\"\nprice_weight = 0.2",
            "0.2",
            "below the statutory minimum of 0.3 for goods",
        ),
        (
            "grader = \"numeric\"",
            "grader = \"numerc\"",
            "\"numerc\"",
            "unknown grader \"numerc\" (did you mean \"numeric\"?); expected one of: choice, numeric",
        ),
        // Found after the criteria are built, still pointed at the grader.
        ("grader = \"numeric\"", "grader = \"judge\"", "\"judge\"", "uses the judge grader: name its judge"),
        ("path = \"suite.jsonl\"", "path = \"missing.jsonl\"", "\"missing", "missing.jsonl does not exist"),
        (
            "id = \"math\"",
            "id = \"knowledge\"\nname = \"dup\"",
            "\"knowledge\"\nname",
            "duplicate criterion id \"knowledge\"",
        ),
        ("name = \"B\"", "name = \"A\" ", "\"A\" ", "duplicate vendor name \"A\""),
        ("provider = \"deepseek\"", "provider = \"deepsek\"", "\"deepsek", "unknown provider \"deepsek\""),
        ("bid_price = 90.0", "bid_price = -1.0", "-1.0", "bid_price is -1, expected a positive amount"),
        ("[run]\nseed = 7", "[run]\nsede = 7", "sede", "unknown field `sede`"),
        (
            "suite = \"policy\"\ngrader = \"numeric\"",
            "suite = \"polcy\"\ngrader = \"numeric\"",
            "\"polcy",
            "which no [[suite]] defines",
        ),
        ("title = \"Hotline assistant\"", "title = \"Hotline assistant", "Hotline", "string"),
        (
            "path = \"suite.jsonl\"",
            "path = \"suite.jsonl\"\nseal = \"suite.jsonl.seal.json\"",
            "\"suite.jsonl.seal.json\"",
            "`seal` names the seal file of a sealed suite",
        ),
        (
            "grader = \"numeric\"",
            "grader = \"numeric\"\nrule = \"lenient\"",
            "\"lenient\"",
            "unknown rule \"lenient\"; grader numeric has one rule",
        ),
        (
            "grader = \"numeric\"",
            "grader = \"tool_call\"\nrule = \"loose\"",
            "\"loose\"",
            "unknown rule \"loose\"; expected one of: bfcl, lenient",
        ),
        (
            "grader = \"numeric\"",
            "grader = \"tool_call\"\ncalls_in_text = \"maybe\"",
            "\"maybe\"",
            "expected \"accept\" or \"reject\"",
        ),
        (
            "grader = \"numeric\"",
            "grader = \"numeric\"\ncalls_in_text = \"accept\"",
            "\"accept\"",
            "`calls_in_text` is for a tool_call criterion",
        ),
    ];
    for (from, to, culprit, needle) in cases {
        assert!(GOOD.contains(from), "fixture lacks {from:?}");
        let text = GOOD.replacen(from, to, 1);
        assert_eq!(text.matches(culprit).count(), 1, "culprit {culprit:?} not unique");
        let at = text.find(culprit).unwrap() + culprit.chars().take_while(|c| *c == '\n').count();
        let line = &(text[..at].matches('\n').count() + 1);
        let errs = parse_in_tmp(&text).unwrap_err();
        let hit = errs.0.iter().find(|e| e.message.contains(needle));
        let Some(hit) = hit else { panic!("{to:?}: no error containing {needle:?} in:\n{errs}") };
        assert_eq!(hit.line, *line, "{to:?}: wrong line in {hit}");
        assert!(hit.column >= 1, "{to:?}: {hit}");
        assert!(hit.to_string().starts_with(&format!("tender.toml:{line}:")), "{hit}");
    }
}

#[test]
fn column_points_at_the_value() {
    let errs = parse_in_tmp(&GOOD.replace("price_weight = 0.3", "price_weight = 0.05")).unwrap_err();
    assert_eq!(errs.0[0].column, 16, "{}", errs);
    let shown = errs.to_string();
    assert!(shown.contains("7 | price_weight = 0.05"), "{shown}");
}

/// GOOD with two load stages and SLA criteria in place of part of the weight.
fn with_stages(stages: &str, slas: &str) -> String {
    GOOD.replace("weight = 0.4\n", "weight = 0.2\n")
        .replace("[[vendor]]\nname = \"A\"", &format!("{slas}\n{stages}\n[[vendor]]\nname = \"A\""))
}

const STAGES: &str = r#"
[[stage]]
id = "steady"
suite = "policy"
concurrency = 8
cases = 400

[[stage]]
id = "peak"
suite = "policy"
rate = 200.0
duration_secs = 30
warmup_secs = 5
"#;

const SLAS: &str = r#"
[[criterion]]
id = "ttft"
grader = "sla"
stage = "peak"
sla = "ttft_p95_ms <= 1500"
weight = 0.1
gate = { min = 1 }

[[criterion]]
id = "goodput"
grader = "sla"
stage = "peak"
sla = "goodput_rps >= 20"
weight = 0.1
"#;

#[test]
fn stages_and_sla_criteria_validate() {
    let spec = parse_in_tmp(&with_stages(STAGES, SLAS)).unwrap();
    assert_eq!(spec.stages.len(), 2);
    assert_eq!(spec.stages[0].arrival, Arrival::Concurrency(8));
    assert_eq!(spec.stages[1].arrival, Arrival::Rate(200.0));
    assert_eq!(spec.stages[1].warmup_secs, 5.0);
    let ttft = spec.criteria.iter().find(|c| c.id == "ttft").unwrap();
    assert!(ttft.is_sla());
    assert_eq!(ttft.sla.as_ref().unwrap().target, 1500.0);
    assert_eq!(spec.request_targets("peak"), vec![(load::Timing::Ttft, 1500.0)]);
    assert!(spec.request_targets("steady").is_empty());
    assert_eq!(spec.stage_criterion(&spec.stages[0]).unwrap().id, "knowledge");
}

#[test]
fn a_spec_without_stages_hashes_as_before() {
    // Adding the load fields must not change the hash of specs written before them.
    let spec = parse_in_tmp(GOOD).unwrap();
    let text = serde_json::to_string(&spec).unwrap();
    assert!(!text.contains("stages") && !text.contains("\"sla\""), "{text}");
}

#[test]
fn stage_and_sla_errors_are_located() {
    let cases: &[(&str, &str, &str)] = &[
        ("[[stage]]\nid = \"x\"\nsuite = \"policy\"\ncases = 5\n", "", "either `concurrency`"),
        (
            "[[stage]]\nid = \"x\"\nsuite = \"policy\"\nrate = 5.0\nconcurrency = 2\ncases = 5\n",
            "",
            "either `concurrency`",
        ),
        ("[[stage]]\nid = \"x\"\nsuite = \"policy\"\nrate = 5.0\n", "", "needs an end"),
        (
            "[[stage]]\nid = \"x\"\nsuite = \"policy\"\nrate = -1.0\ncases = 3\n",
            "",
            "rate must be between 0.01 and 100000",
        ),
        ("[[stage]]\nid = \"x\"\nsuite = \"nope\"\nrate = 1.0\ncases = 3\n", "", "which no criterion grades"),
        (
            STAGES,
            "[[criterion]]\nid = \"s\"\ngrader = \"sla\"\nstage = \"peak\"\nsla = \"ttft_p97_ms <= 1\"\nweight = 0.2\n",
            "unknown metric",
        ),
        (
            STAGES,
            "[[criterion]]\nid = \"s\"\ngrader = \"sla\"\nstage = \"rush\"\nsla = \"availability >= 0.99\"\nweight = 0.2\n",
            "no [[stage]] has id \"rush\"",
        ),
        (STAGES, "[[criterion]]\nid = \"s\"\ngrader = \"sla\"\nweight = 0.2\n", "needs `sla`"),
        (
            STAGES,
            "[[criterion]]\nid = \"s\"\ngrader = \"sla\"\nstage = \"peak\"\nsla = \"availability <= 0.99\"\nweight = 0.2\n",
            "bounds it with >=",
        ),
        (
            STAGES,
            "[[criterion]]\nid = \"s\"\ngrader = \"sla\"\nstage = \"peak\"\nsla = \"availability >= 0.99\"\nweight = 0.2\ngate = { min = 0.5 }\n",
            "its gate is `gate = { min = 1 }`",
        ),
        (
            STAGES,
            "[[criterion]]\nid = \"s\"\nsuite = \"policy\"\ngrader = \"choice\"\nsla = \"availability >= 1\"\nweight = 0.2\n",
            "belongs to an SLA criterion",
        ),
    ];
    for (stages, slas, expected) in cases {
        let text = with_stages(stages, slas);
        let slas_weight = if slas.is_empty() { text.replace("weight = 0.2\n\n[[", "weight = 0.4\n\n[[") } else { text };
        let err = parse_in_tmp(&slas_weight).unwrap_err();
        assert!(err.0.iter().any(|e| e.message.contains(expected) && e.line > 0), "{expected}: {err}");
    }
}

#[test]
fn suite_ids_may_not_take_the_load_prefix() {
    let text = GOOD
        .replace("id = \"policy\"", "id = \"load:policy\"")
        .replace("suite = \"policy\"", "suite = \"load:policy\"");
    let err = parse_in_tmp(&text).unwrap_err();
    assert!(err.0.iter().any(|e| e.message.contains("may not begin with \"load:\"")), "{err}");
}

#[test]
fn a_mistyped_key_names_the_one_meant() {
    let errs = parse_in_tmp(&GOOD.replace("price_weight = 0.3", "pric_weight = 0.3")).unwrap_err();
    let shown = errs.to_string();
    assert!(shown.contains("did you mean `price_weight`?"), "{shown}");
    // Nothing close: no guess.
    let errs = parse_in_tmp(&GOOD.replace("price_weight = 0.3", "price_weight = 0.3\nzzzzzz = 1")).unwrap_err();
    assert!(!errs.to_string().contains("did you mean"), "{errs}");
    assert_eq!(super::did_you_mean("unknown variant `servces`, expected `goods` or `services`"), Some("services"));
}

/// What a buyer reads when the spec is wrong: each error with its file,
/// line and column, the line itself and a caret, and a guess when a key is
/// mistyped. A snapshot, because the whole text is the interface.
#[test]
fn spec_errors_as_the_user_reads_them() {
    let cases = [
        ("price-weight-below-the-minimum", GOOD.replace("price_weight = 0.3", "price_weight = 0.05")),
        // A Cyrillic е pasted into a key: not a TOML key at all.
        ("homoglyph-in-key", GOOD.replace("price_weight = 0.3", "pric\u{0435}_weight = 0.3")),
        ("mistyped-key", GOOD.replace("price_weight = 0.3", "price_weigth = 0.3")),
        (
            "unknown-grader-and-bad-url",
            GOOD.replace("grader = \"choice\"", "grader = \"choise\"").replace("http://", "htp://"),
        ),
    ];
    for (name, text) in cases {
        let shown = parse_in_tmp(&text).unwrap_err().to_string();
        insta::assert_snapshot!(format!("spec-error-{name}"), shown);
    }
}

#[test]
fn an_error_about_the_whole_spec_claims_no_line() {
    let text: String = GOOD.split("[[criterion]]").next().unwrap().to_string();
    let shown = parse_in_tmp(&text).unwrap_err().to_string();
    assert!(shown.contains("tender.toml: the spec has no [[criterion]]"), "{shown}");
    assert!(!shown.contains("tender.toml:1:1"), "{shown}");
}
