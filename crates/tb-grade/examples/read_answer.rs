//! How the graders read answers of the style corpus, one by one:
//! `cargo run -p tb-grade --example read_answer -- choice_en.jsonl cen-001 [cen-002 …]`.
//! For a reviewer checking a reading, or a developer changing the rules.

use tb_core::Choice;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((file, ids)) = args.split_first() else {
        eprintln!("usage: read_answer FILE ID…  (FILE in crates/tb-grade/fixtures/styles)");
        std::process::exit(2);
    };
    // A path of its own (a scratch file), else a corpus file by name.
    let path = if file.contains('/') {
        file.clone()
    } else {
        format!("{}/fixtures/styles/{file}", env!("CARGO_MANIFEST_DIR"))
    };
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    for line in text.lines() {
        let row: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
        if !ids.iter().any(|id| row["id"] == id.as_str()) {
            continue;
        }
        let answer = row["answer"].as_str().unwrap_or("");
        println!(
            "===== {} (truth {})\n{}\n----- plain:\n{}",
            row["id"],
            row["truth"],
            answer,
            tb_grade::read::plain(answer)
        );
        let options: Option<Vec<Choice>> = match &row["options"] {
            serde_json::Value::Array(options) => Some(
                options
                    .iter()
                    .map(|o| Choice {
                        label: o["label"].as_str().unwrap_or("").into(),
                        text: o["text"].as_str().unwrap_or("").into(),
                    })
                    .collect(),
            ),
            // `local_model_answers.jsonl` keeps options as a map from label to text.
            serde_json::Value::Object(map) => Some(
                map.iter().map(|(l, t)| Choice { label: l.clone(), text: t.as_str().unwrap_or("").into() }).collect(),
            ),
            _ => None,
        };
        if let Some(options) = options {
            println!("----- choice: {:?}", tb_grade::choice::read(answer, &options, row["multi"] == true));
        } else if file.rsplit('/').next().is_some_and(|f| f.starts_with("numeric")) {
            println!("----- numeric: {:?}", tb_grade::numeric::read_asked(answer, row["question"].as_str()));
        } else if file.rsplit('/').next().is_some_and(|f| f.starts_with("refusal")) {
            let verdict = tb_grade::refusal::classify_asked(answer, row["prompt"].as_str());
            println!("----- refusal: {verdict:?} (label {})", row["label"]);
        }
    }
}
