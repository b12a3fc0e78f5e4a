//! Multiple-choice answers, read the way a careful examiner reads them.
//!
//! An answer commits to an option by *stating* it ("答案是B", "【答案】B",
//! "The correct answer is **(B)**", "I'd go with C", `\boxed{C}`, "正确的是C项",
//! "答：A"); every statement is collected, and they must agree. A later one
//! replaces an earlier one only after a correction ("Wait, …", "等等，重新算…");
//! otherwise two different committed answers are [`Reading::Ambiguous`].
//! Statements may give the option's text instead of its label ("答案是4"), and
//! a label whose text names another option contradicts itself. Reasoning
//! blocks are dropped; tentative or conditional statements ("it might be A",
//! "如果…则选A") commit to nothing.
//!
//! Without any statement the answer is read, in order, from claims ("B is
//! correct", "B项正确", "C ✓"), an answer that is only a label ("**B**",
//! "(b)"), a first or last line that opens with a label (not when three or more
//! lines open with different labels: that is the options echoed or analysed),
//! the one option whose text the answer restates, and bracketed labels that all
//! agree. When none of these reads one answer, the answer is
//! [`Reading::Undecided`]: never a guess.
//!
//! Multiple-answer questions (`Gold::data.multi`, or a gold answer of several
//! labels) read a set of labels ("ACD", "A、C、D", "A, C and D").

use std::collections::BTreeSet;

use tb_core::{Choice, Gold, Grade};

use crate::read::{BOXED, plain};
use crate::{Grader, NOTE_AMBIGUOUS, NOTE_UNDECIDED, Response};

mod labels;
mod offered;
mod option_text;
mod patterns;
mod words;

pub(crate) use patterns::correction_between;
use patterns::*;
use words::*;

pub struct ChoiceGrader;

impl Grader for ChoiceGrader {
    fn version(&self) -> u32 {
        // 6: an option named by its text in a closing sentence that concludes
        // ("So the power belongs to Congress, not the President."), by the
        // stems of its words ("mitochondria" for "Mitochondrion") or by a part
        // of it in Chinese; a letter or a number an answer ends on ("The next
        // letter is U."); "the correct one is", "which is option", "不是B，
        // 而是C", "C it is."; "修正" as an amendment is no correction; a
        // table's "结论" header is no statement; a closing "B) <B's text>";
        // multiple answers after a copula or listed under an introduction;
        // answer tags, circled and bracketed letters, a leading mark ("✅ B"),
        // options marked one by one, "option number 3", an amount ended on.
        // 7: the one option whose text alone an answer sets in bold; a
        // closing claim of another label than the one stated first
        // ("Therefore, option A) 1 is the correct answer.") is ambiguous; the
        // one option a first sentence names by its text, none negated; "In
        // short," concludes; "…is B. <B's text>." names B; "Both B and D are
        // acceptable answers" after a statement of B is ambiguous.
        // 8: an arrow after a lone letter continues a sequence ("D → E → B",
        // a traversal), it names no answer; a listed item's name ends at a
        // dash set off by spaces ("**D. 3DES** – a symmetric block cipher").
        // 9: an option's text restated where the answer says what it is not
        // ("a remainder rather than an executory interest") names no answer;
        // an answer cut off (mid-sentence, or a long one on a line of prose
        // with no closing mark) commits to nothing the weak readings find; an
        // amount ended on after any verb, with its unit ("所以现价为192元。",
        // "was $48"), against options that are amounts, and no figure of the
        // first sentence's working; labels listed after an arrow ("→ A, C,
        // E") and options listed by their texts ("the answer is: tuple, str,
        // frozenset") for a multiple-answer question; "Either B or D is
        // correct", and a closing conclusion by text against the stated
        // answer, are ambiguous; "对应选项A" states; a question back ("Could
        // you tell me which framework…") hedges; an option's name with full
        // stops in it ("the answer is H.L.A. Hart.") is read whole.
        // 10: saying no single option is correct ("There isn't a single
        // \"correct\" class here", "没有唯一正确的选项", "several options are
        // equally acceptable", "None of the listed options matches") hedges,
        // unless an option itself says "none of the above".
        // 11: a conclusion under a heading ("**Conclusion:** …", "Bottom
        // line:", "结论：", "总结：") names its option by text as "So …" does;
        // an English option's text met right after a Chinese character
        // ("是Mercury") is a whole word.
        11
    }

