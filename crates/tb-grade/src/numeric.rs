//! Numeric answers: the result the answer states, not the last number in it.
//!
//! In order, the reading takes:
//! 1. statements of the result: `#### 18`, `\boxed{18}`, "The answer is 18",
//!    "Final answer: 18", "答案是18", "答：…18元" (all of them must agree, a later
//!    one replacing an earlier only after a correction, as in [`crate::choice`]);
//!    when a statement's sentence holds several numbers, the one the sentence
//!    gives as its result ("答：3天后小明还剩18元" → 18);
//! 2. otherwise the concluding sentence (the last one with a number, or one
//!    that opens "So", "Therefore", "所以", "一共"…): its result number, read
//!    by the words around each number — after "is", "has", "=", "共", "还剩"
//!    it is a result; after "after", "in", "per", "每" or before "后", "later"
//!    it is a condition ("She has 24 apples left after 10 days" → 24).
//!
//! When no single number stands out, the answer is `undecided`.
//!
//! Numbers are read in every way answers write them: `1,250`, `1 250`,
//! `2{,}125`, `$1,800.00`, `25%`, `3/4`, `\frac{3}{4}`, `-5`, `1.5e3`,
//! `1.2万`, Chinese numerals (`三百二十`, `两千零五`), with currency and units
//! around them. The gold answer matches within the case's tolerance
//! (`Gold::data.tolerance`, absolute; `relative_tolerance`) or 1e-6 relative;
//! a percentage matches its value or its fraction.

use std::sync::LazyLock;

use regex::Regex;
use tb_core::{Gold, Grade};

use crate::read::{BOXED, plain};
use crate::{Grader, NOTE_AMBIGUOUS, NOTE_UNDECIDED, Response};

mod asked;
mod bold;
mod conflict;
mod parse;
mod patterns;
mod restated;
mod working;

use bold::emphasised;
pub use parse::{chinese_numeral, parse_number};
use parse::{format_number, numbers};
use patterns::*;
use working::{computed, result_of, window_before};

pub struct NumericGrader;

impl Grader for NumericGrader {
    fn version(&self) -> u32 {
        // 6: a result stated first and then explained ("…sold 189 muffins.
        // Here's why:"); a closing aside that supposes ("(assuming 22 working
        // days)") leaves the result standing; a percentage or a fraction
        // asked for is read in that form; fractions in words ("四分之三"); of
        // a result sentence's clauses, the one naming what was asked; an
        // answer cut off after "所以" states nothing; a duration in two
        // units read in the unit asked; a year asked for; answer tags.
        // 7: an aside restating a total line ("(3 hours 25 minutes)") is not
        // the total; a JSON "answer" key; a missing condition ("缺少一个关键条件",
        // "we need a bit more information") states no result; two methods
        // that end apart, and a closing "####" against the prose above it,
        // are ambiguous; a bold step number ("**步骤3**") is no result; a
        // scale word closing a Chinese numeral ("一百二十六万") is a scale; a
        // statement in two units read in the one asked, a result said in
        // another unit than the one asked read in it ("1 hour" asked in
        // minutes is 60), "4点30分" a time of day, "60 元或 70 元" two results;
        // an aside after ", which", a figure in a closing bracket.
        // 8: one result written exact and rounded ("24/7 ≈ 3.43") is one
        // result; more ways of saying there is none ("结果不一致", "含义不明确",
        // "两种常见理解", "there's no way to know", "several combinations
        // work", "can't give a definite total", "题目没有说明", "doesn't say
        // whether"); "答错的题数：" at a line's start is no "答：" marker.
        // 9: vulgar fractions ("2 ½", "13½", "⅓", "3⁄8") and decimal commas
        // ("9,30 €", where no decimal point is used) are read; a line of
        // figures above a closing "####" ("So a = 20 − 9 = 11.") is working,
        // not a conclusion against it; more ways of saying there is no
        // single result ("无法算出", "条件还不够", "有无数个", "互相矛盾", "can't be
        // pinned down", "never tells us how", "no such number exists", a
        // question back: "Which of these does your problem mean?"); a
        // statement after the check of a result computed before it ("检验：…✓"
        // then "妹妹今年 13 岁。") is the result; a numbered heading in bold
        // ("**3. 检验**") is none.
        // 10: one result stated with and without its scale word ("328 万人"
        // and "#### 328") is one result; more ways of saying there is none
        // ("isn't enough information", "no single answer", "can't compute a
        // numerical answer", "I don't think this question can be answered",
        // "算不出具体数值", "无法给出确切结果"); a statement
        // naming several numbers and a marker naming one of them ("答：门票共
        // 90 元，应找回 10 元。" then "#### 10") state that one, no conflict; of
        // a statement's clauses, the one naming what was asked.
        10
    }

    fn grade(&self, response: &Response, gold: &Gold) -> Grade {
        let tolerance = Tolerance::of(gold);
        let grade = |n: Number, percent: bool, how: &str| {
            let correct =
                parse_number(&gold.answer).is_some_and(|g| n.matches(g, percent, |a, b| tolerance.same(a, b)));
            Grade { correct, extracted: Some(format_number(n.value)), note: None, how: Some(how.into()) }
        };
        let asked = gold.data.get("asked").and_then(|a| a.as_str());
        let undecided = match read_asked(response.text, asked) {
            Reading::Stated { value, percent, how } => return grade(value, percent, how),
            Reading::Ambiguous(values) => Grade {
                extracted: Some(values.iter().map(|v| format_number(*v)).collect::<Vec<_>>().join("|")),
                ..Grade::wrong(NOTE_AMBIGUOUS)
            },
            Reading::Undecided => Grade::wrong(NOTE_UNDECIDED),
        };
        // What the rules could not read, a judge named as second opinion may have.
        match response.verdict.filter(|v| crate::second_opinion::is_second_opinion(v)) {
            Some(v) => match crate::second_opinion::parse_reply(v) {
                Ok(Some(said)) => match numbers(&crate::read::fold_width(&said)).first() {
                    Some(n) => grade(*n, n.percent, "judge"),
                    None => Grade { how: Some("judge".into()), ..undecided },
                },
                Ok(None) => Grade { how: Some("judge".into()), ..undecided },
                Err(_) => Grade { how: Some("judge_failed".into()), ..undecided },
            },
            None => undecided,
        }
    }
}

/// How close a number must be to the gold answer.
#[derive(Debug, Clone, Copy)]
struct Tolerance {
    absolute: f64,
    relative: f64,
}

impl Tolerance {
    fn of(gold: &Gold) -> Self {
        let get = |k: &str| gold.data.get(k).and_then(|v| v.as_f64()).filter(|v| v.is_finite() && *v >= 0.0);
        Tolerance { absolute: get("tolerance").unwrap_or(0.0), relative: get("relative_tolerance").unwrap_or(1e-6) }
    }

