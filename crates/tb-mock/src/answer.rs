//! How the mock phrases answers and paces its SSE stream.

use std::time::Duration;

use crate::KnownCase;
use crate::profile::{FaultKind, Pacing};
use crate::tasks::MockAnswer;
use crate::wire;
use bytes::Bytes;

/// An answer to `case`, right or wrong, in one of several real-world phrasings
/// chosen by `style` (a uniform draw); `wrong` picks which wrong answer.
pub fn phrase(case: &KnownCase, correct: bool, style: f64, wrong: f64) -> String {
    let zh = case.language.as_deref() != Some("en");
    if !case.gold.options.is_empty() {
        let labels: Vec<&str> = case.gold.options.iter().map(|o| o.label.as_str()).collect();
        let label = if correct {
            case.gold.answer.clone()
        } else {
            let others: Vec<&&str> = labels.iter().filter(|l| **l != case.gold.answer).collect();
            let i = ((wrong * others.len() as f64) as usize).min(others.len().saturating_sub(1));
            others.get(i).map_or("A".to_string(), |l| l.to_string())
        };
        let text = case.gold.options.iter().find(|o| o.label == label).map_or("", |o| o.text.as_str());
        let restatable = !text.is_empty()
            && !text.chars().any(|c| c.is_ascii_uppercase())
            && case
                .gold
                .options
                .iter()
                .filter(|o| o.label != label)
                .all(|o| !o.text.contains(text) && !text.contains(&o.text));
        let pick = (style * if zh { 7.0 } else { 4.0 }) as usize;
        return if zh {
            match pick {
                0 => format!("答案是{label}。"),
                1 => format!("正确答案：{label}"),
                2 => format!("根据相关规定逐项分析，{label}项的表述符合要求。\n所以选{label}。"),
                3 if restatable => format!("{label}. {text}"),
                4 => format!("({label})"),
                5 => format!("经过分析，我认为应该选择{label}。"),
                6 if restatable => text.to_string(),
                _ => format!("答案：{label}"),
            }
        } else {
            match pick {
                0 => format!("The answer is {label}."),
                1 => format!("Answer: ({label})"),
                2 if restatable => format!("{label}. {text}"),
                _ => format!("After considering each option, the correct answer is {label}."),
            }
        };
    }
    let gold: f64 = case.gold.answer.parse().unwrap_or(0.0);
    let n = if correct { gold } else { gold + 1.0 + (wrong * 9.0).floor() };
    let shown = if n.fract() == 0.0 { format!("{}", n as i64) } else { format!("{n}") };
    let with_commas = group_thousands(&shown);
    match (style * 5.0) as usize {
        0 => format!(
            "Let me work through this step by step.\nPutting the steps together gives the result.\n#### {shown}"
        ),
        1 => format!("逐步计算后，所以答案是 {shown}。"),
        2 => format!("The answer is {with_commas}."),
        3 => format!("Final answer: \\boxed{{{shown}}}"),
        _ => format!("答案：{with_commas}"),
    }
}

/// An answer that names two answers and commits to neither, the right one
/// last when `correct` ("It is either B or D; I can't tell which."), for
/// choice and numeric cases; `None` for others.
pub fn hedge(case: &KnownCase, correct: bool, wrong: f64) -> Option<String> {
    let zh = case.language.as_deref() != Some("en");
    let (first, second) = if !case.gold.options.is_empty() {
        let others: Vec<&str> =
            case.gold.options.iter().map(|o| o.label.as_str()).filter(|l| *l != case.gold.answer).collect();
        let other = others.get(((wrong * others.len() as f64) as usize).min(others.len().checked_sub(1)?))?.to_string();
        if correct { (other, case.gold.answer.clone()) } else { (case.gold.answer.clone(), other) }
    } else {
        let gold: f64 = case.gold.answer.parse().ok()?;
        let other = format!("{}", gold + 1.0 + (wrong * 9.0).floor());
        let gold = if gold.fract() == 0.0 { format!("{}", gold as i64) } else { format!("{gold}") };
        if correct { (other, gold) } else { (gold, other) }
    };
    Some(if zh {
        format!("可能是{first}，也可能是{second}，我拿不准。")
    } else {
        format!("It is either {first} or {second}; I can't tell which.")
    })
}