    fn grade(&self, response: &Response, gold: &Gold) -> Grade {
        let gold_labels: BTreeSet<char> =
            gold.answer.chars().filter(|c| c.is_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect();
        let multi = gold.data.get("multi").and_then(|m| m.as_bool()).unwrap_or(gold_labels.len() > 1);
        let grade = |labels: String, how: &str| {
            let chosen: BTreeSet<char> = labels.chars().collect();
            Grade { correct: chosen == gold_labels, extracted: Some(labels), note: None, how: Some(how.into()) }
        };
        let undecided = match read(response.text, &gold.options, multi) {
            Reading::Chosen { labels, how } => return grade(labels, how),
            Reading::Ambiguous(candidates) => {
                Grade { extracted: Some(candidates.join("|")), ..Grade::wrong(NOTE_AMBIGUOUS) }
            }
            Reading::Undecided => Grade::wrong(NOTE_UNDECIDED),
        };
        // What the rules could not read, a judge named as second opinion may have.
        match response.verdict.filter(|v| crate::second_opinion::is_second_opinion(v)) {
            Some(v) => match crate::second_opinion::parse_reply(v) {
                Ok(Some(said)) => {
                    let labels: String = said
                        .chars()
                        .filter(|c| c.is_ascii_alphanumeric())
                        .map(|c| c.to_ascii_uppercase())
                        .collect::<BTreeSet<char>>()
                        .into_iter()
                        .collect();
                    let valid = !labels.is_empty()
                        && labels
                            .chars()
                            .all(|l| gold.options.is_empty() || gold.options.iter().any(|o| o.label == l.to_string()));
                    if valid { grade(labels, "judge") } else { Grade { how: Some("judge".into()), ..undecided } }
                }
                Ok(None) => Grade { how: Some("judge".into()), ..undecided },
                Err(_) => Grade { how: Some("judge_failed".into()), ..undecided },
            },
            None => undecided,
        }
    }
}

/// What an answer committed to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reading {
    /// The labels chosen, in order ("B"; "ACD" for several), and how they were read.
    Chosen { labels: String, how: &'static str },
    /// Different answers, each committed to and none withdrawn.
    Ambiguous(Vec<String>),
    /// No committed answer.
    Undecided,
}

/// The option label an answer chose, if it committed to exactly one (the
/// single-answer reading of [`read`]).
pub fn extract(answer: &str, options: &[Choice]) -> Option<String> {
    match read(answer, options, false) {
        Reading::Chosen { labels, .. } => Some(labels),
        _ => None,
    }
}

struct Statement {
    start: usize,
    end: usize,
    labels: BTreeSet<char>,
    /// The statement contradicts itself (a label with another option's text).
    conflict: bool,
    how: &'static str,
}

impl Statement {
    /// Labels stated at `at` as the answer.
    fn stated(at: std::ops::Range<usize>, labels: BTreeSet<char>) -> Self {
        Statement { start: at.start, end: at.end, labels, conflict: false, how: "stated" }
    }
}

/// What an answer committed to, among `options` (A–D when the case lists none).
pub fn read(answer: &str, options: &[Choice], multi: bool) -> Reading {
    let text = plain(answer);
    let labels: Vec<char> = if options.is_empty() {
        vec!['A', 'B', 'C', 'D']
    } else {
        options.iter().filter_map(|o| single_char(&o.label)).map(|c| c.to_ascii_uppercase()).collect()
    };
    let ctx = Context { text: &text, labels: &labels, options, multi, echoes: std::cell::OnceCell::new() };

    let (mut statements, mut hedged) = ctx.statements();
    // Labels being ruled out ("B、D两项都可以排除") are not what was chosen.
    // Nor are those left out of a complement ("Every option except B is correct").
    let ruled_out: Vec<std::ops::Range<usize>> =
        LISTED_RULED_OUT.find_iter(&text).chain(COMPLEMENT_CLAIMED.find_iter(&text)).map(|m| m.range()).collect();
    let inside_ruled_out = |at: usize| ruled_out.iter().any(|r| r.contains(&at));
    statements.retain(|s| !inside_ruled_out(s.start));
    statements.sort_by_key(|s| s.start);
    let no_single_option = || {
        !multi
            && !options.iter().any(|o| NONE_OR_ALL_OPTION.is_match(&o.text))
            && NO_SINGLE_OPTION.find(&text).is_some_and(|m| !CONTRAST.is_match(&text[m.end()..]))
    };
    hedged |= statements.is_empty() && (HEDGE.is_match(&text) || no_single_option());
    if let Some(reading) = ctx.resolve(&statements) {
        // "The correct answer is A) China. … so B) India is also correct": two.
        if let Reading::Chosen { labels: chosen, .. } = &reading
            && !multi
            && let Some(others) = ctx.also_offered(statements.iter().map(|s| s.start).max().unwrap_or(0))
            && others.iter().any(|l| !chosen.contains(*l))
        {
            let both = others.into_iter().chain(chosen.chars()).collect::<BTreeSet<char>>();
            return Reading::Ambiguous(both.iter().map(|c| c.to_string()).collect());
        }
        return reading;
    }

    let claims: Vec<Statement> = CLAIMED
        .captures_iter(&text)
        .chain(CHECKED_ROW.captures_iter(&text))
        .filter_map(|c| {
            let m = c.get(1).or_else(|| c.get(2))?;
            let l = ctx.label(m.as_str())?;
            let other = EITHER_OR.captures(&text[..m.start()]).and_then(|e| ctx.label(&e[1]));
            (!tentative(&text, m.start()) && !inside_ruled_out(m.start())).then(|| Statement {
                start: m.start(),
                end: m.end(),
                labels: [l].into_iter().chain(other).collect(),
                conflict: false,
                how: "claimed",
            })
        })
        .collect();
    let together = CLAIMED_TOGETHER.captures_iter(&text).filter_map(|c| {
        let m = c.get(1).expect("group");
        let (labels, _, _) = ctx.parse_labels(m.as_str())?;
        (labels.len() > 1 && !tentative(&text, m.start()) && !inside_ruled_out(m.start())).then_some(labels)
    });
    let together: BTreeSet<char> = together.flatten().collect();
    if !claims.is_empty() || !together.is_empty() {
        let all: BTreeSet<char> = claims.iter().flat_map(|s| s.labels.iter().copied()).chain(together).collect();
        return ctx.finish(all, "claimed", false);
    }

    if let Some(reading) = ctx.alone() {
        return reading;
    }
    if let Some(reading) = ctx.complement() {
        return reading;
    }
    if !multi && let Some(l) = ctx.eliminated() {
        return Reading::Chosen { labels: l.to_string(), how: "eliminated" };
    }
    if let Some(reading) = ctx.label_lines() {
        return reading;
    }
    if let Some(l) = ctx.concluding_predicate() {
        return Reading::Chosen { labels: l.to_string(), how: "concluded" };
    }
    // An answer that hedged ("It could be A, B or C") committed to nothing the
    // weaker readings below could find.
    if hedged {
        return Reading::Undecided;
    }
    let analysed = ctx.analyses_options();
    if let Some(reading) = ctx.closing_label(analysed) {
        return reading;
    }
    if let Some(set) = ctx.concluded_options() {
        return ctx.finish(set, "concluded_text", false);
    }
    // An answer cut off before its conclusion has committed to nothing the
    // weaker readings below could find.
    if cut_off(&text) {
        return Reading::Undecided;
    }
    if let Some(l) = ctx.emphasised_option(answer) {
        return Reading::Chosen { labels: l.to_string(), how: "option_text" };
    }
    if !analysed && let Some(l) = ctx.restated_option() {
        return Reading::Chosen { labels: l.to_string(), how: "option_text" };
    }
    if !multi && let Some(l) = ctx.opening_text() {
        return Reading::Chosen { labels: l.to_string(), how: "option_text" };
    }
    let bracketed: BTreeSet<char> = BRACKETED.captures_iter(&text).filter_map(|c| ctx.label(&c[1])).collect();
    if !bracketed.is_empty() {
        return ctx.finish(bracketed, "bracketed", false);
    }
    Reading::Undecided
}

/// Whether the answer stops before its end: mid-sentence ("…the takers of the
/// future interest are"), or, a long answer (where a length limit cuts),
/// on a line of prose with no closing mark ("…This means exports").
fn cut_off(text: &str) -> bool {
    // Not on one character that ends many words ("行为", "所有", "总共"): an
    // option's text may end so.
    if crate::read::stops_mid_sentence(text) && !text.trim_end().ends_with(['有', '为', '共', '约', '故']) {
        return true;
    }
    let text = text.trim_end();
    let last = text.rsplit('\n').next().unwrap_or("").trim();
    let words = last.split_whitespace().filter(|w| w.chars().filter(|c| c.is_ascii_alphabetic()).count() >= 2).count();
    let han = last.chars().filter(|c| ('\u{4E00}'..='\u{9FFF}').contains(c)).count();
    // A concluding line without a full stop ("所以这首曲子属于浪漫主义时期") ended the answer.
    text.chars().count() >= 400
        && (words >= 8 || han >= 12)
        && last.ends_with(char::is_alphanumeric)
        && CONCLUSION.find(last).is_none_or(|m| m.start() > 0)
}

/// Whether a marker ending at `at` heads a table's column ("| 选项 | 分析 |
/// 结论 |", which the plain text sets apart by runs of spaces): the labels
/// below it are the rows', not what the marker states.
fn table_header(text: &str, at: usize) -> bool {
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    text[at..line_end].trim().is_empty() && text[line_start..line_end].matches("   ").count() >= 2
}

/// A line that opens by ruling labels out ("B、D两项都可以排除", "A and C are
/// wrong"): the labels it names were not chosen.
fn opens_ruling_out(line: &str) -> bool {
    LISTED_RULED_OUT.find(line).is_some_and(|m| line[..m.start()].trim().is_empty())
}

/// True when the clause before `at` makes what follows tentative.
pub(crate) fn tentative(text: &str, at: usize) -> bool {
    let clause_start = text[..at]
        .char_indices()
        .rev()
        .take(24)
        .find(|(_, c)| matches!(c, '.' | '。' | '!' | '！' | '?' | '？' | '\n' | ';' | '；'))
        .map_or_else(
            || text[..at].char_indices().rev().take(24).last().map_or(at, |(i, _)| i),
            |(i, c)| i + c.len_utf8(),
        );
    TENTATIVE.is_match(&text[clause_start..at]) || {
        // A question ("Is the answer B?") commits to nothing.
        let clause_end = text[at..].find(['\n', '。', '!', '？', '?']).map_or(text.len(), |i| at + i);
        text[clause_end..].starts_with(['?', '？']) && clause_end - at < 40
    }
}

struct Context<'a> {
    text: &'a str,
    labels: &'a [char],
    options: &'a [Choice],
    multi: bool,
    /// [`Context::echo_shapes`], worked out once.
    echoes: std::cell::OnceCell<(Vec<String>, Option<char>)>,
}