    fn same(&self, a: f64, b: f64) -> bool {
        let d = (a - b).abs();
        d <= self.absolute || d <= self.relative * b.abs().max(1.0)
    }
}

/// A number as the answer wrote it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Number {
    pub value: f64,
    /// Written with `%` (or 百分之): it matches a gold fraction too.
    pub percent: bool,
    /// The multiplier of a scale word written with it ("3.68亿千克" → 1e8, "15万元"
    /// → 1e4), else 1: a question in 亿千克 or 万元 wants the number before it,
    /// so it matches a gold answer either way.
    pub scale: f64,
    start: usize,
    end: usize,
}

impl Number {
    /// Whether this number states `gold`, under `same`: as written, as the
    /// fraction a percentage stands for, or without its scale word.
    pub fn matches(&self, gold: f64, percent: bool, same: impl Fn(f64, f64) -> bool) -> bool {
        same(self.value, gold)
            || (percent && same(self.value / 100.0, gold))
            || (self.scale != 1.0 && same(self.value / self.scale, gold))
    }
}

/// What an answer stated as its result.
#[derive(Debug, Clone, PartialEq)]
pub enum Reading {
    Stated { value: Number, percent: bool, how: &'static str },
    Ambiguous(Vec<f64>),
    Undecided,
}

/// The final number of an answer, if it states one.
pub fn extract(answer: &str) -> Option<f64> {
    match read(answer) {
        Reading::Stated { value, .. } => Some(value.value),
        _ => None,
    }
}

use crate::choice::correction_between as correction;

/// What the answer states as its result.
pub fn read(answer: &str) -> Reading {
    read_asked(answer, None)
}

/// What the answer states as its result, knowing the question (`asked`):
/// when the answer closes on a remark about something else, the result is
/// in the sentence that names what the question asks for (see [`asked`]).
pub fn read_asked(answer: &str, asked: Option<&str>) -> Reading {
    let text = plain(answer);
    let numbers = numbers(&text);
    if numbers.is_empty() {
        return Reading::Undecided;
    }
    let worked = computed(&text, &numbers);
    let terms = asked.map(asked::terms).unwrap_or_default();
    let units = asked.map(asked::units).unwrap_or_default();
    let reader = Reader { text: &text, numbers: &numbers, worked: &worked, asked: &terms, units: &units };

    // 1. Statements of the result.
    let mut stated = match reader.statements() {
        Ok(stated) => stated,
        Err(ambiguous) => return ambiguous,
    };
    if stated.is_empty()
        && let Some(opening) = reader.opening_number()
    {
        stated.push(opening);
    }
    if stated.is_empty()
        && let Some(first) = reader.result_first()
    {
        stated.push(first);
    }
    if stated.is_empty()
        && let Some(total) = reader.total_line()
    {
        stated.push(total);
    }
    if !stated.is_empty() {
        let reading = reader.agreed(&stated);
        return match stated.as_slice() {
            [(at, _)] if text[*at..].starts_with("####") => reader.against_prose(answer, *at, reading),
            _ => reading,
        };
    }

    // 2. The concluding sentence's result.
    reader.across_methods(answer, reader.concluding(answer))
}

/// An answer being read: its plain text and every number in it, which all
/// the reading steps share.
#[derive(Clone, Copy)]
struct Reader<'a> {
    text: &'a str,
    numbers: &'a [Number],
    /// The values the working computes (see [`computed`]), found once.
    worked: &'a [f64],
    /// What the question asks for ([`asked::terms`]); empty when unknown.
    asked: &'a [String],
    /// The unit the question asks in ([`asked::units`]: "多少米" → 米).
    units: &'a [String],
}