fn group_thousands(n: &str) -> String {
    let (sign, rest) = n.strip_prefix('-').map_or(("", n), |r| ("-", r));
    let (int, frac) = rest.split_once('.').map_or((rest, None), |(i, f)| (i, Some(f)));
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{sign}{out}{}", frac.map_or(String::new(), |f| format!(".{f}")))
}

fn sse(chunk: &wire::ChatChunk) -> Bytes {
    let json = serde_json::to_string(chunk).expect("a chunk always serializes");
    Bytes::from(format!("data: {json}\n\n"))
}

/// A chat chunk's event as a text completion's: each choice's content in
/// `text`, without its `delta`. Other events (faults' broken ones) pass as they are.
pub fn as_text_chunk(event: &Bytes) -> Bytes {
    let Some(json) = std::str::from_utf8(event).ok().and_then(|e| e.strip_prefix("data: ")) else {
        return event.clone();
    };
    let Ok(mut chunk) = wire::ChatChunk::from_json(json.trim_end()) else { return event.clone() };
    for choice in &mut chunk.choices {
        choice.text = Some(choice.delta.content.take().unwrap_or_default());
        choice.delta = wire::Delta::default();
    }
    chunk.object = Some("text_completion".into());
    let json = serde_json::to_string(&chunk).expect("a chunk always serializes");
    Bytes::from(format!("data: {json}\n\n"))
}

