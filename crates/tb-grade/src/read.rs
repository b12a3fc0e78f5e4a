//! How an answer is read before any grader looks for its answer: reasoning
//! blocks dropped, the size bounded, and the typography of real models
//! (full-width forms, markdown, LaTeX) folded into plain text, so the graders'
//! rules are written once against plain text.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

/// Marks where `\boxed{…}` stood: LaTeX's "this is the result".
pub const BOXED: char = '\u{E000}';

/// Answers longer than this are read as their first [`HEAD`] and last
/// [`TAIL`] bytes: an answer commits at its start or its end, and reading a
/// 10 MB answer whole would cost a run its time budget.
const LIMIT: usize = 64 * 1024;
const HEAD: usize = 8 * 1024;
const TAIL: usize = 48 * 1024;

/// The answer without its reasoning: `<think>…</think>` (DeepSeek-R1, Qwen),
/// `<thinking>`, `<reasoning>`, Kimi's `◁think▷…◁/think▷`, and everything before
/// a closing tag whose opening a gateway cut off. An unclosed block at the start
/// is reasoning that never ended: nothing was committed.
pub fn strip_reasoning(answer: &str) -> Cow<'_, str> {
    const TAGS: [(&str, &str); 4] = [
        ("<think>", "</think>"),
        ("<thinking>", "</thinking>"),
        ("<reasoning>", "</reasoning>"),
        ("◁think▷", "◁/think▷"),
    ];
    if !TAGS.iter().any(|(_, close)| answer.contains(close)) && !TAGS.iter().any(|(open, _)| answer.contains(open)) {
        return answer.into();
    }
    let mut text = answer.to_string();
    for (open, close) in TAGS {
        // A closing tag with no opening before it: the opening was cut off.
        if let Some(end) = text.find(close)
            && !text[..end].contains(open)
        {
            text = text[end + close.len()..].to_string();
        }
        let mut out = String::with_capacity(text.len());
        let mut rest = text.as_str();
        while let Some(start) = rest.find(open) {
            out.push_str(&rest[..start]);
            match rest[start..].find(close) {
                Some(end) => rest = &rest[start + end + close.len()..],
                None => rest = "",
            }
        }
        out.push_str(rest);
        text = out;
    }
    text.into()
}

/// What the reasoning blocks of an answer say (the text [`strip_reasoning`] drops).
pub fn reasoning_of(answer: &str) -> String {
    let kept = strip_reasoning(answer);
    if kept.len() == answer.len() {
        return String::new();
    }
    // The reasoning is what is not kept, tags aside.
    let mut reasoning = answer.to_string();
    if let Some(i) = reasoning.rfind(kept.as_ref()).filter(|_| !kept.is_empty()) {
        reasoning.replace_range(i..i + kept.len(), "");
    }
    for tag in
        ["<think>", "</think>", "<thinking>", "</thinking>", "<reasoning>", "</reasoning>", "◁think▷", "◁/think▷"]
    {
        reasoning = reasoning.replace(tag, " ");
    }
    reasoning
}

/// At most [`LIMIT`] bytes of an answer, cut on character boundaries.
pub fn bounded(text: &str) -> Cow<'_, str> {
    bounded_to(text, LIMIT)
}

/// At most about `limit` bytes: the first eighth and the last three quarters.
pub fn bounded_to(text: &str, limit: usize) -> Cow<'_, str> {
    if text.len() <= limit {
        return text.into();
    }
    let (head, tail) = if limit == LIMIT { (HEAD, TAIL) } else { (limit / 8, limit * 3 / 4) };
    let head_end = (0..=head).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
    let tail_start = (text.len() - tail..text.len()).find(|&i| text.is_char_boundary(i)).unwrap_or(text.len());
    format!("{}\n…\n{}", &text[..head_end], &text[tail_start..]).into()
}

/// What an answer sets in bold, on one line (`**1215**`, `**311600 元**`),
/// outside its reasoning.
pub fn bold_spans(answer: &str) -> Vec<String> {
    static BOLD: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\*\*([^*\n]{1,60})\*\*").expect("valid regex"));
    let text = strip_reasoning(answer);
    let text = bounded(&text);
    BOLD.captures_iter(&text).map(|c| c[1].to_string()).collect()
}