impl Context<'_> {
    fn label(&self, s: &str) -> Option<char> {
        let c = single_char(s)?.to_ascii_uppercase();
        self.labels.contains(&c).then_some(c)
    }

    /// Statements in order: all must agree, except that one after a
    /// correction replaces what came before.
    fn resolve(&self, statements: &[Statement]) -> Option<Reading> {
        let first = statements.first()?;
        let mut current = first.labels.clone();
        let mut conflict = first.conflict;
        let mut seen: BTreeSet<char> = first.labels.clone();
        let mut how = first.how;
        let mut prev_end = first.end;
        for s in &statements[1..] {
            let between = self.text.get(prev_end.min(s.start)..s.start).unwrap_or("");
            if s.labels != current || s.conflict {
                if CORRECTION.is_match(between) {
                    current = s.labels.clone();
                    seen = s.labels.clone();
                    conflict = s.conflict;
                    how = s.how;
                } else {
                    conflict = true;
                    seen.extend(s.labels.iter().copied());
                }
            }
            prev_end = prev_end.max(s.end);
        }
        if conflict {
            return Some(Reading::Ambiguous(seen.iter().map(|c| c.to_string()).collect()));
        }
        Some(self.finish(current, how, false))
    }

    fn finish(&self, set: BTreeSet<char>, how: &'static str, conflict: bool) -> Reading {
        if conflict || (set.len() > 1 && !self.multi) {
            return Reading::Ambiguous(set.iter().map(|c| c.to_string()).collect());
        }
        match set.len() {
            0 => Reading::Undecided,
            _ => Reading::Chosen { labels: set.into_iter().collect(), how },
        }
    }

    /// The one option left when the answer rules out every other, line by
    /// line ("- A 项…✘", "C: incorrect") and says it is leaving one ("排除以上三项后，只剩下…").
    fn eliminated(&self) -> Option<char> {
        if !ELIMINATION.is_match(self.text) {
            return None;
        }
        let mut ruled_out: BTreeSet<char> = self
            .text
            .lines()
            .filter(|l| RULED_OUT.is_match(l))
            .filter_map(|l| self.line_shape(l.trim_start_matches(['-', '*', ' ']).trim_start()).map(|(c, _)| c))
            .collect();
        ruled_out.extend(self.listed_labels(&LISTED_RULED_OUT));
        let left: Vec<char> = self.labels.iter().copied().filter(|l| !ruled_out.contains(l)).collect();
        (left.len() == 1 && ruled_out.len() + 1 == self.labels.len()).then(|| left[0])
    }

    /// Every explicit commitment the answer makes, in any order, and whether
    /// a marker was hedged ("It might be C").
    fn statements(&self) -> (Vec<Statement>, bool) {
        let mut statements: Vec<Statement> = Vec::new();
        let mut hedged = false;
        for m in STATED.find_iter(self.text) {
            if tentative(self.text, m.start()) {
                hedged = true;
                continue;
            }
            if table_header(self.text, m.end()) {
                continue;
            }
            if let Some((set, conflict)) = self.labels_after(m.end(), m.as_str().contains(BOXED)) {
                let how = if m.as_str().contains(BOXED) { "boxed" } else { "stated" };
                statements.push(Statement { start: m.start(), end: m.end(), labels: set, conflict, how });
            }
        }
        // A label stated as the answer ("B is correct"), or named last after a
        // dash or an arrow ("… — option B."): one label each.
        for (pattern, may_hedge) in [(&*LABEL_STATED, false), (&*TRAILING_LABEL, true)] {
            for c in pattern.captures_iter(self.text) {
                let m = c.get(1).expect("group");
                if let Some(l) = self.label(m.as_str())
                    && !(may_hedge && tentative(self.text, m.start()))
                    && !(may_hedge && letter_sequence(&self.text[..c.get(0).expect("match").start()]))
                {
                    // "Either B or D is correct", "B或D正确": both offered, neither chosen.
                    let before = &self.text[..m.start()];
                    let other = EITHER_OR.captures(before).and_then(|e| self.label(&e[1]));
                    statements.push(Statement::stated(m.range(), [l].into_iter().chain(other).collect()));
                }
            }
        }
        for c in ORDINAL_STATED.captures_iter(self.text) {
            let g = c.get(1).or(c.get(2)).expect("one group matches");
            if let Some((l, _)) = self.ordinal(g.as_str())
                && !tentative(self.text, g.start())
            {
                statements.push(Statement::stated(g.range(), [l].into()));
            }
        }
        if self.multi {
            for c in LABELS_AFTER_COLON.captures_iter(self.text) {
                let m = c.get(1).expect("group");
                // "The wrong ones are A and C": labels ruled out, not chosen.
                let line_start = self.text[..m.start()].rfind('\n').map_or(0, |i| i + 1);
                if let Some((set, _, after)) = self.parse_labels(m.as_str())
                    && set.len() > 1
                    && after.trim().is_empty()
                    && !tentative(self.text, m.start())
                    && !RULED_OUT.is_match(&self.text[line_start..m.start()])
                {
                    statements.push(Statement::stated(m.range(), set));
                }
            }
            // Only on the last line: earlier ones list categories ("可变类型：list、dict").
            let last_line = self.text.trim_end().rfind('\n').map_or(0, |i| i + 1);
            for c in TEXTS_AFTER_COLON.captures_iter(&self.text[last_line..]) {
                let m = c.get(1).expect("group");
                let at = last_line + m.start();
                if let Some(set) = self.options_listed(m.as_str())
                    && !tentative(self.text, at)
                    && !RULED_OUT.is_match(&self.text[last_line..at])
                {
                    statements.push(Statement::stated(at..last_line + m.end(), set));
                }
            }
            if let Some(list) = self.introduced_list() {
                // "正确的有：" then "A. …" read by the marker is the list's first item.
                statements.retain(|s| !((list.start..list.end).contains(&s.start) && s.labels.is_subset(&list.labels)));
                statements.push(list);
            }
        }
        if let Some(s) = self.opening_sentence() {
            statements.push(s);
        }
        // An answer that opens with a label line ("A. 30") commits to it, unless
        // other lines open with labels the same way (the options echoed).
        if let Some((at, l)) = self.opening_label() {
            let (labels, conflict) = match l {
                Some(l) => ([l].into(), false),
                None => (BTreeSet::new(), true),
            };
            statements.push(Statement { start: at, end: at + 1, labels, conflict, how: "leading_label" });
        }
        (statements, hedged)
    }

    /// The labels every match of `pattern` lists in its first matching group
    /// (only labels this question has).
    fn listed_labels(&self, pattern: &regex::Regex) -> BTreeSet<char> {
        pattern
            .captures_iter(self.text)
            .filter(|c| !tentative(self.text, c.get(0).map_or(0, |m| m.start())))
            .filter_map(|c| c.get(1).or(c.get(2)))
            .flat_map(|g| g.as_str().chars().filter(char::is_ascii_alphabetic).collect::<Vec<_>>())
            .filter_map(|c| self.label(&c.to_string()))
            .collect()
    }

    /// The label a last line ends on as its subject's predicate, unless the
    /// line is tentative ("…might be C").
    fn concluding_predicate(&self) -> Option<char> {
        let trimmed = self.text.trim_end();
        let start = trimmed.rfind('\n').map_or(0, |i| i + 1);
        // Options that are letters themselves: "…is D" may name a text, not a label.
        if self.options.iter().any(|o| single_char(&o.text).is_some_and(|c| c.is_ascii_alphabetic())) {
            return None;
        }
        let bare = self.without_own_texts(&trimmed[start..]);
        let c = CONCLUDING_PREDICATE.captures(&bare)?;
        let m = c.get(1)?;
        if tentative(&bare, m.start()) || tentative(self.text, trimmed.len()) {
            return None;
        }
        let l = m.as_str();
        // A lowercase letter only where the options are lowercase ("is a." is an article).
        (l.chars().all(|c| c.is_ascii_uppercase()) || self.options.iter().any(|o| o.label == l))
            .then(|| self.label(l))
            .flatten()
    }

    /// A multiple-answer question answered by its complement ("本题除C以外的
    /// 选项都正确", "All options except B are correct").
    fn complement(&self) -> Option<Reading> {
        if !self.multi {
            return None;
        }
        let excluded = self.listed_labels(&COMPLEMENT_CLAIMED);
        if excluded.is_empty() {
            return None;
        }
        let set: BTreeSet<char> = self.labels.iter().copied().filter(|l| !excluded.contains(l)).collect();
        Some(self.finish(set, "complement", false))
    }

    /// A first sentence that is nothing but an answer: labels ("Option two.",
    /// "All except B."), or one option's text ("Incorrect — …", "Mitochondria.").
    fn opening_sentence(&self) -> Option<Statement> {
        let start = opening(self.text);
        let rest = &self.text[start..];
        let end = rest.find(['\n', '。', '!', '?', '—', ':']).unwrap_or(rest.len());
        let end = rest[..end].find(". ").map_or(end, |i| i + 1);
        let sentence = rest[..end].trim().trim_end_matches(['.', ',', ';']);
        // "1. HCl is a strong acid…": a list's numbering, not an option whose text is "1".
        let numbering = rest[..end].trim_end().ends_with('.')
            && !sentence.is_empty()
            && sentence.chars().all(|c| c.is_ascii_digit())
            && !rest[end..].split('\n').next().unwrap_or("").trim().is_empty();
        if numbering {
            return None;
        }
        // A first line opening with a label is read by `opening_label`, which knows echoes.
        if sentence.is_empty() || sentence.chars().count() > 40 || self.line_shape(rest).is_some() {
            return None;
        }
        let at = |labels: BTreeSet<char>, how| Statement { start, end: start + end, labels, conflict: false, how };
        if let Some(m) = ALL_EXCEPT.find(sentence)
            && let Some((excluded, _, after)) = self.parse_labels(&sentence[m.end()..])
            && after.trim().is_empty()
        {
            return Some(at(self.labels.iter().copied().filter(|l| !excluded.contains(l)).collect(), "alone"));
        }
        for candidate in [sentence, skip_filler(sentence)] {
            let Some((set, _, after)) = self.parse_labels(candidate) else { continue };
            if after.trim().is_empty() {
                return Some(at(set, "alone"));
            }
            if let Some(both) = self.offered_beside(&set, after) {
                return Some(Statement { conflict: true, ..at(both, "alone") });
            }
        }
        let l = self.option_named(sentence, true)?;
        Some(at([l].into(), "option_text"))
    }

    /// An answer that is nothing but a label (or labels), maybe with the option's text.
    fn alone(&self) -> Option<Reading> {
        let t = self.text.trim().trim_end_matches(['.', '。', '!', '！']);
        let first_line = t.lines().next()?;
        if t.lines().filter(|l| !l.trim().is_empty()).count() > 1 {
            return None;
        }
        if opens_ruling_out(first_line) {
            return None;
        }
        let (set, _, after) = self.parse_labels(skip_filler(first_line))?;
        let tail = after.trim_start_matches(['.', ')', ']', '】', '、', ':', ' ', '-']);
        if !tail.is_empty() && set.len() == 1 {
            let l = *set.iter().next().expect("one");
            match self.option_named(first_clause(tail), false) {
                Some(o) if o == l => {}
                Some(_) => return Some(Reading::Ambiguous(vec![l.to_string()])),
                None if tail.chars().count() > 80 => return None,
                None => {}
            }
        }
        Some(self.finish(set, "alone", false))
    }

    /// Lines that are nothing but labels ("**A, C, and D**", "B"), all agreeing.
    fn label_lines(&self) -> Option<Reading> {
        let (echo_shapes, _) = self.echo_shapes();
        // In an echo of the options, the label after the last one opened
        // ("…C. …\nD") goes on with the echo.
        let next_label = |l: Option<char>| {
            l.and_then(|e| self.labels.iter().position(|x| *x == e)).and_then(|i| self.labels.get(i + 1)).copied()
        };
        let mut last_opened: Option<char> = None;
        let mut found: Vec<BTreeSet<char>> = Vec::new();
        for line in self.text.lines() {
            let opened = self.line_shape(line).map(|(l, _)| l);
            let echo_goes_on_with = if echo_shapes.is_empty() { None } else { next_label(last_opened) };
            let continues_echo = |l: char| echo_goes_on_with == Some(l);
            if opened.is_some() {
                last_opened = opened;
            }
            let l = line.trim().trim_start_matches("- ").trim_end_matches(['.', '。', '!', '！']);
            if l.is_empty() || l.chars().count() > 24 {
                continue;
            }
            if let Some(m) = ALL_EXCEPT.find(l)
                && let Some((excluded, _, after)) = self.parse_labels(&l[m.end()..])
                && after.trim().is_empty()
            {
                found.push(self.labels.iter().copied().filter(|x| !excluded.contains(x)).collect());
                continue;
            }
            // A label with its own option's text ("B) 60") is a label line too.
            let own_text = |set: &BTreeSet<char>, after: &str| {
                let tail = after.trim_start_matches(['.', ')', ']', '】', '、', ':', ' ']);
                set.len() == 1 && self.text_names(tail) == set.iter().next().copied()
            };
            if let Some((set, _, after)) = self.parse_labels(l)
                && (after.trim().is_empty() || own_text(&set, after))
            {
                // One label in the echo's own shape, or the one the echo would
                // go on with, is the echo cut off, not an answer.
                let first = *set.iter().next().expect("non-empty");
                let in_echo = self.line_shape(line).is_some_and(|(_, shape)| echo_shapes.contains(&shape));
                if set.len() == 1 && (in_echo || continues_echo(first)) {
                    continue;
                }
                found.push(set);
            }
        }
        let first = found.first()?;
        if found.iter().all(|s| s == first) {
            return Some(self.finish(first.clone(), "label_line", false));
        }
        let all: BTreeSet<char> = found.into_iter().flatten().collect();
        Some(Reading::Ambiguous(all.iter().map(|c| c.to_string()).collect()))
    }

    /// Whether lines open with three or more different labels: the options
    /// restated or analysed one by one.
    fn analyses_options(&self) -> bool {
        let distinct: BTreeSet<char> =
            LINE_LEADING.captures_iter(self.text).filter_map(|c| self.label(&c[1])).collect();
        distinct.len() >= 3 || !self.echo_shapes().0.is_empty() || self.restates_options()
    }

    /// Whether the answer restates the text of three or more options.
    fn restates_options(&self) -> bool {
        let answer = squash(self.text);
        let lower = stemmed(self.text);
        let restated = self
            .options
            .iter()
            .filter(|o| {
                let t = squash(&o.text);
                !t.is_empty()
                    && if o.text.is_ascii() {
                        contains_words(&lower, &stemmed(o.text.trim()))
                    } else {
                        answer.contains(&t)
                    }
            })
            .count();
        restated >= 3
    }

    /// The label a line opens with, and the shape of the opening: what
    /// stands before the label and the mark after it ("." for "A. …", "-" for "- A …").
    fn line_shape(&self, line: &str) -> Option<(char, String)> {
        let c = LINE_LEADING.captures(line)?;
        let (g, m) = (c.get(1)?, c.get(0)?);
        let l = self.label(g.as_str())?;
        let before: String = line[..g.start()].chars().filter(|c| !c.is_whitespace()).collect();
        // A label set off by a dash ("D – because …") has a shape of its own,
        // apart from a line that merely starts with the letter ("A is what …").
        let after = &line[m.end()..];
        let dash = if after.trim_start().starts_with(['—', '–']) || after.starts_with("- ") { "—" } else { "" };
        Some((l, format!("{before}{}{dash}", line[g.end()..m.end()].trim())))
    }

    /// The shapes in which two or more different labels open lines ("A. …",
    /// "B. …"): the options restated, listed or analysed; and the label of the
    /// last line in such a shape.
    fn echo_shapes(&self) -> (Vec<String>, Option<char>) {
        self.echoes.get_or_init(|| self.find_echo_shapes()).clone()
    }

    fn find_echo_shapes(&self) -> (Vec<String>, Option<char>) {
        let opened: Vec<(char, String)> = self.text.lines().filter_map(|l| self.line_shape(l)).collect();
        let mut shapes: Vec<String> = Vec::new();
        for (l, shape) in &opened {
            if !shapes.contains(shape) && opened.iter().any(|(other, f)| other != l && f == shape) {
                shapes.push(shape.clone());
            }
        }
        let last = opened.iter().rev().find(|(_, shape)| shapes.contains(shape)).map(|(l, _)| *l);
        (shapes, last)
    }

    /// The label the first line opens with ("B. Here's why A, C and D fail:",
    /// "A. 30"), unless other lines open with other labels in the same shape;
    /// `None` in the label's place when the line contradicts itself (its text
    /// is another option's, or a repetition loop).
    fn opening_label(&self) -> Option<(usize, Option<char>)> {
        let first_start = opening(self.text);
        let first = self.text[first_start..].lines().next()?;
        // "✅ A. …" then "❌ B. …": the options marked one by one, which the claims read.
        let marked = first_start > self.text.len() - self.text.trim_start().len();
        if marked
            && self.text.lines().skip(1).any(|l| l.trim_start().starts_with(['✅', '❌', '✔', '✗', '✘', '☑', '×']))
        {
            return None;
        }
        let (label, shape) = self.line_shape(first)?;
        if opens_ruling_out(first) {
            return None;
        }
        // "A、C、D。": a list of labels, which `opening_sentence` reads whole;
        // "A、D 都正确。": labels claimed right together, read as a claim.
        if let Some((set, _, after)) = self.parse_labels(first.trim_start())
            && set.len() > 1
            && (after.trim().trim_end_matches(['.', '。', '!', '！']).is_empty()
                || CLAIMED_TOGETHER.is_match(first.trim_start()))
        {
            return None;
        }
        // "A sorting algorithm…", "A = modus ponens": an article or an equation, not a label.
        // "B — O(n²).": a label set off by a dash is marked as well.
        let body = without_option_word(first.trim_start());
        let after_label = body.trim_start_matches(['-', ' ', '(', '[', '【']).get(1..).unwrap_or("");
        let dashed = after_label.trim_start().starts_with(['—', '–']) || after_label.starts_with(" - ");
        let marked = dashed
            || shape.contains(['.', '、', ')', ']', '】', ':', '(', '[', '【'])
            || first.trim().chars().count() <= 3;
        if !marked || self.echo_shapes().0.contains(&shape) {
            return None;
        }
        let tail = body.trim_start_matches(['-', ' ', '(', '[', '【']);
        let tail = tail.get(1..).unwrap_or("").trim_start_matches(['.', ')', ']', '】', '、', ':', ' ']);
        let contradicted = degenerate(tail) || self.text_names(tail).is_some_and(|o| o != label);
        Some((first_start, (!contradicted).then_some(label)))
    }

    /// A last line that is a label alone ("…\n\nB"), outside an analysis of the options.
    fn closing_label(&self, analysed: bool) -> Option<Reading> {
        if analysed {
            return None;
        }
        let last = self.text.lines().rev().find(|l| !l.trim().is_empty())?;
        let c = LINE_LEADING.captures(last)?;
        let l = self.label(&c[1])?;
        (last.trim().chars().count() <= 4).then(|| Reading::Chosen { labels: l.to_string(), how: "leading_label" })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> Vec<Choice> {
        ["税收法定原则", "税收公平原则源于法律上的平等性原则", "税收效率原则", "税务机关可以自由做出减征决定"]
            .iter()
            .zip(["A", "B", "C", "D"])
            .map(|(t, l)| Choice { label: l.into(), text: t.to_string() })
            .collect()
    }

    fn options(texts: &[&str]) -> Vec<Choice> {
        texts
            .iter()
            .zip(["A", "B", "C", "D", "E", "F"])
            .map(|(t, l)| Choice { label: l.into(), text: t.to_string() })
            .collect()
    }

    #[test]
    fn extracts_from_real_phrasings() {
        let table: &[(&str, &str)] = &[
            ("答案是B", "B"),
            ("答案是：B", "B"),
            ("正确答案：B", "B"),
            ("正确答案为 (B)", "B"),
            ("选 B", "B"),
            ("应选B项。", "B"),
            ("B. 税收公平原则源于法律上的平等性原则", "B"),
            ("(B)", "B"),
            ("（Ｂ）", "B"),
            ("B", "B"),
            ("B、", "B"),
            ("The answer is B.", "B"),
            ("The correct answer is (B) because of equality.", "B"),
            ("Answer: B", "B"),
            ("answer: B", "B"),
            ("根据税法原理，A选项错误，C选项不全面，因此答案是B。", "B"),
            ("首先分析A项……再看D项，D项说法不正确。故选D", "D"),
            ("B选项正确，其余错误。", "B"),
            ("B is correct.", "B"),
            ("税收公平原则源于法律上的平等性原则", "B"),
            ("我认为是“税收公平原则源于法律上的平等性原则”这一项。", "B"),
            ("<think>A看起来对，但是</think>\n答案：C", "C"),
            ("最终答案：\n\nD", "D"),
            ("**答案：A**", "A"),
            ("答案：**D**", "D"),
            ("$\\boxed{C}$", "C"),
            ("答：A", "A"),
            ("正确的是C项。", "C"),
            ("【答案】B\n【解析】A项错误，C项错误，D项表述片面。", "B"),
            ("Answer: Option B", "B"),
            ("I'd go with C.", "C"),
            ("the answer is a", "A"),
            ("**B**", "B"),
            ("答案是等等，我重新看一下。", "none"),
            ("The answer is A. Wait, re-reading the question, the answer is C.", "C"),
        ];
        for (answer, want) in table {
            let got = extract(answer, &opts()).unwrap_or_else(|| "none".into());
            assert_eq!(got, *want, "{answer:?}");
        }
    }

    /// An option named by its text in a concluding sentence, in any number
    /// and by a part of it in Chinese; a letter or a number the answer ends
    /// on; the options a conclusion negates set aside.
    #[test]
    fn an_answer_given_first_by_its_text() {
        let poets = options(&["苏轼", "李白", "辛弃疾", "陆游"]);
        let first = "李白是唐代著名浪漫主义诗人，被誉为“诗仙”。苏轼、辛弃疾、陆游均为宋代文学家。";
        assert_eq!(read(first, &poets, false), Reading::Chosen { labels: "B".into(), how: "option_text" });
        // Two named first, or the one named negated: no answer given first.
        assert_eq!(read("李白和苏轼都很有名。辛弃疾是宋代的。", &poets, false), Reading::Undecided);
        assert_eq!(read("不是苏轼。辛弃疾、陆游是宋代的。", &poets, false), Reading::Undecided);
        let organs = options(&["Kidney", "Nucleus", "Liver", "Cytoplasm"]);
        let site = "It happens in the nucleus. The cytoplasm and the liver have nothing to do with it.";
        assert_eq!(read(site, &organs, false), Reading::Chosen { labels: "B".into(), how: "option_text" });
    }

    #[test]
    fn options_named_by_their_text_in_a_conclusion() {
        let structures = options(&["Stack", "Queue", "Binary heap", "Hash table"]);
        let short = "* **Stack:** LIFO, depth-first.\n* **Queue:** FIFO, what BFS needs.\n\n**In short, BFS is implemented with a queue.**";
        assert_eq!(read(short, &structures, false), Reading::Chosen { labels: "B".into(), how: "concluded_text" });
        // A "Conclusion:" heading concludes as "So" does; so does "结论：".
        let headed = "- **Stack:** LIFO.\n- **Queue:** FIFO.\n\n**Conclusion:** BFS is implemented with a queue.";
        assert_eq!(read(headed, &structures, false), Reading::Chosen { labels: "B".into(), how: "concluded_text" });
        let headed = "- 栈：后进先出。\n- 队列：先进先出。\n\n**结论：** 广度优先搜索用的是队列。";
        let zh = options(&["栈", "队列", "二叉堆", "哈希表"]);
        assert_eq!(read(headed, &zh, false), Reading::Chosen { labels: "B".into(), how: "concluded_text" });
        let bugs = options(&["Staphylococcus aureus", "Streptococcus pneumoniae", "Mycoplasma pneumoniae"]);
        let own = "- **A. Staphylococcus aureus** — necrotizing.\n- **B. Streptococcus pneumoniae** — the most common.\n\n\
                   Because it leads, the most likely organism is **B. Streptococcus pneumoniae**.";
        assert_eq!(read(own, &bugs, false), Reading::Chosen { labels: "B".into(), how: "concluded" });
        let organs = options(&["Kidney", "Nucleus", "Liver", "Cytoplasm"]);
        for (answer, want) in [
            ("Replication happens where the chromosomes are.\n\nTherefore the enzyme works in the nuclei.", "B"),
            ("Bile is made by hepatocytes and stored in the gallbladder.\n\nSo it is the liver, not the kidney.", "C"),
            ("Kidneys filter blood; the cytoplasm holds organelles. The answer is nuclei.", "B"),
            ("It might be the liver, or perhaps the kidney.", "none"),
        ] {
            let got = extract(answer, &organs).unwrap_or_else(|| "none".into());
            assert_eq!(got, want, "{answer:?}");
        }
        let places = options(&["北京市海淀区", "上海市浦东新区", "广州市天河区", "深圳市南山区"]);
        assert_eq!(extract("该馆位于上海。\n\n所以，答案是浦东新区。", &places).as_deref(), Some("B"));
        let numbers = options(&["9", "12", "15", "18"]);
        assert_eq!(extract("每次加3：3, 6, 9, 下一个是12。\n\n所以括号里应填 12。", &numbers).as_deref(), Some("B"));
        assert_eq!(extract("0.3 × 60 = 18\n\n**18**", &numbers).as_deref(), Some("D"));
        let amounts = options(&["$1,200", "$1,500", "$2,400", "$3,000"]);
        assert_eq!(
            extract("(15,000 − 3,000) ÷ 8 = 1,500\n\nThe yearly depreciation is $1,500.", &amounts).as_deref(),
            Some("B")
        );
        let letters = options(&["K", "M", "N", "P"]);
        assert_eq!(
            extract("The steps grow by one each time: +1, +2, +3.\n\nThe next letter is N.", &letters).as_deref(),
            Some("C")
        );
    }

    #[test]
    fn statements_of_one_option_against_others() {
        for (answer, want) in [
            ("| 选项 | 判断 | 结论 |\n|---|---|---|\n| A | 说法片面 | ✗ |\n| B | 符合原理 | ✓ |\n\n所以选B。", "B"),
            ("5 × 12 = 60, halved is 30.\n\n**B) 税收公平原则源于法律上的平等性原则**", "B"),
            ("Only the second principle fits the facts.\n\nB it is.", "B"),
            ("平等原则是税收公平的基础。\n\n正确答案：Ⓑ", "B"),
            ("本题选〔B〕。", "B"),
            ("选 <D>。\n\n其余各项表述片面。", "D"),
            ("<reasoning>A is too narrow.</reasoning>\n<answer>C</answer>", "C"),
            ("```yaml\nchoice: B\nwhy: equality before the law\n```", "B"),
            ("The answer is option number 3, efficiency.", "C"),
            ("✅ A\n\n解析：税收法定是首要原则。", "A"),
            ("Neither A nor D works here; the correct one is C.", "C"),
            ("This is the principle of legality, which is option A. Option C (efficiency) is different.", "A"),
            ("分析如上，本题不是A，而是D。", "D"),
            ("The answer is not B but C.", "C"),
            ("答案：A\n\n解析：该法自施行以来经过三次修正。\n\n因此，本题选C。", "ambiguous"),
        ] {
            let got = match read(answer, &opts(), false) {
                Reading::Chosen { labels, .. } => labels,
                Reading::Ambiguous(_) => "ambiguous".into(),
                Reading::Undecided => "none".into(),
            };
            assert_eq!(got, want, "{answer:?}");
        }
    }

    #[test]
    fn no_committed_option_is_not_a_guess() {
        for answer in ["我不确定。", "I cannot answer that.", "", "答案是E", "The answer is a bit subtle."] {
            assert_eq!(read(answer, &opts(), false), Reading::Undecided, "{answer:?}");
        }
        for answer in ["Both (A) and (C) look plausible.", "答案是A。\n……\n答案是C。", "The answer is either B or D."]
        {
            assert!(matches!(read(answer, &opts(), false), Reading::Ambiguous(_)), "{answer:?}");
        }
        // Saying no one option is correct, then discussing them, commits to none (choice 10).
        let four = options(&["Aspirin", "Ibuprofen", "Paracetamol", "Naproxen"]);
        for answer in [
            "There's no single best option here: guidelines accept **Ibuprofen** and **Naproxen** alike, and **Paracetamol** when NSAIDs are contraindicated.",
            "这道题没有唯一正确的选项：按不同指南，**布洛芬**和**萘普生**都可以，具体要看患者情况。",
            "The usual first choice would be acetaminophen, but none of the listed options matches it exactly.\n\nAnswer: none of the above",
        ] {
            assert_eq!(read(answer, &four, false), Reading::Undecided, "{answer:?}");
        }
        // Unless it goes on to choose all the same.
        for answer in [
            "There's no single right answer in real life.\n\nFor an exam, though, the expected choice is **C. Paracetamol**, the safest first step.",
            "这类题没有唯一正确的答案，不过按教材的表述，**B. Ibuprofen** 最符合题意。",
        ] {
            assert!(matches!(read(answer, &four, false), Reading::Chosen { .. }), "{answer:?}");
        }
    }

    #[test]
    fn options_that_are_letters_or_numbers() {
        let numbers = options(&["2", "4", "6", "8"]);
        assert_eq!(extract("The answer is 4.", &numbers).as_deref(), Some("B"));
        assert_eq!(extract("答案是 (B) 4", &numbers).as_deref(), Some("B"));
        let letters = options(&["B", "C", "D", "E"]);
        assert_eq!(extract("The answer is (C).", &letters).as_deref(), Some("C"));
        assert!(matches!(read("The answer is C", &letters, false), Reading::Ambiguous(_)));
        // Named as an option, the letter is the label whatever the options' texts.
        assert_eq!(extract("十进制12是十六进制的“C”，即选项B。", &letters).as_deref(), Some("B"));
        assert_eq!(extract("Vitamin D is made in the skin. That's option C.", &letters).as_deref(), Some("C"));
        // A numbered list's "1." is no option whose text is "1"; a fence's language tag no label.
        let ph = options(&["1", "2", "7", "12"]);
        assert_eq!(extract("1. HCl dissociates completely.\n2. pH = 2.\n\nAnswer: B", &ph).as_deref(), Some("B"));
        assert_eq!(extract("The hex digit for 13 is D, so the answer is Option C.", &letters).as_deref(), Some("C"));
        assert_eq!(extract("对应的字母是“E”，应选选项D。", &letters).as_deref(), Some("D"));
        assert_eq!(extract("2. Compute the pH: 2.\n\nFinal answer: B", &ph).as_deref(), Some("B"));
        let py = "```python\nprint(7 // 2 * 2)\n```\n\nOutput is 6.\n\nAnswer: B";
        assert_eq!(extract(py, &options(&["7", "6", "7.0", "8"])).as_deref(), Some("B"));
        let code = "```c\nint x = 7 / 2 * 2;\n```\n\n整数除法得 3，再乘 2 得 6。\n\n正解：B";
        assert_eq!(extract(code, &options(&["7", "6", "7.0", "8"])).as_deref(), Some("B"));
        // Amounts ended on with a unit or after "was"; a figure in the working's first line is no answer.
        let amounts = options(&["192", "200", "196", "188"]);
        let worked = "提价20%后：200 × 1.2 = 240（元）\n再降价20%：240 × 0.8 = 192（元）\n所以现价为192元。";
        assert_eq!(extract(worked, &amounts).as_deref(), Some("A"));
        assert_eq!(extract("原价200元，先提价再降价，现价会比原价低。", &amounts), None);
        let dollars = options(&["$48", "$50", "$52", "$60"]);
        assert_eq!(extract("40 ÷ 0.8 = 48\n\nThe original price was $48.", &dollars).as_deref(), Some("A"));
        // An amount compared with is not the one ended on; a bare list of figures commits to none.
        assert_eq!(
            extract("Answer: A\n\nSo the price is $48, less than the $50 it was listed at.", &dollars).as_deref(),
            Some("A")
        );
        assert_eq!(extract("1. 170\n2. 197\n3. 224\n4. 226", &options(&["170", "197", "224", "226"])), None);
    }

    /// Labels listed after an arrow, options listed by their texts, and two
    /// labels offered as alternatives.
    #[test]
    fn lists_and_alternatives() {
        let primes = options(&["2", "9", "11", "15", "17"]);
        let arrow = "- 2 → prime\n- 9 → not prime\n- 11 → prime\n\nThe primes are **2, 11, and 17** → **A, C, E**.";
        assert_eq!(read(arrow, &primes, true), Reading::Chosen { labels: "ACE".into(), how: "stated" });
        let types = options(&["list", "tuple", "str", "dict", "frozenset"]);
        let texts = "`list` and `dict` are mutable.\n\nSo the answer is: **tuple, str, frozenset**.";
        assert!(matches!(read(texts, &types, true), Reading::Chosen { labels, .. } if labels == "BCE"));
        let words = options(&["refuted", "corroborated", "undermined", "confirmed"]);
        let either = "Both fit the sentence equally well. Either B or D is correct.";
        assert_eq!(read(either, &words, false), Reading::Ambiguous(vec!["B".into(), "D".into()]));
        assert!(matches!(read("B或D都说得通，B或D正确。", &words, false), Reading::Ambiguous(_)));
        let jurists = options(&["John Austin", "H.L.A. Hart", "Ronald Dworkin", "Hans Kelsen"]);
        assert_eq!(
            extract("Austin spoke of commands.\n\nSo the answer is H.L.A. Hart.", &jurists).as_deref(),
            Some("B")
        );
    }

    /// An answer cut off before its conclusion, one that asks which
    /// convention applies, and a closing conclusion by text against the
    /// stated answer commit to no single option.
    #[test]
    fn cut_off_asking_back_and_contradicted() {
        let eras = options(&["Baroque", "Classical", "Romantic", "Modern"]);
        let long = "Let's go through each era in turn and look at how composers treated form and harmony.\n\n"
            .repeat(4)
            + "**Classical (c. 1750–1820)**\nComposers such as Haydn and Mozart favoured balanced phrases, and the sonata form";
        assert_eq!(read(&long, &eras, false), Reading::Undecided);
        let asks = "Under one convention the answer is the Romantic era, under another the Modern one. Could you tell me which textbook your course uses?";
        assert_eq!(read(asks, &eras, false), Reading::Undecided);
        let asks = "It is the Romantic era in most books. Can you let me know which syllabus you follow?";
        assert_eq!(read(asks, &eras, false), Reading::Undecided);
        // A long answer's concluding line without a full stop is no cut.
        let concluded = "Let's go through each era in turn and look at how composers treated form and harmony.\n\n"
            .repeat(5)
            + "Therefore the piece belongs to the Romantic era";
        assert_eq!(extract(&concluded, &eras).as_deref(), Some("C"));
        // An option's text that ends on a character many words end on ("行为") is no cut.
        let acts = options(&["可撤销的行政行为", "无效的行政行为", "合法的行政行为", "违法但有效的行政行为"]);
        assert_eq!(extract("可撤销的行政行为", &acts).as_deref(), Some("A"));
        assert_eq!(extract("该处罚属于**可撤销的行政行为**", &acts).as_deref(), Some("A"));
        let years = options(&["1905年", "1911年", "1912年", "1919年"]);
        let against = "答案：C\n\n武昌起义发生在1911年10月10日，次年中华民国成立。\n\n所以，辛亥革命爆发于1911年。";
        assert!(matches!(read(against, &years, false), Reading::Ambiguous(_)));
        let agreeing = "答案：B\n\n武昌起义发生在1911年10月10日。\n\n所以，辛亥革命爆发于1911年。";
        assert_eq!(extract(agreeing, &years).as_deref(), Some("B"));
    }

    /// Answers that commit by ruling out, by the complement, or by a last
    /// line whose predicate is a label.
    #[test]
    fn elimination_complement_and_concluding_predicates() {
        let o = opts();
        let ruled = "B、D两项都可以排除，A也不对，剩下的只有一个，就选它。";
        assert_eq!(read(ruled, &o, false), Reading::Chosen { labels: "C".into(), how: "eliminated" });
        let ruled = "We can rule out A, C and D straight away, which leaves one option.";
        assert_eq!(read(ruled, &o, false), Reading::Chosen { labels: "B".into(), how: "eliminated" });
        let complement = "逐项看过，本题除B以外的选项都正确。";
        assert_eq!(read(complement, &o, true), Reading::Chosen { labels: "ACD".into(), how: "complement" });
        let complement = "Having checked each one: all of the options except D are correct.";
        assert_eq!(read(complement, &o, true), Reading::Chosen { labels: "ABC".into(), how: "complement" });
        let listed = "Checking each policy in turn.\n\n**Answer: (A), (B) and (D)**";
        assert_eq!(read(listed, &o, true), Reading::Chosen { labels: "ABD".into(), how: "stated" });
        let concluded =
            "| Option | Verdict |\n|---|---|\n| A | yes |\n| C | no |\n\nThe one that does not fit is **C**.";
        assert_eq!(read(concluded, &o, false), Reading::Chosen { labels: "C".into(), how: "concluded" });
        assert_eq!(read("比较之后，最可能的也许是 C", &o, false), Reading::Undecided);
        let letters = options(&["B", "C", "D", "E"]);
        assert_ne!(extract("Counting on from C, the next letter is D.", &letters).as_deref(), Some("D"));
        // A label set off by a dash, then a remark naming another option.
        let dashed = "C — the mitochondria.\n\nOption A, the nucleus, is a common distractor.";
        assert_eq!(read(dashed, &o, false), Reading::Chosen { labels: "C".into(), how: "leading_label" });
        // Multiple answers: a first line that lists them, or a list after a colon.
        let chosen = |answer: &str| match read(answer, &o, true) {
            Reading::Chosen { labels, .. } => labels,
            other => format!("{other:?}"),
        };
        assert_eq!(chosen("A、B、D。\nC项错误，理由如下。"), "ABD");
        assert_eq!(chosen("Of the four, the lawful ones: ACD. B is not."), "ACD");
    }

    /// Two answers offered side by side, or several claimed right on a
    /// one-answer question, commit to none of them.
    #[test]
    fn answers_offered_together_are_ambiguous() {
        let o = options(&["a", "b", "c", "d"]);
        for answer in [
            "So the answer is ABC or ABCD, depending on how your course defines it.",
            "综上，答案为AB或ABD。",
            "答案：ABC（若按宽泛理解，也可以选 ABCD）。",
        ] {
            assert!(matches!(read(answer, &o, true), Reading::Ambiguous(_)), "{answer:?}");
        }
        let single = "The SI unit is the pascal. So both **A** and **D** are correct, since 1 Pa = 1 N/m². Bar is not.";
        assert_eq!(read(single, &o, false), Reading::Ambiguous(vec!["A".into(), "D".into()]));
        let also =
            "The correct answer is A) China.\n\nHowever, India surpassed China in 2023, so B) India is also correct.";
        assert_eq!(
            read(also, &options(&["China", "India", "USA", "Indonesia"]), false),
            Reading::Ambiguous(vec!["A".into(), "B".into()])
        );
        assert_eq!(
            read("Looking at each: A and C are both correct.", &o, true),
            Reading::Chosen { labels: "AC".into(), how: "claimed" }
        );
        let texts = options(&["w", "x", "y", "z"]);
        assert_eq!(read("A、D 都正确。", &texts, true), Reading::Chosen { labels: "AD".into(), how: "claimed" });
        assert!(matches!(read("A、D 都正确。", &texts, false), Reading::Ambiguous(_)));
        let acceptable = "Answer: B\n\nSince many of these services are now contracted out, D also fits. Both B and D are acceptable answers.";
        assert_eq!(read(acceptable, &o, false), Reading::Ambiguous(vec!["B".into(), "D".into()]));
        // An opening answer and a closing claim of another, uncorrected.
        let ph = options(&["1", "2", "12", "0.01"]);
        let apart = "The correct answer is B) 2.\n\npH = -log(0.01).\n\nIt is very acidic. Therefore, option A) 1 is the correct answer.";
        assert_eq!(read(apart, &ph, false), Reading::Ambiguous(vec!["A".into(), "B".into()]));
        let corrected = "The correct answer is B) 2.\n\nWait, I made a mistake: pH = 2 is right after all… no.\nTherefore, option A) 1 is the correct answer.";
        assert!(matches!(read(corrected, &ph, false), Reading::Chosen { .. }), "{:?}", read(corrected, &ph, false));
        let same = "The correct answer is B) 2.\n\npH = -log(0.01) = 2. Therefore, option B) 2 is the correct answer.";
        assert_eq!(read(same, &ph, false), Reading::Chosen { labels: "B".into(), how: "stated" });
    }

    /// More of each class than the corpus showed: a second answer offered, one
    /// "also" right, several claimed right together, in both languages.
    #[test]
    fn two_answers_in_other_words() {
        let o = options(&["mitochondria", "nucleus", "ribosome", "chloroplast"]);
        for answer in [
            "The answer is C, or possibly D if the question means plant cells.",
            "我选B，不过C也是对的。",
            "Answer: B. Option D would also be correct under the older definition.",
            "Both B and C are right.",
            "A和C都对。",
        ] {
            assert!(matches!(read(answer, &o, false), Reading::Ambiguous(_)), "{answer:?}");
        }
        assert!(matches!(read("ACD (or ABCD if the question counts D)", &o, true), Reading::Ambiguous(_)));
        // "also" of something that is not an option's label changes nothing.
        assert!(matches!(read("The answer is B. The nucleus is also where DNA is stored.", &o, false),
            Reading::Chosen { labels, .. } if labels == "B"));
    }

    /// A marked lowercase label followed by its text's article, a leading
    /// "Option C —", and a number with a run of zeros are read as such.
    #[test]
    fn labels_beside_their_text() {
        let lower = options(&["a surplus of the good", "a shortage of the good", "no change", "more supply"]);
        let lower: Vec<Choice> = lower.into_iter().map(|c| Choice { label: c.label.to_lowercase(), ..c }).collect();
        assert_eq!(
            read(
                "The answer is **b) a shortage of the good**.\n\nPrices below equilibrium create shortages.",
                &lower,
                false
            ),
            Reading::Chosen { labels: "B".into(), how: "stated" }
        );
        let sql = options(&["DELETE", "DROP", "TRUNCATE", "REMOVE"]);
        assert!(
            matches!(read("Option C — `TRUNCATE`.\n\n`DROP` removes the table entirely.", &sql, false), Reading::Chosen { labels, .. } if labels == "C")
        );
        let py = options(&["True", "An error is raised", "False", "None"]);
        let zeros = "**C) False** — 0.1 + 0.2 evaluates to 0.30000000000000004, so the check fails.";
        assert!(matches!(read(zeros, &py, false), Reading::Chosen { labels, .. } if labels == "C"));
    }

    #[test]
    fn multiple_answers_read_as_sets() {
        let o = options(&["a", "b", "c", "d"]);
        for answer in ["答案：ACD", "答案是A、C、D", "The correct answers are A, C and D.", "正确选项为A,C,D"]
        {
            assert_eq!(read(answer, &o, true), Reading::Chosen { labels: "ACD".into(), how: "stated" }, "{answer:?}");
        }
        // Labels after a copula, or listed after a line that introduces them.
        let langs = options(&["Python", "HTML", "Rust", "CSS", "Go"]);
        let chosen = |answer: &str| match read(answer, &langs, true) {
            Reading::Chosen { labels, .. } => labels,
            other => format!("{other:?}"),
        };
        assert_eq!(
            chosen("The programming languages here are A, C, and E.\n\nHTML (B) and CSS (D) are markup and style."),
            "ACE"
        );
        assert_eq!(
            chosen("属于编程语言的有：\n\n- A. Python\n- C. Rust\n- E. Go\n\nHTML 和 CSS 不是编程语言。"),
            "ACE"
        );
        assert_eq!(chosen("The wrong ones are B and D."), "Undecided");
        assert_eq!(chosen("✅ A. Python\n❌ B. HTML\n✅ C. Rust\n❌ D. CSS\n✅ E. Go"), "ACE");
        // Every option listed is the options echoed, not an answer.
        assert_eq!(chosen("The options are:\nA. Python\nB. HTML\nC. Rust\nD. CSS\nE. Go"), "Undecided");
    }

    #[test]
    fn grade_marks_undecided_and_ambiguous() {
        let gold = Gold { answer: "B".into(), options: opts(), ..Gold::default() };
        let g = ChoiceGrader.grade(&Response::text("答案是B"), &gold);
        assert!(g.correct);
        assert_eq!(g.how.as_deref(), Some("stated"));
        let wrong = ChoiceGrader.grade(&Response::text("答案是A"), &gold);
        assert!(!wrong.correct && wrong.note.is_none());
        assert_eq!(ChoiceGrader.grade(&Response::text("不知道"), &gold).note.as_deref(), Some(NOTE_UNDECIDED));
        let amb = ChoiceGrader.grade(&Response::text("答案是B。最终答案：A"), &gold);
        assert!(!amb.correct);
        assert_eq!(amb.note.as_deref(), Some(NOTE_AMBIGUOUS));
    }

    #[test]
    fn two_option_questions_accept_only_a_and_b() {
        let two = options(&["是。", "否。"]);
        assert_eq!(extract("答案：B", &two).as_deref(), Some("B"));
        assert_eq!(extract("答案：C", &two), None);
    }
}
#[cfg(test)]
mod hedges {
    use super::*;

    #[test]
    fn two_options_named_are_not_one_chosen() {
        let o: Vec<Choice> = ["a", "b", "c", "d"]
            .iter()
            .zip(["A", "B", "C", "D"])
            .map(|(t, l)| Choice { label: l.into(), text: t.to_string() })
            .collect();
        for answer in ["It is either B or D; I can't tell which.", "可能是B，也可能是D，我拿不准。"] {
            assert!(!matches!(read(answer, &o, false), Reading::Chosen { .. }), "{answer:?}");
        }
    }
}