impl Reader<'_> {
    /// The results the answer states ("The answer is 18", `\boxed{18}`, "答：…"),
    /// each with where its statement starts; `Err` with the reading when a
    /// statement names several results and chooses none.
    fn statements(self) -> Result<Vec<(usize, Number)>, Reading> {
        let Reader { text, numbers, .. } = self;
        let mut stated: Vec<(usize, Number)> = Vec::new();
        // The numbers of each statement that names several ("答：苹果共 25.5 元，应找回 24.5 元。").
        let mut several_named: Vec<(usize, Vec<Number>)> = Vec::new();
        // Whether each statement is a closing marker naming one number ("#### 24.5").
        let mut markers: Vec<bool> = Vec::new();
        for m in STATED.find_iter(text) {
            if crate::choice::tentative(text, m.start()) {
                continue;
            }
            let sentence_end = sentence_end(text, m.end());
            let in_sentence: Vec<&Number> =
                numbers.iter().filter(|n| n.start >= m.end() && n.end <= sentence_end).collect();
            // "Answer: it could be 84.8 … or 85": no result committed to.
            if in_sentence.len() >= 2
                && (ALTERNATIVES.is_match(&text[m.end()..sentence_end])
                    || HEDGED.is_match(&text[m.end()..sentence_end]))
            {
                // "The answer is 9 if …, or 6 if …": several results, none chosen.
                return Err(Reading::Ambiguous(in_sentence.iter().map(|n| n.value).collect()));
            }
            let picked = match in_sentence.as_slice() {
                [] => continue,
                [one] => Some(**one),
                several if m.as_str().contains(BOXED) || m.as_str() == "####" => Some(*several[0]),
                // One result said in two units ("3 小时，也就是 180 分钟"): the one asked in.
                several => restated::in_asked_unit(text, several, self.units)
                    .copied()
                    // Of its clauses, the one naming what was asked ("答：油重 44 千克，桶重 6 千克。" asked 桶重).
                    .or_else(|| {
                        let (s, e) = self.clause_naming_the_asked(m.end(), sentence_end)?;
                        let [one] = several.iter().filter(|n| n.start >= s && n.end <= e).collect::<Vec<_>>()[..]
                        else {
                            return None;
                        };
                        // Only a result the working computed: a clause may restate a given ("Sam had $50, …").
                        self.worked.iter().any(|w| close(*w, one.value)).then_some(**one)
                    })
                    .or_else(|| result_of(text, several, true, self.worked)),
            };
            if let Some(n) = picked {
                let marker = m.as_str().contains(BOXED) || m.as_str() == "####";
                if in_sentence.len() >= 2 && !marker {
                    several_named.push((stated.len(), in_sentence.iter().map(|n| **n).collect()));
                }
                markers.push(marker && in_sentence.len() == 1);
                stated.push((m.start(), n));
            }
        }
        // A statement naming several results, and a closing marker after it
        // naming one of them alone ("答：门票共 90 元，应找回 10 元。" then
        // "#### 10"): the marker picks that one, unless a correction lies
        // between them; an operand ("100 − 90 = 10") is no result to pick.
        for (i, named) in several_named {
            let chosen = (i + 1..stated.len()).filter(|&j| markers[j]).find_map(|j| {
                if correction(&text[stated[i].0..stated[j].0]) {
                    return None;
                }
                named.iter().find(|n| same_result(n, &stated[j].1) && !operand(text, n))
            });
            if let Some(n) = chosen {
                stated[i].1 = *n;
            }
        }
        Ok(stated)
    }

    /// The number an answer opens with, alone ("Forty-eight. The baker…", "42"),
    /// unless it numbers a list.
    fn opening_number(self) -> Option<(usize, Number)> {
        let Reader { text, numbers, .. } = self;
        let first = numbers.first().filter(|first| text[..first.start].trim().is_empty())?;
        let end = sentence_end(text, first.end);
        let rest = text[first.end..end].trim().trim_end_matches(['.', '!', '。']);
        // "1. Convert …", "2) …", "3、…": a list's numbering, not an answer.
        let after = &text[first.end..];
        let numbering = text[first.start..first.end].chars().all(|c| c.is_ascii_digit())
            && after.starts_with(['.', ')', '、', ':'])
            && !after[after.chars().next().map_or(0, char::len_utf8)..]
                .split('\n')
                .next()
                .unwrap_or("")
                .trim()
                .is_empty();
        (!numbering && rest.split_whitespace().count() <= 2 && !rest.chars().any(|c| c.is_ascii_digit()))
            .then_some((first.start, *first))
    }

    /// A result stated first and then explained ("The bakery sold 189
    /// muffins. Here's why: …", "答案是 18 元，过程如下："): the one number of
    /// the first sentence, when the working goes on to compute it.
    fn result_first(self) -> Option<(usize, Number)> {
        let Reader { text, numbers, worked, .. } = self;
        let start = text.len() - text.trim_start().len();
        let end = sentence_end(text, start);
        let [first] = numbers.iter().filter(|n| n.start >= start && n.end <= end).collect::<Vec<_>>()[..] else {
            return None;
        };
        let rest = text[end..].trim_start_matches(|c: char| c.is_whitespace() || ".。:：,，".contains(c));
        let explained = EXPLANATION_FOLLOWS.is_match(rest) || EXPLANATION_FOLLOWS.is_match(&text[start..end]);
        (explained && worked.iter().any(|w| close(*w, first.value))).then_some((start, *first))
    }

    /// The last number of the answer's last total line ("合计：…元"), when
    /// nothing after it but a supposition or a check states a number.
    fn total_line(self) -> Option<(usize, Number)> {
        let Reader { text, numbers, .. } = self;
        if crate::read::stops_mid_sentence(text) {
            return None;
        }
        let m = TOTAL_LINE.find_iter(text).last()?;
        // A total line is the result only when nothing after it but a
        // supposition or a check states a number ("如果付100元，应找回17.5元").
        let line_end = text[m.end()..].find('\n').map_or(text.len(), |i| m.end() + i);
        let later_results = sentences(text).into_iter().any(|(s, e)| {
            s >= line_end
                && numbers.iter().any(|n| n.start >= s && n.end <= e)
                && !CONDITIONAL.is_match(&text[s..e])
                && !VERIFICATION.is_match(&text[s..e])
        });
        if later_results {
            return None;
        }
        // An aside that restates the total ("= 205 minutes (3 hours 25 minutes)") is not it.
        let line_end = m.end() + without_aside(&text[m.end()..line_end]).len();
        let n = numbers.iter().rev().find(|n| n.start >= m.end() && n.end <= line_end)?;
        Some((m.start(), *n))
    }

    /// The result the statements agree on, a later one replacing an earlier
    /// only after a correction ("Wait, I made a mistake"); ambiguous otherwise.
    fn agreed(self, stated: &[(usize, Number)]) -> Reading {
        let text = self.text;
        let Some(first) = stated.first() else { return Reading::Undecided };
        let how = |s: &str| if s.contains(BOXED) { "boxed" } else { "stated" };
        let mut current = first.1;
        let mut how_read = how(&text[first.0..first.1.start]);
        let mut seen = vec![first.1.value];
        let mut conflict = false;
        let mut prev_end = first.1.end;
        for (start, n) in &stated[1..] {
            // The same result, exact and rounded: the exact one stands.
            if conflict::rounds(text, &current, n) {
                current = *n;
            }
            // The same before a scale word: the one with the scale stands (it meets a gold either way).
            if same_result(n, &current) && current.scale == 1.0 {
                current = *n;
            }
            if !same_result(n, &current) && !conflict::rounds(text, n, &current) {
                if correction(&text[prev_end.min(*start)..*start]) {
                    current = *n;
                    seen = vec![n.value];
                    conflict = false;
                    how_read = how(&text[*start..n.start]);
                } else {
                    conflict = true;
                    if !seen.iter().any(|v| close(*v, n.value)) {
                        seen.push(n.value);
                    }
                }
            }
            prev_end = prev_end.max(n.end);
        }
        if conflict {
            Reading::Ambiguous(seen)
        } else {
            Reading::Stated { value: current, percent: current.percent, how: how_read }
        }
    }

    /// The result of the answer's concluding sentence (or, lacking one, of a
    /// number set in bold or of its last sentence), unless the answer says
    /// there is none or stops mid-sentence.
    fn concluding(self, answer: &str) -> Reading {
        let Reader { text, numbers, .. } = self;
        if crate::read::stops_mid_sentence(text) || self.says_no_result(answer) {
            return Reading::Undecided;
        }
        let body = before_verification(text);
        let with_numbers: Vec<(usize, usize)> = sentences(body)
            .into_iter()
            .filter(|(s, e)| {
                let sentence = &body[*s..*e];
                // A conversion factor alone ("1 km = 1000 m") is no result; one followed by a computation is.
                let definition = DEFINITION.find(sentence).is_some_and(|m| !sentence[m.end()..].contains('='));
                numbers.iter().any(|n| n.start >= *s && n.end <= *e) && !definition && !REMARK.is_match(sentence)
            })
            .collect();
        // A closing paragraph that only supposes ("顺流返回的话只需要…≈4.3小时")
        // leaves the result to the paragraph before it.
        // (A supposition before the sentence's first number: "If …, …", "…的话只需要 4.3".)
        let supposes = |(s, e): &(usize, usize)| {
            let first = numbers.iter().find(|n| n.start >= *s).map_or(*e, |n| n.start.min(*e));
            CONDITIONAL.is_match(&body[*s..first])
        };
        let Some(&(_, last_end)) = with_numbers.iter().rev().find(|s| !supposes(s)).or(with_numbers.last()) else {
            return Reading::Undecided;
        };
        // The last paragraph with numbers; in it, its last concluding sentence
        // ("Together, they raised $592.50.") or else its last sentence.
        let paragraph_start = body[..last_end].rfind("\n\n").map_or(0, |i| i + 2);
        let in_paragraph: Vec<(usize, usize)> =
            with_numbers.into_iter().filter(|(s, e)| *s >= paragraph_start && *e <= last_end).collect();
        let concluding = in_paragraph.iter().rev().find(|(s, e)| CONCLUDING.is_match(&body[*s..*e]));
        // With no concluding sentence, a number the answer set in bold is its
        // result ("= **311600 元** ✅", then a remark "相当于每台便宜了164元").
        if concluding.is_none()
            && let Some(n) = emphasised(answer)
        {
            return Reading::Stated { value: n, percent: n.percent, how: "bold" };
        }
        // A closing range or supposition ("It varies between 363,300 and 405,500 km")
        // gives way to the sentence before it; alone, it commits to nothing.
        // An aside that supposes ("(assuming 22 working days)", "— or 6 weeks
        // if he had saved $70") leaves the result before it standing.
        let hedging = |s: &str| CONDITIONAL.is_match(s) || ALTERNATIVES.is_match(s) || HEDGED.is_match(s);
        let hedges = |(s, e): &(usize, usize)| hedging(without_aside(&body[*s..*e]));
        // A concluding sentence that is itself a range ("综上，大约需要8到10天") commits to no one number.
        if concluding.is_some_and(hedges) {
            return Reading::Undecided;
        }
        let chosen = concluding.or_else(|| in_paragraph.iter().rev().find(|s| !hedges(s)));
        let Some(&(start, end)) = chosen.filter(|s| !hedges(s)) else { return Reading::Undecided };
        let candidates: Vec<(usize, usize)> = in_paragraph.iter().filter(|s| !hedges(s)).copied().collect();
        let (start, end) = self.naming_the_asked(&candidates, (start, end)).unwrap_or((start, end));
        // Only an aside that supposes is set aside; "(180 minutes in all)" stays.
        let end = if hedging(&body[start..end]) { start + without_aside(&body[start..end]).len() } else { end };
        let in_sentence: Vec<&Number> = numbers.iter().filter(|n| n.start >= start && n.end <= end).collect();
        // A result set in bold that the working computed outweighs a closing
        // remark whose numbers it never computed ("= **3 hours**. By then the
        // faster train has covered 210 km").
        let was_computed = |v: f64| self.worked.iter().any(|w| close(*w, v));
        if !in_sentence.iter().any(|n| was_computed(n.value))
            && let Some(n) = emphasised(answer).filter(|n| was_computed(n.value))
        {
            return Reading::Stated { value: n, percent: n.percent, how: "bold" };
        }
        // One result said in two units at once ("2小时15分钟") when the question asks in one.
        if let Some(n) = restated::mixed_in_asked_unit(text, &in_sentence, self.units) {
            return Reading::Stated { value: n, percent: false, how: "asked_unit" };
        }
        // One result said in two units ("16.8千米，也就是16800米"): the one the question asks in.
        if let Some(n) = restated::in_asked_unit(text, &in_sentence, self.units) {
            return Reading::Stated { value: *n, percent: n.percent, how: "asked_unit" };
        }
        // The result said in another unit than the one asked ("…it will take John 1 hour" asked in minutes).
        if let Some(v) = restated::converted_to_asked(text, &in_sentence, self.units, self.worked) {
            let n = numbers.iter().rev().find(|n| close(n.value, v)).copied();
            if let Some(n) = n {
                return Reading::Stated { value: n, percent: false, how: "asked_unit" };
            }
        }
        // A sentence that only restates the computed result in other units ("That's 4 hours and 45 minutes").
        if let Some(w) = restated::restated(text, &in_sentence, self.worked, self.asked) {
            let n = numbers.iter().rev().find(|n| close(n.value, w)).copied();
            if let Some(n) = n {
                return Reading::Stated { value: n, percent: n.percent, how: "restated" };
            }
        }
        let in_sentence: Vec<&Number> = match self.clause_naming_the_asked(start, end) {
            Some((s, e)) => in_sentence.into_iter().filter(|n| n.start >= s && n.end <= e).collect(),
            None => in_sentence,
        };
        match result_of(text, &in_sentence, false, self.worked) {
            Some(n) => Reading::Stated {
                value: n,
                percent: n.percent,
                how: if concluding.is_some() { "concluding_sentence" } else { "last_sentence" },
            },
            None => Reading::Undecided,
        }
    }
}

