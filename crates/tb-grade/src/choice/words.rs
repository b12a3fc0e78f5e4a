//! The small word-level tests the multiple-choice reader is built from.

use super::patterns::CONNECTIVES;
use crate::read::BOXED;

/// True when `after` continues with a lowercase English word that makes the
/// letter before it an article or a word ("the answer is a bit …").
pub(super) fn is_word_after(after: &str) -> bool {
    let Some(word_start) = after.strip_prefix(' ') else { return false };
    let word: String = word_start.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
    !word.is_empty()
        && word.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && !CONNECTIVES.contains(&word.as_str())
}

/// Skips what stands between a marker and its label: spaces, colons, copulas,
/// brackets, "option".
pub(super) fn skip_filler(text: &str) -> &str {
    let mut rest = text;
    for _ in 0..12 {
        let before = rest.len();
        rest = rest
            .trim_start_matches([' ', '\t', '\n', '\r', ':', '：', '=', '"', '“', '”', '\'', '-', '—', '】', BOXED]);
        for word in [
            "应该是",
            "应该为",
            "应当是",
            "应为",
            "应该",
            "应当",
            "应",
            "就是",
            "则是",
            "当然是",
            "是",
            "为",
            "选项",
            "选择",
            "选",
            "the letter",
            "letter",
            "option",
            "Option",
            "OPTION",
            "choice",
            "Choice",
            "is",
            "of",
            "either",
            "both",
        ] {
            if let Some(r) = rest.strip_prefix(word)
                && (!word.is_ascii() || !r.starts_with(|c: char| c.is_ascii_alphabetic()))
            {
                rest = r;
                break;
            }
        }
        if rest.len() == before {
            break;
        }
    }
    rest
}

/// True when a unit of one to four characters repeats six or more times in
/// a row ("④⑥③⑥③⑥…", a small model's repetition loop).
pub(super) fn degenerate(text: &str) -> bool {
    let chars: Vec<char> = text.chars().take(400).collect();
    (1..=4).any(|unit| {
        chars.windows(unit * 6).any(|w| {
            // A run of one digit is a number ("0.30000000000000004"), not a loop.
            w.chunks(unit).all(|c| c == &w[..unit])
                && w[..unit].iter().any(|c| !c.is_whitespace() && !c.is_ascii_digit())
        })
    })
}

/// What a word of a true/false question says: true, false, or neither.
pub(super) fn truth_value(squashed: &str) -> Option<bool> {
    match squashed {
        "true" | "correct" | "right" | "yes" | "正确" | "对" | "对的" | "是" | "√" | "✓" | "✔" | "t" => {
            Some(true)
        }
        "false" | "incorrect" | "wrong" | "no" | "错误" | "错" | "错的" | "否" | "不正确" | "×" | "✗" | "✘" | "f" => {
            Some(false)
        }
        _ => None,
    }
}

/// Text up to the end of its clause.
pub(super) fn first_clause(text: &str) -> &str {
    let end = text
        .char_indices()
        .find(|&(i, c)| {
            matches!(c, '\n' | '。' | ';' | '；' | '!' | '！' | '?' | '？' | '，' | ',' | '(' | '（')
                || (c == '.' && text[i + 1..].starts_with([' ', '\n']))
                // "3DES – a symmetric block cipher…": a dash set off by spaces ends the name.
                || (matches!(c, '–' | '—' | '-') && text[..i].ends_with(' ') && text[i + c.len_utf8()..].starts_with(' '))
                || (c == '.' && i + 1 == text.len())
        })
        .map_or(text.len(), |(i, _)| i);
    text[..end].trim()
}

/// Whether `before` (the text up to an arrow) ends on a lone capital letter:
/// the arrow goes on with a sequence of letters ("D → E → B", a tree's
/// traversal), it does not name an answer.
pub(super) fn letter_sequence(before: &str) -> bool {
    let mut back = before.trim_end().chars().rev();
    matches!(back.next(), Some(c) if c.is_ascii_uppercase()) && !back.next().is_some_and(char::is_alphanumeric)
}

/// Whether `needle` occurs in `haystack` with no letter or digit glued to either end.
pub(super) fn contains_words(haystack: &str, needle: &str) -> bool {
    haystack.match_indices(needle).any(|(i, _)| {
        let before = haystack[..i].chars().next_back();
        let after = haystack[i + needle.len()..].chars().next();
        !before.is_some_and(|c| c.is_alphanumeric()) && !after.is_some_and(|c| c.is_alphanumeric())
    })
}