/// The SSE events of a streamed answer, each with its time (offset from the
/// request's arrival): the first content at `ttft_ms`, the rest spread until
/// `latency_ms`, or one every `pacing.itl_ms`. Offsets, not delays, so that
/// timer overshoot does not add up.
#[allow(clippy::too_many_arguments)]
pub fn stream_plan(
    id: &str,
    model: &str,
    answer: &MockAnswer,
    usage: wire::Usage,
    ttft_ms: f64,
    latency_ms: f64,
    pacing: Option<Pacing>,
    fault: Option<FaultKind>,
) -> Vec<(Duration, Bytes)> {
    let chunk = |delta: wire::Delta, finish: Option<&str>| {
        let choice =
            wire::ChunkChoice { delta, finish_reason: finish.map(Into::into), index: Some(0), text: None, usage: None };
        sse(&wire::ChatChunk {
            choices: vec![choice],
            id: Some(id.into()),
            model: Some(model.into()),
            object: Some("chat.completion.chunk".into()),
            ..Default::default()
        })
    };
    let text_delta = |content: &str| wire::Delta { content: Some(content.to_string().into()), ..Default::default() };
    let (text, tool_calls) = (answer.text.as_str(), answer.tool_calls.as_deref());
    let mut chars: Vec<char> = text.chars().collect();
    let (pieces, gap_ms): (Vec<String>, f64) = match pacing {
        Some(p) => {
            // Exactly `chunks` non-empty pieces, one a token.
            let n = p.chunks.max(1);
            if chars.len() < n {
                chars.resize(n, ' ');
            }
            let pieces =
                (0..n).map(|i| chars[i * chars.len() / n..(i + 1) * chars.len() / n].iter().collect()).collect();
            (pieces, p.itl_ms)
        }
        None => {
            let pieces: Vec<String> =
                chars.chunks(chars.len().div_ceil(4).max(1)).map(|c| c.iter().collect()).collect();
            let gap = ((latency_ms - ttft_ms) / pieces.len().max(1) as f64).max(0.0);
            (pieces, gap)
        }
    };
    let gap = Duration::from_secs_f64(gap_ms.max(0.0) / 1000.0);
    let ttft = Duration::from_secs_f64(ttft_ms / 1000.0);
    let first = wire::Delta { role: Some("assistant".into()), ..text_delta("") };
    let mut plan = vec![(Duration::ZERO, chunk(first, None))];
    for (i, p) in pieces.iter().enumerate() {
        plan.push((ttft + gap * i as u32, chunk(text_delta(p), None)));
    }
    let mut end = ttft + gap * pieces.len().saturating_sub(pacing.is_some() as usize) as u32;
    // Function calls stream as OpenAI does: the name first, then the arguments in pieces.
    for (i, (name, args)) in tool_calls.unwrap_or(&[]).iter().enumerate() {
        let head = crate::tool_call(i, name, "", Some(i as u64));
        plan.push((end, chunk(wire::Delta { tool_calls: Some(vec![head]), ..Default::default() }, None)));
        let chars: Vec<char> = args.chars().collect();
        for piece in chars.chunks(chars.len().div_ceil(2).max(1)) {
            let piece: String = piece.iter().collect();
            let function = wire::FunctionCall { arguments: Some(piece.into()), name: None };
            let call = wire::ToolCall { function, index: Some(i as u64), ..Default::default() };
            end += gap / 4;
            plan.push((end, chunk(wire::Delta { tool_calls: Some(vec![call]), ..Default::default() }, None)));
        }
    }
    let finish = if tool_calls.is_some() { "tool_calls" } else { "stop" };
    match fault {
        Some(FaultKind::DuplicateChunks) => {
            let copies: Vec<_> = plan.drain(1..).flat_map(|e| [e.clone(), e]).collect();
            plan.extend(copies);
        }
        Some(FaultKind::OutOfOrderChunks) => plan[1..].reverse(),
        _ => {}
    }
    match fault {
        Some(FaultKind::TruncatedStream) => {
            plan.truncate(2);
            // Half an event, then the connection closes.
            plan.push((end, Bytes::from_static(b"data: {\"choices\": [{\"delta\": {\"content\": \"")));
        }
        Some(FaultKind::InvalidJson) => {
            plan.truncate(2);
            plan.push((end, Bytes::from_static(b"data: {this is not json}\n\n")));
        }
        Some(FaultKind::InvalidUtf8) => {
            plan.truncate(1);
            plan.push((
                end,
                Bytes::from_static(b"data: {\"choices\": [{\"delta\": {\"content\": \"\xff\xfe\"}}]}\n\n"),
            ));
            plan.push((end, Bytes::from_static(b"data: [DONE]\n\n")));
        }
        Some(FaultKind::WrongShape) => {
            plan.clear();
            plan.push((end, Bytes::from_static(b"data: {\"result\": \"ok\", \"value\": 18}\n\n")));
            plan.push((end, Bytes::from_static(b"data: [DONE]\n\n")));
        }
        Some(FaultKind::NoDone) => plan.push((end, chunk(wire::Delta::default(), Some(finish)))),
        _ => {
            plan.push((end, chunk(wire::Delta::default(), Some(finish))));
            let last = wire::ChatChunk {
                id: Some(id.into()),
                model: Some(model.into()),
                object: Some("chat.completion.chunk".into()),
                usage: Some(usage),
                ..Default::default()
            };
            plan.push((end, sse(&last)));
            plan.push((end, Bytes::from_static(b"data: [DONE]\n\n")));
        }
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use tb_core::{Choice, Gold};

    /// The events are byte for byte what the mock wrote before the wire
    /// types (a `json!` value, sorted keys): recorded rehearsals stay valid.
    #[test]
    fn stream_events_keep_their_bytes() {
        let answer = MockAnswer { text: "hi".into(), tool_calls: Some(vec![("f".into(), "{}".into())]) };
        let usage = wire::Usage { completion_tokens: Some(2), prompt_tokens: Some(3), total_tokens: Some(5) };
        let plan = stream_plan("c-1", "m", &answer, usage, 0.0, 0.0, None, None);
        let text: String = plan.iter().map(|(_, b)| String::from_utf8_lossy(b).into_owned()).collect();
        let head = r#"{"choices":[{"delta":"#;
        let tail = r#""id":"c-1","model":"m","object":"chat.completion.chunk"}"#;
        let expected = [
            r#"{"content":"","role":"assistant"},"finish_reason":null,"index":0}],"#,
            r#"{"content":"h"},"finish_reason":null,"index":0}],"#,
            r#"{"content":"i"},"finish_reason":null,"index":0}],"#,
            r#"{"tool_calls":[{"function":{"arguments":"","name":"f"},"id":"call_0","index":0,"type":"function"}]},"finish_reason":null,"index":0}],"#,
            r#"{"tool_calls":[{"function":{"arguments":"{"},"index":0}]},"finish_reason":null,"index":0}],"#,
            r#"{"tool_calls":[{"function":{"arguments":"}"},"index":0}]},"finish_reason":null,"index":0}],"#,
            r#"{},"finish_reason":"tool_calls","index":0}],"#,
        ]
        .map(|e| format!("data: {head}{e}{tail}\n\n"))
        .concat()
            + r#"data: {"choices":[],"id":"c-1","model":"m","object":"chat.completion.chunk","usage":{"completion_tokens":2,"prompt_tokens":3,"total_tokens":5}}"#
            + "\n\ndata: [DONE]\n\n";
        assert_eq!(text, expected);
    }

    #[test]
    fn thousands() {
        assert_eq!(group_thousands("1800"), "1,800");
        assert_eq!(group_thousands("-1234567.5"), "-1,234,567.5");
        assert_eq!(group_thousands("18"), "18");
    }

    #[test]
    fn wrong_choice_is_never_the_gold() {
        let case = KnownCase {
            id: "x".into(),
            gold: Gold {
                answer: "C".into(),
                options: ["a", "b", "c", "d"]
                    .iter()
                    .zip(["A", "B", "C", "D"])
                    .map(|(t, l)| Choice { label: l.into(), text: t.to_string() })
                    .collect(),
                data: serde_json::Value::Null,
            },
            language: Some("zh".into()),
        };
        for i in 0..50 {
            let u = i as f64 / 50.0;
            let s = phrase(&case, false, u, u);
            assert!(!s.contains('C') && !s.contains('c'), "{s}");
        }
    }
}

/// Every phrasing the mock uses must be read back by the graders, or simulated
/// accuracy would not be the measured accuracy.
#[cfg(test)]
mod graded_back {
    use super::*;
    use std::path::Path;
    use tb_suite::{SuiteFormat, SuiteReader};

    #[test]
    fn every_phrasing_of_the_example_suites_grades_as_intended() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/hotline/suites");
        for (file, format, grader) in [
            ("ceval_public_service.jsonl", SuiteFormat::Ceval, tb_grade::GraderKind::Choice),
            ("gsm8k_200.jsonl", SuiteFormat::Gsm8k, tb_grade::GraderKind::Numeric),
        ] {
            let grader = tb_grade::of_kind(grader).unwrap();
            for case in SuiteReader::open(&root.join(file), format).unwrap() {
                let case = case.unwrap();
                let known = KnownCase { id: case.id.clone(), gold: case.gold.clone(), language: case.language.clone() };
                for step in 0..10 {
                    let u = step as f64 / 10.0 + 0.05;
                    for correct in [true, false] {
                        let text = phrase(&known, correct, u, u);
                        let g = grader.grade(&tb_grade::Response::text(&text), &case.gold);
                        assert_eq!(g.correct, correct, "{}: {text:?} graded {g:?}", case.id);
                        assert!(g.note.is_none(), "{}: {text:?} not gradable", case.id);
                    }
                }
            }
        }
    }
}
#[cfg(test)]
mod readable {
    /// Every phrasing the simulated vendor uses is read by the graders as the
    /// answer it states: a rehearsal measures the vendor, not the reader.
    #[test]
    fn every_phrasing_reads_as_the_answer_it_states() {
        let examples = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/hotline/suites");
        let suites = [
            ("ceval_public_service.jsonl", tb_suite::SuiteFormat::Ceval),
            ("gsm8k_200.jsonl", tb_suite::SuiteFormat::Gsm8k),
        ];
        for (file, format) in suites {
            for line in std::fs::read_to_string(format!("{examples}/{file}")).unwrap().lines() {
                let case = tb_suite::parse_line(format, line).unwrap();
                let k = crate::KnownCase { id: case.id.clone(), gold: case.gold.clone(), language: case.language };
                let grader = if k.gold.options.is_empty() {
                    tb_grade::GraderKind::Numeric
                } else {
                    tb_grade::GraderKind::Choice
                };
                for i in 0..8 {
                    for correct in [true, false] {
                        let text = super::phrase(&k, correct, (i as f64 + 0.5) / 8.0, 0.3);
                        let g = tb_grade::of_kind(grader).unwrap().grade(&tb_grade::Response::text(&text), &k.gold);
                        assert_eq!(g.correct, correct, "{}: {text:?} read as {g:?}", k.id);
                        assert!(g.note.is_none(), "{}: {text:?} read as {g:?}", k.id);
                    }
                }
            }
        }
    }
}