impl Reader<'_> {
    /// Of a sentence's clauses with a number, the one that names the most of
    /// what the question asks, when one names more than every other
    /// ("打七折后这件衣服卖 266 元，相比原价便宜了 380 − 266 = 114 元" asked "打折后
    /// 这件衣服卖多少元？"; "…total cost is $185, and she pays about $61.67 per
    /// day on average" asked for the average per day).
    fn clause_naming_the_asked(self, start: usize, end: usize) -> Option<(usize, usize)> {
        let Reader { text, numbers, asked, .. } = self;
        if asked.is_empty() {
            return None;
        }
        let sentence = &text[start..end];
        let mut clauses = Vec::new();
        let mut from = start;
        for (i, c) in sentence.char_indices() {
            // A comma between digits is a thousands separator.
            let between_digits = c == ',' && sentence[i + 1..].starts_with(|d: char| d.is_ascii_digit());
            if matches!(c, '，' | '；' | ';') || (c == ',' && !between_digits) {
                clauses.push((from, start + i));
                from = start + i + c.len_utf8();
            }
        }
        clauses.push((from, end));
        let scored: Vec<(usize, (usize, usize))> = clauses
            .into_iter()
            .filter(|&(s, e)| numbers.iter().any(|n| n.start >= s && n.end <= e))
            .map(|(s, e)| (asked::overlap(asked, &text[s..e]), (s, e)))
            .collect();
        let best = scored.iter().map(|(o, _)| *o).max()?;
        let mut at_best = scored.iter().filter(|(o, _)| *o == best);
        let (Some(&(_, (s, e))), None) = (at_best.next(), at_best.next()) else { return None };
        // One figure said twice ("at -145 m, which means 145 meters below"):
        // no clause to choose.
        let magnitudes = |inside: bool| -> Vec<f64> {
            let within = |n: &&Number| n.start >= start && n.end <= end && ((n.start >= s && n.end <= e) == inside);
            numbers.iter().filter(within).map(|n| n.value.abs()).collect()
        };
        let (chosen, others) = (magnitudes(true), magnitudes(false));
        let within = |a: &[f64], b: &[f64]| a.iter().all(|x| b.iter().any(|y| close(*x, *y)));
        let said_twice = within(&chosen, &others) && within(&others, &chosen);
        (best > 0 && scored.len() > 1 && !said_twice).then_some((s, e))
    }

    /// When the chosen sentence names nothing the question asks for, the
    /// last sentence of `candidates` that does and whose result the working
    /// computed ("Mia is 14 + 7 = 21 years old. Her brother is 14." asked
    /// "How old is Mia?" → the first); None to keep the chosen one.
    fn naming_the_asked(self, candidates: &[(usize, usize)], chosen: (usize, usize)) -> Option<(usize, usize)> {
        let Reader { text, numbers, worked, asked, .. } = self;
        let sentence = &text[chosen.0..chosen.1];
        // Only a remark in words can be about something else; a line of figures is working.
        if asked.is_empty() || !asked::speaks(sentence) || asked::overlap(asked, sentence) > 0 {
            return None;
        }
        let result = |(s, e): (usize, usize)| {
            let in_sentence: Vec<&Number> = numbers.iter().filter(|n| n.start >= s && n.end <= e).collect();
            result_of(text, &in_sentence, false, worked)
        };
        let chosen_value = result(chosen).map(|n| n.value);
        candidates.iter().rev().copied().filter(|s| s.1 <= chosen.1 && *s != chosen).find(|&s| {
            asked::overlap(asked, &text[s.0..s.1]) > 0
                && result(s).is_some_and(|n| {
                    worked.iter().any(|w| close(*w, n.value)) && chosen_value.is_none_or(|v| !close(v, n.value))
                })
        })
    }
}