pub(super) fn squash(s: &str) -> String {
    crate::read::fold_width(s)
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '。' | '.' | '，' | ',' | '"' | '“' | '”' | '\'' | '`'))
        .flat_map(|c| c.to_lowercase())
        .collect()
}

/// `s` with each English word lower-cased and cut to its stem, so that an
/// option's text and an answer's word for it meet whatever their number:
/// "Mitochondrion" and "mitochondria", "Ribosome" and "ribosomes", "nucleus"
/// and "nuclei". Other characters are kept as they are.
pub(super) fn stemmed(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        out.push_str(stem(word));
        word.clear();
    };
    for c in s.chars() {
        if c.is_ascii_alphabetic() {
            word.push(c.to_ascii_lowercase());
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// A lower-case word without its plural or Latin ending, taken off twice so
/// that both forms meet ("studies" and "study" at "stud", "viruses" and
/// "virus" at "vir", "nucleus" and "nuclei" at "nucle"); a word under four
/// letters or ending "ss" ("class", "Congress") is kept whole.
fn stem(word: &str) -> &str {
    let mut stem = word;
    for _ in 0..2 {
        if stem.len() < 4 || stem.ends_with("ss") {
            break;
        }
        match ["ies", "es", "us", "s", "a", "on", "um", "i", "e", "y"].iter().find_map(|e| stem.strip_suffix(e)) {
            Some(shorter) => stem = shorter,
            None => break,
        }
    }
    stem
}

/// Text up to the end of its sentence.
pub(super) fn first_sentence(text: &str) -> &str {
    let end = text
        .char_indices()
        .find(|&(i, c)| {
            matches!(c, '\n' | '。' | '!' | '！' | '?' | '？')
                || (c == '.' && (i + 1 == text.len() || text[i + 1..].starts_with([' ', '\n'])))
        })
        .map_or(text.len(), |(i, _)| i);
    &text[..end]
}

/// The last sentence of `text`.
pub(super) fn last_sentence(text: &str) -> &str {
    let body = text.trim_end().trim_end_matches(['.', '。', '!', '！', '?', '？']);
    let start = body
        .char_indices()
        .rev()
        .find(|&(i, c)| matches!(c, '。' | '!' | '！' | '?' | '？') || (c == '.' && body[i + 1..].starts_with(' ')))
        .map_or(0, |(i, c)| i + c.len_utf8());
    text[start..].trim()
}

/// Whether a marker ends by naming the option as such ("That's option",
/// "即选项", "选", "choice"): the letter after it is a label, whatever the options' texts.
pub(super) fn names_an_option(before: &str) -> bool {
    let tail: String = before.trim_end().chars().rev().take(8).collect::<Vec<_>>().into_iter().rev().collect();
    let tail = tail.to_lowercase();
    ["option", "options", "choice", "选项", "选"].iter().any(|w| tail.ends_with(w))
}

/// Where an answer's words start: after spaces and the marks some put
/// first ("✅ B", "👉 答案：C").
pub(super) fn opening(text: &str) -> usize {
    // Check marks, stars and arrows set before an answer, and emoji; not
    // circled numbers or arrows inside an option's text ("②→③→④").
    let marks = |c: char| {
        c.is_whitespace() || "✅✔✓☑➡★☆⭐".contains(c) || ('\u{1F300}'..='\u{1FAFF}').contains(&c) || c == '\u{FE0F}'
    };
    text.len() - text.trim_start_matches(marks).len()
}

/// A line without its leading "Option "/"选项" ("Option C — TRUNCATE" → "C — TRUNCATE").
pub(super) fn without_option_word(line: &str) -> &str {
    if let Some(rest) = line.strip_prefix("选项") {
        return rest.trim_start();
    }
    match line.get(..7) {
        Some(word) if word.eq_ignore_ascii_case("option ") => line[7..].trim_start(),
        _ => line,
    }
}

pub(super) fn single_char(s: &str) -> Option<char> {
    let mut chars = s.trim().chars();
    let c = chars.next()?;
    chars.next().is_none().then_some(c)
}