/// Plain text: reasoning dropped, bounded, full-width forms folded to ASCII,
/// markdown emphasis, headers, quotes and table rules removed, LaTeX unwrapped
/// (`\boxed{X}` becomes [`BOXED`] X, `\frac{a}{b}` a/b, `\text{X}` X).
pub fn plain(answer: &str) -> String {
    let stripped = strip_reasoning(answer);
    let text = bounded(&stripped);
    let folded = fold_width(&text);
    let unlatexed = unlatex(&folded);
    unmarkdown(&untagged(&unlatexed))
}

/// An answer set in tags ("<answer>A</answer>", "<ans>42</ans>") as an
/// answer line ("Answer: A").
fn untagged(text: &str) -> Cow<'_, str> {
    static ANSWER_TAG: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)<\s*(/)?\s*(?:final_answer|final|answer|ans|result)\s*>").expect("valid regex")
    });
    if !text.contains('<') {
        return text.into();
    }
    ANSWER_TAG.replace_all(text, |c: &regex::Captures| if c.get(1).is_some() { "\n" } else { "\nAnswer: " })
}

/// Full-width ASCII forms (U+FF01–U+FF5E) and the ideographic space to ASCII;
/// the CJK punctuation that graders key on is kept. A vulgar fraction is
/// written out ("2½" → "2 1/2", "⅓" → "1/3"), so a mixed number reads whole.
pub fn fold_width(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if let Some(fraction) = vulgar_fraction(c) {
            if out.ends_with(|d: char| d.is_ascii_digit()) {
                out.push(' ');
            }
            out.push_str(fraction);
            continue;
        }
        out.push(match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            '\u{2212}' => '-',
            // The fraction slash ("3⁄4").
            '\u{2044}' => '/',
            // Circled letters ("答案：Ⓑ") are the letters.
            'Ⓐ'..='Ⓩ' => char::from_u32(c as u32 - 'Ⓐ' as u32 + 'A' as u32).unwrap_or(c),
            'ⓐ'..='ⓩ' => char::from_u32(c as u32 - 'ⓐ' as u32 + 'a' as u32).unwrap_or(c),
            '\u{2018}' | '\u{2019}' => '\'',
            _ => c,
        });
    }
    out
}

/// True when the answer stops mid-sentence ("Total = $64.47 +", "所以甲有",
/// "the takers of the future interest are"): cut off before it committed.
pub fn stops_mid_sentence(text: &str) -> bool {
    let t = text.trim_end();
    t.ends_with(['+', '-', '×', '÷', '=', '*', '/', '(', ':', ',', '，', '、'])
        || [
            " is",
            " of",
            " was",
            " are",
            " be",
            " to",
            " by",
            " so",
            " therefore",
            " thus",
            " hence",
            "有",
            "为",
            "是",
            "共",
            "约",
            "等于",
            "所以",
            "因此",
            "因而",
            "于是",
            "故",
        ]
        .iter()
        .any(|w| t.ends_with(w))
}

/// A vulgar fraction character written out ("¾" → "3/4").
fn vulgar_fraction(c: char) -> Option<&'static str> {
    Some(match c {
        '¼' => "1/4",
        '½' => "1/2",
        '¾' => "3/4",
        '⅐' => "1/7",
        '⅑' => "1/9",
        '⅒' => "1/10",
        '⅓' => "1/3",
        '⅔' => "2/3",
        '⅕' => "1/5",
        '⅖' => "2/5",
        '⅗' => "3/5",
        '⅘' => "4/5",
        '⅙' => "1/6",
        '⅚' => "5/6",
        '⅛' => "1/8",
        '⅜' => "3/8",
        '⅝' => "5/8",
        '⅞' => "7/8",
        _ => return None,
    })
}