/// A sentence without a closing aside in words, set off by a dash, a
/// bracket or ", which" after its result ("… 51,700 widgets (assuming 22
/// working days)", "8 weeks — or 6 weeks if …", "30 working days, which is
/// about 6 weeks if…"); a bracket in a formula ("5 × (2 + 3)") is no aside.
fn without_aside(sentence: &str) -> &str {
    // Answers are read with full-width forms folded: "（" arrives as "(".
    for opener in [" — ", " – ", "——", "(", ", which "] {
        let Some(i) = sentence.find(opener) else { continue };
        let (main, aside) = (&sentence[..i], &sentence[i..]);
        let in_words = aside.chars().filter(|c| c.is_alphabetic()).count() >= 4 && !aside.contains(['=', '→']);
        let formula = main.trim_end().ends_with(['×', '*', '+', '-', '−', '=', '÷', '/', '→', '>']);
        // A bracket closes the sentence, or it is no aside ("36种（按分组法）或72种").
        let closes =
            opener != "(" || aside.find(')').is_none_or(|c| aside[c + 1..].chars().all(|c| !c.is_alphanumeric()));
        if in_words && !formula && closes && main.chars().any(|c| c.is_ascii_digit() || is_hanzi_digit(c)) {
            return main;
        }
    }
    sentence
}

/// The text before a closing check of the result ("Verification: …", "验算").
fn before_verification(text: &str) -> &str {
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        let confirms = CONFIRMATION.is_match(line.trim_end()) && line.contains(['=', '＝']);
        if (VERIFICATION.is_match(line) || confirms) && text[..pos].chars().any(|c| c.is_ascii_digit()) {
            let before = &text[..pos];
            return if restated_after_check(before, &text[pos..]) { text } else { before };
        }
        pos += line.len();
    }
    text
}

/// Whether the answer closes, after its check, on a statement of a result
/// computed before the check ("检验：13 + 17 = 30 ✓" then "**妹妹今年 13 岁。**"):
/// the answer ends there, not at the check.
fn restated_after_check(before: &str, check: &str) -> bool {
    let Some(end) = check.find("\n\n") else { return false };
    let last = check[end..].trim().rsplit("\n\n").next().unwrap_or("").trim();
    let said = numbers(last);
    let computed = numbers(before);
    !said.is_empty()
        && !last.contains(['=', '✓', '✔', '|', '\n'])
        && !VERIFICATION.is_match(last)
        && said.iter().all(|n| computed.iter().any(|c| close(c.value, n.value)))
}

/// Two statements of one result: the same number, or the same before a
/// scale word ("328 万人" and "#### 328").
fn same_result(a: &Number, b: &Number) -> bool {
    // One with a scale word and one without: "5.2 万吨" and "5.2 亿吨" are two results.
    close(a.value, b.value) || ((a.scale == 1.0) != (b.scale == 1.0) && close(a.value / a.scale, b.value / b.scale))
}

/// Whether `n` is an operand in the text (next to `+ − × ÷` or before `=`),
/// not a result: "20 − 9 = 11" has the result 11 and the operands 20 and 9.
fn operand(text: &str, n: &Number) -> bool {
    let after = text[n.end..].trim_start_matches([' ', '\u{a0}', ')', '）']);
    let before = text[..n.start].trim_end_matches([' ', '\u{a0}', '$', '¥', '€', '£', '(', '（']);
    after.starts_with(['=', '+', '-', '−', '×', '÷', '*', '/', '≈'])
        || before.ends_with(['+', '-', '−', '×', '÷', '*', '/'])
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// Where the sentence containing `at` ends.
fn sentence_end(text: &str, at: usize) -> usize {
    let rest = &text[at..];
    let mut end = rest.len();
    for (i, c) in rest.char_indices() {
        let next = rest[i + c.len_utf8()..].chars().next();
        let stop = match c {
            '\n' => {
                // A marker alone on its line ("Final answer:\n\n18") reads the next line.
                if rest[..i].chars().any(|c| c.is_ascii_digit() || is_hanzi_digit(c)) {
                    true
                } else {
                    continue;
                }
            }
            '。' | '!' | '！' | '?' | '？' | ';' | '；' => true,
            '.' => next.is_none_or(|n| n.is_whitespace()) && !abbreviation(&rest[..i]),
            _ => false,
        };
        if stop {
            end = i;
            break;
        }
    }
    at + end
}

/// Whether the text before a full stop ends in an abbreviation ("i.e", "e.g", "approx", "vs").
fn abbreviation(before: &str) -> bool {
    let word: String = before.chars().rev().take_while(|c| c.is_ascii_alphabetic() || *c == '.').collect();
    let word: String = word.chars().rev().collect::<String>().to_ascii_lowercase();
    word.len() == 1
        || word.contains('.')
        || matches!(word.as_str(), "approx" | "vs" | "etc" | "no" | "ca" | "mr" | "mrs" | "dr")
}

fn is_hanzi_digit(c: char) -> bool {
    "零〇一二两三四五六七八九十百千万亿".contains(c)
}

/// The sentences of a text as byte ranges.
fn sentences(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes: Vec<(usize, char)> = text.char_indices().collect();
    for (k, &(i, c)) in bytes.iter().enumerate() {
        let next = bytes.get(k + 1).map(|(_, n)| *n);
        let stop = match c {
            '\n' | '。' | '!' | '！' | '?' | '？' | ';' | '；' => true,
            // A chat-style close ("…面粉哦～ 如果…", folded to `~`) ends its
            // sentence; before a number, `~` means "about".
            '～' | '~' => !text[i + c.len_utf8()..].trim_start().starts_with(|d: char| d.is_ascii_digit()),
            '.' => next.is_none_or(|n| n.is_whitespace()) && !abbreviation(&text[..i]),
            _ => false,
        };
        if stop {
            if text[start..i].trim().chars().count() > 0 {
                out.push((start, i));
            }
            start = i + c.len_utf8();
        }
    }
    if text[start..].trim().chars().count() > 0 {
        out.push((start, text.len()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scale word that belongs to the question's unit, a chat-style close
    /// before a supposition, an approximation set aside in brackets, and a
    /// concluding sentence that restates a condition before the computed result.
    #[test]
    fn units_asides_and_restated_conditions() {
        let gold = |answer: &str| Gold { answer: answer.into(), ..Gold::default() };
        let tonnes = "今年产量 = 3.2 × 1.15 = 3.68（亿千克）\n答：今年产量是3.68亿千克。";
        assert!(NumericGrader.grade(&Response::text(tonnes), &gold("3.68")).correct);
        assert!(NumericGrader.grade(&Response::text(tonnes), &gold("368000000")).correct);
        assert!(!NumericGrader.grade(&Response::text(tonnes), &gold("3.2")).correct);
        assert_eq!(extract("一共需要 **2又1/4杯** 面粉哦～ 如果只有1/4杯的量杯，要量9次。"), Some(2.25));
        assert_eq!(extract("N = 3,000 × 2¹⁰ = 3,072,000 cells (≈ 3.07 × 10⁶)."), Some(3_072_000.0));
        assert_eq!(extract("每层用时：30 ÷ 5 = 6（秒）\n6 × 9 = 54（秒）\n答：从1楼走到10楼需要54秒。"), Some(54.0));
        assert_eq!(extract("So you need \\(\\boxed{3\\tfrac{1}{4}}\\) cups of flour."), Some(3.25));
        // The working's result, not a remark after it, nor a supposition closing the answer.
        assert_eq!(
            extract(
                "Closing speed: 50 + 40 = 90 km/h.\n\n270 ÷ 90 = **3 hours**\n\nBy then one train has gone 150 km."
            ),
            Some(3.0)
        );
        assert_eq!(
            extract("速度：20 − 4 = 16（千米/时）\n时间：96 ÷ 16 = 6（小时）\n\n顺流的话只要 96 ÷ 24 = 4 小时。"),
            Some(6.0)
        );
        assert_eq!(extract("2x + 5 = 17\nx = 6\n答：6年后他的年龄是弟弟的2倍。"), Some(6.0));
    }

    /// A closing remark about something else gives way to the sentence naming
    /// what the question asks for, when the working computed that sentence's result.
    /// A result stated first then explained, a closing aside that supposes,
    /// and a share asked for as a percentage or a fraction.
    #[test]
    fn results_first_asides_and_shares_asked_for() {
        let read = |answer: &str, asked: Option<&str>| match read_asked(answer, asked) {
            Reading::Stated { value, .. } => Some(value.value),
            _ => None,
        };
        let first = "The class collected 75 cans. Here's how:\n\n3 bags × 25 cans = 75\n\nThat still leaves 5 bags to fill next week.";
        assert_eq!(read(first, None), Some(75.0));
        let aside = "Bricks per wall: 150 × 8 = 1,200\n\nSo the total is 1,200 bricks (assuming every row is full).";
        assert_eq!(read(aside, None), Some(1200.0));
        let dash = "$360 ÷ $40 = 9\n\nMaya needs 9 weeks — or 7 weeks if her aunt gives her $80 first.";
        assert_eq!(read(dash, None), Some(9.0));
        // An aside that only restates stays ("(that is 180 minutes)").
        let restates = "60 × 3 = 180\n\nSo the trip takes 3 hours (that is 180 minutes).";
        assert_eq!(read(restates, Some("How many minutes does the trip take?")), Some(180.0));
        // A bracket in a formula is no aside.
        assert_eq!(read("Total: 4 × (5 + 3) = 32", None), Some(32.0));
        let share = "女生人数：40 − 24 = 16（人）\n\n所以女生占全班的五分之二，共有16人。";
        assert_eq!(read(share, Some("全班40人，其中男生24人。女生占全班的几分之几？")), Some(0.4));
        let rise = "上涨金额：10 − 8 = 2（元）\n\n价格上涨了25%，也就是每斤贵了2元。";
        assert_eq!(read(rise, Some("苹果原价每斤8元，现在10元。价格上涨了百分之几？")), Some(25.0));
        assert_eq!(read(rise, Some("苹果原价每斤8元，现在10元。每斤贵了多少元？")), Some(2.0));
        // Of a sentence's clauses, the one naming what was asked; one figure said twice stays.
        let sale = "500 × 0.8 = 400\n\n所以打八折后这双鞋卖 400 元，比原价便宜了 500 − 400 = 100 元。";
        assert_eq!(read(sale, Some("一双鞋原价500元，打八折出售。打折后这双鞋卖多少元？")), Some(400.0));
        let depth = "-60 - 25 = -85\n\nThe diver is at -85 m, which means 85 meters below the surface.";
        assert_eq!(read(depth, Some("A diver at -60 m descends 25 m. How far below the surface is she?")), Some(-85.0));
        // One result in two units at once, read in the unit asked.
        let trip = "40 + 55 = 95 分钟 = 1 小时 35 分钟\n\n所以路上一共用了1小时35分钟。";
        assert_eq!(read(trip, Some("小明坐车40分钟，又步行55分钟。他路上一共用了多少分钟？")), Some(95.0));
        let film = "From 7:20 PM to 9:20 PM is 2 hours, plus 25 minutes.\n\nSo the film runs 2 hours 25 minutes.";
        assert_eq!(
            read(film, Some("A film starts at 7:20 PM and ends at 9:45 PM. How many minutes long is it?")),
            Some(145.0)
        );
        // A year asked for.
        let year = "After 5 years (2029) it has 9,500 members; after 6 years, 10,400.\n\nSo it first passes 10,000 members in 2030.";
        assert_eq!(
            read(
                year,
                Some("A club has 5,000 members in 2024 and gains 900 a year. In what year does it first pass 10,000?")
            ),
            Some(2030.0)
        );
        // An answer cut off after "所以" stated nothing yet.
        assert_eq!(read("4(v + 2) = 5(v − 2)\n4v + 8 = 5v − 10\n\n所以", None), None);
    }

    #[test]
    fn the_sentence_naming_what_was_asked_holds_the_result() {
        let read = |answer: &str, asked: &str| match read_asked(answer, Some(asked)) {
            Reading::Stated { value, .. } => Some(value.value),
            _ => None,
        };
        let mia = "x + (x + 7) = 35\n2x = 28\nx = 14\n\nMia is 14 + 7 = 21 years old. Her brother is 14.";
        assert_eq!(
            read(mia, "Mia is 7 years older than her brother; together they are 35. How old is Mia?"),
            Some(21.0)
        );
        assert_eq!(read(mia, "How old is her brother?"), Some(14.0), "the closing sentence names the brother");
        let tank = "Used: 35 × 8 = 240 liters\nLeft: 500 − 240 = 260 liters\n\nAfter 8 days, 260 liters remain. At this rate, the tank is empty after about 14.3 days.";
        assert_eq!(
            read(tank, "A 500-liter tank loses 35 liters a day. How much water remains after 8 days?"),
            Some(260.0)
        );
        // A closing line of figures is working, not a remark: it stays the result.
        assert_eq!(read("2.5升 = 2500毫升\n2500 ÷ 250 = 10", "2.5升饮料倒入250毫升的杯子，可以倒满几杯？"), Some(10.0));
        // Without the question, the reading is as before.
        assert_eq!(extract(mia), Some(14.0));
        // More of the class, written apart from the corpus.
        let zh = "甲：15 × 4 = 60（个）\n乙：60 − 18 = 42（个）\n\n乙做了42个零件。甲比乙多做18个。";
        assert_eq!(read(zh, "甲做了60个零件，比乙多做18个。乙做了多少个零件？"), Some(42.0));
        let bus = "Seats taken: 48 − 13 + 9 = 44\n\nThere are 44 passengers on the bus now. The driver has made 3 stops so far.";
        assert_eq!(
            read(bus, "A bus has 48 passengers. 13 get off and 9 get on. How many passengers are on the bus now?"),
            Some(44.0)
        );
        let cost = "Total: 3 × 12 + 5 = 41 dollars\n\nShe spends $41 in total. That leaves her budget with some room.";
        assert_eq!(read(cost, "How much does she spend in total?"), Some(41.0));
    }

    /// Working that opens with a bracket, a closing line that confirms the
    /// working, and a dependence named only in an aside after the result.
    #[test]
    fn brackets_confirmations_and_asides() {
        assert_eq!(extract("两人合作可取平均值：\n\n(8 + 12) ÷ 2 = **10 小时**"), Some(10.0));
        assert_eq!(extract("(8 + 12) ÷ 2 = 10 小时"), Some(10.0));
        assert_eq!(extract("(The last trip carries just 22 cars.)"), None, "a whole sentence in brackets is an aside");
        let check =
            "孙子：55 ÷ (6 − 1) = 11（岁）\n爷爷：11 × 6 = 66（岁）\n孙子今年11岁，爷爷66岁，66 − 11 = 55，没问题～";
        assert_eq!(
            read_asked(check, Some("孙子今年几岁？")),
            read_asked("孙子：55 ÷ (6 − 1) = 11（岁）\n爷爷：11 × 6 = 66（岁）", Some("孙子今年几岁？"))
        );
        assert_eq!(
            extract("Left: 120 − 135 = **−$15**\n\nHe'd likely also pay a fee, depending on his bank."),
            Some(-15.0)
        );
        assert_eq!(
            extract("Left: 120 − 135 = −$15\n\nThe exact figure depends on the bank."),
            None,
            "no result committed to"
        );
        let checks = "Rate: 84 ÷ 7 = 12 per hour\nIn 5 hours: 12 × 5 = 60\nBack-check: 60 ÷ 5 = 12, which checks out.";
        assert_eq!(extract(checks), Some(60.0));
        assert_eq!(extract("(120 − 30) ÷ 3 = 30 元\n每人付30元。"), Some(30.0));
    }

    #[test]
    fn extracts_stated_results() {
        let table: &[(&str, f64)] = &[
            ("She makes 9 * 2 = $18 every day.\n#### 18", 18.0),
            ("#### 1,200", 1200.0),
            ("所以答案是 18。", 18.0),
            ("答案：18元", 18.0),
            ("The answer is $1,800.00.", 1800.0),
            ("So she earns 18 dollars.", 18.0),
            ("Final answer: \\boxed{42}", 42.0),
            ("First 3 + 4 = 7, then 7 * 2 = 14. The answer is 14.", 14.0),
            ("The temperature fell to -5 degrees.", -5.0),
            ("<think>maybe 12</think>答案为 13", 13.0),
            ("He needs 0.5 hours", 0.5),
            ("She has 24 apples left after 10 days.", 24.0),
            ("She will have $2,125 after 1 year.", 2125.0),
            ("答：3天后小明还剩18元。", 18.0),
            ("所以一共需要 1.2万 元", 12000.0),
            ("答案是三百二十", 320.0),
            ("$\\boxed{2{,}125}$", 2125.0),
            ("\\(\\boxed{\\frac{3}{4}}\\)", 0.75),
            ("**Answer: 18**\n\nCheck: 18 - 3 = 15 ✓", 18.0),
            ("The answer is 18 dollars, which is 3 more than Tom's 15.", 18.0),
            ("In 5 years, she will be 23 years old.", 23.0),
            ("Total = 12 + 30 = 42", 42.0),
            ("The answer is 42. Wait, I made a mistake: the answer is 40.", 40.0),
            ("It is 1.5e3 meters.", 1500.0),
            ("共计两千零五个。", 2005.0),
            // Vulgar fractions, alone, in a mixed number, after a space or in bold.
            ("You need **2 ½ cups** of flour.", 2.5),
            ("That makes 13½ cups in all.", 13.5),
            ("The answer is ¾.", 0.75),
            ("So each friend gets 1⅓ pizzas.", 4.0 / 3.0),
            ("The answer is 3⁄8.", 0.375),
            // Decimal commas, where the answer writes no decimal point.
            ("Price = 0,75 kg × 12,40 €/kg = 9,30 €\n\nAnna pays **9,30 €**.", 9.3),
            ("The bakery needs 2,7 kg of flour.", 2.7),
            ("She will have $2,125 after 1 year.", 2125.0),
            ("The items are 1,2,3 so the answer is 6.", 6.0),
            ("C(5,2) = 10, so there are 10 ways.", 10.0),
            // A closing statement after the check; a numbered heading in bold.
            (
                "（30 − 4）÷ 2 = 13（岁）\n\n姐姐：13 + 4 = 17（岁）\n\n检验：13 + 17 = 30 ✓\n\n**妹妹今年 13 岁。**",
                13.0,
            ),
            ("**1. 求全长**\n\n540 ÷ 0.45 = 1200（米）\n\n**2. 检验**\n\n1200 × 0.45 = 540 ✓", 1200.0),
            ("Her scores were 85,90 and 95, so the answer is 95.", 95.0),
        ];
        for (answer, want) in table {
            assert_eq!(extract(answer), Some(*want), "{answer:?}");
        }
    }

    #[test]
    fn undecided_rather_than_guessed() {
        assert_eq!(read("no idea"), Reading::Undecided);
        // A concluding range commits to no one number, whatever came before it.
        let range =
            "每天实际上升 3 − 2 = 1 米。最后一天白天爬3米就能到井口。\n综合来看，蜗牛大约需要8到10天才能爬出井口。";
        assert_eq!(read(range), Reading::Undecided);
        // "解答：" opens the working; "答：" states the result.
        let worked = "**解答：**\n\n1. **标价**：80 × 1.5 = 120（元）\n2. **售价**：120 × 0.9 = 108（元）\n3. **利润**：108 − 80 = 28（元）\n\n**答：每件商品的利润是 28 元。**";
        assert!(matches!(read(worked), Reading::Stated { value, .. } if value.value == 28.0));
        // One result in two units: the one asked in.
        let units =
            "2.4 × 7 = 16.8（千米）\n16.8 × 1000 = 16800（米）\n\n所以，小王一个星期一共跑16.8千米，也就是16800米。";
        assert!(
            matches!(read_asked(units, Some("一个星期一共跑多少米？")), Reading::Stated { value, .. } if value.value == 16800.0)
        );
        assert!(
            matches!(read_asked(units, Some("一个星期一共跑多少千米？")), Reading::Stated { value, .. } if value.value == 16.8)
        );
        let value = |r: Reading| match r {
            Reading::Stated { value, .. } => Some(value.value),
            _ => None,
        };
        let minutes = "150 ÷ 60 = 2.5 hours.\n\nSo it takes 2.5 hours, or 150 minutes.";
        assert_eq!(value(read_asked(minutes, Some("How many minutes does the trip take?"))), Some(150.0));
        let ml = "3.2 × 1000 = 3200\n\nThe bottle holds 3.2 liters, that is 3200 milliliters.";
        assert_eq!(value(read_asked(ml, Some("How many milliliters does the bottle hold?"))), Some(3200.0));
        for range in [
            "Each batch takes 3 days.\n\nIn total, somewhere between 12 and 15 days.",
            "每段路要1小时。\n\n所以大约需要3至4小时。",
        ] {
            assert_eq!(read(range), Reading::Undecided, "{range:?}");
        }
        let checked = "2 × 14 = 28\n\n答：一共28个。\n\n✔️ 验算：28 ÷ 2 = 14，正确。";
        assert_eq!(value(read(checked)), Some(28.0));
        // A check after the result, marked with an emoji, is no result.
        let check = "3x + 6 = 108, so x = 34.\n\n**The largest number is 38.**\n\n✅ Check: 34 + 36 + 38 = 108.";
        assert!(matches!(read(check), Reading::Stated { value, .. } if value.value == 38.0));
        assert!(matches!(read("The answer is 12. The answer is 15."), Reading::Ambiguous(_)));
    }

    #[test]
    fn chinese_numerals() {
        for (s, v) in
            [("三百二十", 320.0), ("十二", 12.0), ("两千零五", 2005.0), ("一万二千", 12000.0), ("一点五", 1.5)]
        {
            assert_eq!(chinese_numeral(s), Some(v), "{s}");
        }
        // A figure in a closing bracket is an aside, not the result its verb gives.
        let aside = "95 × 0.9 = 85.5（万元）\n\n结论：该企业参与评审的价格为85.5万元（其实际合同价格仍为95万元）。";
        // (85.5万 is 855,000 read with its scale: a gold of 85.5 asked in 万元 is met by either.)
        assert!(matches!(read(aside), Reading::Stated { value, .. } if value.value / value.scale == 85.5));
        let which = "1,350 ÷ 45 = 30\n\nSo the job will take **30 working days**, which is about 6 weeks if the crew works 5 days a week.";
        assert!(matches!(read(which), Reading::Stated { value, .. } if value.value == 30.0));
        // A time of day ("4点30分") is no quantity; "60 元或 70 元" offers two.
        let clock = "所以夹角是 2 × 30° = 60°。\n\n答：4点30分时，时针与分针的夹角是 60°。";
        assert!(matches!(read(clock), Reading::Stated { value, .. } if value.value == 60.0));
        assert!(matches!(read("解得 x = 0 或 x = 10。\n\n答：售价应定为 60 元或 70 元。"), Reading::Ambiguous(_)));
        // A closing scale word is a scale, as after digits: "一百二十六万" answers "多少万" with 126.
        let Reading::Stated { value, .. } = read("答：今年人口为一百二十六万。") else { panic!("read") };
        assert_eq!((value.value, value.scale), (1_260_000.0, 10_000.0));
    }

    #[test]
    fn grades_against_gold() {
        let gold = Gold { answer: "18".into(), options: vec![], ..Gold::default() };
        let g = NumericGrader.grade(&Response::text("#### 18.00"), &gold);
        assert!(g.correct);
        assert_eq!(g.how.as_deref(), Some("stated"));
        let g = NumericGrader.grade(&Response::text("The answer is 19"), &gold);
        assert!(!g.correct);
        assert_eq!(g.extracted.as_deref(), Some("19"));
        assert_eq!(NumericGrader.grade(&Response::text("no idea"), &gold).note.as_deref(), Some(NOTE_UNDECIDED));
        let pct = Gold { answer: "0.25".into(), ..Gold::default() };
        assert!(NumericGrader.grade(&Response::text("The answer is 25%."), &pct).correct);
        let tol = Gold { answer: "3.14".into(), data: serde_json::json!({ "tolerance": 0.01 }), ..Gold::default() };
        assert!(NumericGrader.grade(&Response::text("答案约为3.1416"), &tol).correct);
    }
}
#[cfg(test)]
mod hedges {
    use super::*;

    #[test]
    fn two_answers_named_are_not_one_stated() {
        for answer in ["It is either 18 or 25; I can't tell which.", "可能是18，也可能是25，我拿不准。"] {
            assert!(!matches!(read(answer), Reading::Stated { .. }), "{answer:?}");
        }
    }
}