/// LaTeX to plain text, for the commands answers actually use.
fn unlatex(text: &str) -> String {
    if !text.contains('\\') && !text.contains('$') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(['\\', '$']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix('$') {
            out.push(' ');
            rest = after;
            continue;
        }
        let name_len = tail[1..].find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(tail.len() - 1);
        let name = &tail[1..1 + name_len];
        let after = &tail[1 + name_len..];
        if let Some(&(_, operator)) = LATEX_OPERATORS.iter().find(|(command, _)| *command == name) {
            out.push(operator);
            rest = after;
            continue;
        }
        match name {
            "boxed" | "fbox" => {
                out.push(' ');
                out.push(BOXED);
                rest = after;
            }
            "frac" | "dfrac" | "tfrac" => {
                rest = after;
                if let Some((num, after_num)) = braced(after)
                    && let Some((den, after_den)) = braced(after_num)
                {
                    // "2\tfrac{1}{2}": a mixed number, "2 1/2", not 21/2.
                    if out.ends_with(|c: char| c.is_ascii_digit()) {
                        out.push(' ');
                    }
                    out.push_str(&unlatex(num));
                    out.push('/');
                    out.push_str(&unlatex(den));
                    rest = after_den;
                }
            }
            "text" | "textbf" | "textit" | "mathrm" | "mathbf" | "textrm" | "mbox" | "operatorname" | "mathit" => {
                rest = after;
            }
            "quad" | "qquad" | "left" | "right" | "displaystyle" => {
                out.push(' ');
                rest = after;
            }
            "" => {
                // `\,` `\ ` `\!` `\;` are spaces inside numbers; `\%` `\$` are the signs;
                // `\(` `\)` `\[` `\]` open and close math.
                let mut chars = after.chars();
                match chars.next() {
                    Some(c @ ('%' | '$' | '{' | '}' | '#' | '&' | '_')) => out.push(c),
                    Some(',' | '!' | ';' | ':') => {}
                    Some(' ' | '(' | ')' | '[' | ']') => out.push(' '),
                    Some(c) => out.push(c),
                    None => {}
                }
                rest = chars.as_str();
            }
            _ => {
                out.push('\\');
                out.push_str(name);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    // Grouping braces carry no meaning once the commands are gone: `2{,}125`.
    out.retain(|c| c != '{' && c != '}');
    out
}

/// LaTeX operator commands and the characters they stand for.
const LATEX_OPERATORS: [(&str, char); 4] = [("times", '×'), ("cdot", '·'), ("div", '÷'), ("approx", '≈')];

/// `{…}` at the start of `text` (after spaces), with nested braces: its inside and what follows.
fn braced(text: &str) -> Option<(&str, &str)> {
    let text = text.trim_start();
    let inner = text.strip_prefix('{')?;
    let mut depth = 1usize;
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some((&inner[..i], &inner[i + 1..]));
                }
            }
            _ => {}
        }
    }
    None
}

/// Markdown to plain text: emphasis, inline code, headers, block quotes,
/// table rules and horizontal rules removed; list bullets kept as `- `.
fn unmarkdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let mut l = line.trim_start();
        // Block quotes and headers, however deeply nested.
        loop {
            let before = l;
            l = l.trim_start_matches('>').trim_start();
            if l.starts_with('#') {
                let hashes = l.len() - l.trim_start_matches('#').len();
                // `#### 18` is GSM8K's answer line, not a header.
                let gsm8k = hashes == 4
                    && l[hashes..].trim_start().starts_with(|c: char| c.is_ascii_digit() || "-$¥".contains(c));
                if !gsm8k && (hashes <= 6 && l[hashes..].starts_with([' ', '\t']) || l.len() == hashes) {
                    l = l[hashes..].trim_start();
                }
            }
            if l == before {
                break;
            }
        }
        // A code fence says nothing, nor its language tag ("```c" is no label C).
        if let Some(tag) = l.strip_prefix("```").or_else(|| l.strip_prefix("~~~")) {
            let tag = tag.trim_start_matches(['`', '~']).trim();
            if tag.is_empty()
                || (tag.len() <= 12 && tag.chars().all(|c| c.is_ascii_alphanumeric() || "+#-_.".contains(c)))
            {
                out.push('\n');
                continue;
            }
        }
        // A table's rule line (|---|:--:|) or a horizontal rule says nothing.
        if !l.is_empty() && l.chars().all(|c| matches!(c, '-' | '|' | ':' | ' ' | '=' | '*' | '_')) && l.len() >= 3 {
            out.push('\n');
            continue;
        }
        let bullet = l.starts_with("* ") || l.starts_with("+ ");
        if bullet {
            out.push_str("- ");
            l = &l[2..];
        }
        // Strikethrough is `~~`; a single `~` is a range ("0.45~0.60m").
        let mut chars = l.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '*' | '`' => {}
                '~' if chars.peek() == Some(&'~') => {
                    chars.next();
                }
                '|' => out.push(' '),
                _ => out.push(c),
            }
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasoning_blocks_of_every_kind_are_dropped() {
        assert_eq!(strip_reasoning("<think>maybe A</think>答案是B"), "答案是B");
        assert_eq!(strip_reasoning("<think>unfinished A"), "");
        assert_eq!(strip_reasoning("maybe A, no B\n</think>\n\nAnswer: C"), "\n\nAnswer: C");
        assert_eq!(strip_reasoning("◁think▷A?◁/think▷选B"), "选B");
        assert_eq!(strip_reasoning("<thinking>x</thinking>y<think>z</think>w"), "yw");
        assert_eq!(strip_reasoning("plain"), "plain");
    }

    #[test]
    fn typography_is_folded() {
        assert_eq!(plain("**答案：Ｂ**"), "答案:B\n");
        assert_eq!(plain("$\\boxed{\\text{C}}$").trim(), format!("{BOXED}C"));
        assert_eq!(plain("\\(\\boxed{\\frac{3}{4}}\\)").trim(), format!("{BOXED}3/4"));
        assert_eq!(plain("$2{,}125$").trim(), "2,125");
        assert_eq!(plain("### Final Answer\n> **B**").trim(), "Final Answer\nB");
        assert_eq!(plain("| a | b |\n|---|---|\n| 1 | 2 |").lines().nth(1), Some(""));
        assert_eq!(plain("50\\%").trim(), "50%");
    }

    #[test]
    fn huge_answers_are_bounded_on_char_boundaries() {
        let big = "答".repeat(100_000) + "答案是B";
        let b = bounded(&big);
        assert!(b.len() <= LIMIT + 16);
        assert!(b.ends_with("答案是B"));
        let nested = "> ".repeat(20_000) + "B";
        assert_eq!(plain(&nested).trim(), "B");
    }
}

#[cfg(test)]
mod hostile {
    use tb_core::Choice;

    /// What a vendor can send: every reader answers, none panics, and a
    /// hostile answer commits to nothing it did not say (their speed is
    /// measured by `examples/extract_bench.rs`, not timed here).
    #[test]
    fn hostile_answers_are_read_without_panicking() {
        let options: Vec<Choice> = ["甲", "B", "4", "**"]
            .iter()
            .zip(["A", "B", "C", "D"])
            .map(|(t, l)| Choice { label: l.into(), text: t.to_string() })
            .collect();
        let ten_mb = "答案可能是A，也可能是B。".repeat(10 * 1024 * 1024 / 36);
        let invalid = String::from_utf8_lossy(&[0xff, 0xfe, b'A', 0xc3, 0x28, b'B', 0x80].repeat(100_000)).into_owned();
        let nested = "> ".repeat(5_000) + &"*".repeat(10_000) + "答案：B" + &"*".repeat(10_000);
        let fences = "```\n".repeat(50_000);
        let latex = "\\frac{".repeat(20_000) + "1" + &"}".repeat(20_000);
        for text in [&ten_mb, &invalid, &nested, &fences, &latex] {
            for multi in [false, true] {
                if let crate::choice::Reading::Chosen { labels, .. } = crate::choice::read(text, &options, multi) {
                    assert!(labels.chars().all(|l| "ABCD".contains(l)), "{labels}");
                }
            }
            if let crate::numeric::Reading::Stated { value, .. } = crate::numeric::read(text) {
                assert!(value.value.is_finite());
            }
            let _ = crate::refusal::classify(text);
        }
        // Nested markdown still says what it says.
        assert_eq!(crate::choice::extract(&nested, &options).as_deref(), Some("B"));
        // Two answers named ten million times are still two.
        assert!(!matches!(crate::choice::read(&ten_mb, &options, false), crate::choice::Reading::Chosen { .. }));
    }
}
