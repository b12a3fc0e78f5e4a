//! Naming an option by its text rather than its label: "Mitochondria.",
//! "Incorrect" for the option "False", an answer that restates one option.

use super::*;

impl Context<'_> {
    /// The one option whose text `clause` gives: equal to it, or starting with
    /// it; with `exact`, only equal.
    pub(super) fn option_named(&self, clause: &str, exact: bool) -> Option<char> {
        let t = squash(clause);
        if t.is_empty() {
            return None;
        }
        // True/false questions: "Incorrect" names the option "False", "对" the option "正确".
        if let Some(said) = truth_value(&t) {
            let mut named = self.options.iter().filter(|o| truth_value(&squash(&o.text)) == Some(said));
            if let (Some(o), None) = (named.next(), named.next()) {
                return single_char(&o.label).map(|c| c.to_ascii_uppercase());
            }
        }
        // Equal to one option's text; else the text starts with exactly one
        // option's (it goes on to explain); else it is the start of exactly one
        // option's (cut short), or a part of one option's in Chinese ("嘉兴南湖"
        // for "浙江嘉兴南湖"). Several candidates name none. English words
        // are compared by their stems ("mitochondria" names "Mitochondrion").
        let t = squash(&stemmed(clause));
        let mut equal = Vec::new();
        let mut extends = Vec::new();
        let mut starts = Vec::new();
        let mut within = Vec::new();
        for o in self.options {
            let Some(l) = single_char(&o.label).map(|c| c.to_ascii_uppercase()) else { continue };
            let ot = squash(&stemmed(&o.text));
            if ot.is_empty() {
                continue;
            }
            if ot == t {
                equal.push(l);
            } else if !exact {
                if t.starts_with(&ot) && !t[ot.len()..].starts_with(|c: char| c.is_ascii_alphanumeric()) {
                    extends.push((ot.len(), l));
                } else if ot.starts_with(&t) && t.chars().count() >= 4 {
                    starts.push(l);
                } else if !t.is_ascii() && t.chars().count() >= 3 && ot.contains(&t) {
                    within.push(l);
                }
            }
        }
        if starts.is_empty() {
            starts = within;
        }
        // Of options that the text extends, the longest is the one named ("A1" over "A").
        extends.sort_unstable();
        let longest_extended = match extends.as_slice() {
            [] => None,
            [.., (a, l)] if extends.iter().filter(|(b, _)| b == a).count() == 1 => Some(*l),
            _ => return None,
        };
        match (equal.as_slice(), longest_extended, starts.as_slice()) {
            ([l], _, _) => Some(*l),
            ([], Some(l), _) => Some(l),
            ([], None, [l]) => Some(*l),
            _ => None,
        }
    }

    /// The option the text after a label names: its whole line, else its first clause.
    pub(super) fn text_names(&self, tail: &str) -> Option<char> {
        let line = tail.lines().next().unwrap_or("").trim().trim_end_matches(['.', '。']);
        self.option_named(line, false).or_else(|| self.option_named(first_clause(tail), false))
    }

    /// For a multiple-answer question, the options a line lists by their
    /// texts alone ("tuple, str, frozenset", "铁、铜和锌"): every item names
    /// one, two items at least.
    pub(super) fn options_listed(&self, rest: &str) -> Option<BTreeSet<char>> {
        static SEPARATOR: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
            regex::Regex::new(r"(?i)\s*(?:,\s*(?:and|or)\s+|,|，|、|;|；|(?-u:\b)and(?-u:\b)|以及|和|及|与)\s*")
                .expect("valid regex")
        });
        let line = rest.lines().next()?.trim().trim_end_matches(['.', '。', '!', '！']);
        let items: Vec<&str> = SEPARATOR.split(line).map(str::trim).filter(|s| !s.is_empty()).collect();
        if items.len() < 2 {
            return None;
        }
        let named: BTreeSet<char> = items.iter().map(|i| self.option_named(i, true)).collect::<Option<_>>()?;
        (named.len() == items.len()).then_some(named)
    }

    /// The one option whose text the answer restates (its last line first),
    /// when that text is not part of another option's; not where the answer
    /// names it as what the answer is not ("a remainder rather than an
    /// executory interest").
    pub(super) fn restated_option(&self) -> Option<char> {
        let last_line = self.text.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("");
        [(last_line, 2), (self.text, 4)].into_iter().find_map(|(scope, min_chars)| {
            let affirmed = NEGATED.replace_all(scope, " ");
            let answer = squash(&affirmed);
            let lower = stemmed(&affirmed);
            let found: Vec<&Choice> = self
                .options
                .iter()
                .filter(|o| {
                    let t = squash(&o.text);
                    if o.text.is_ascii() {
                        // Latin text: as whole words ("Au" is not in "because"), by their stems.
                        let words = stemmed(o.text.trim().trim_end_matches('.'));
                        o.text.trim().len() >= 3 && contains_words(&lower, &words)
                    } else {
                        t.chars().count() >= min_chars && answer.contains(&t)
                    }
                })
                .collect();
            let [hit] = found.as_slice() else { return None };
            let hit_text = squash(&hit.text);
            let nested = self.options.iter().any(|o| o.label != hit.label && squash(&o.text).contains(&hit_text));
            (!nested).then(|| single_char(&hit.label).map(|c| c.to_ascii_uppercase())).flatten()
        })
    }

    /// The one option whose text, and nothing else, the answer sets in bold
    /// ("…sealed at Runnymede in **1215**." before "The other dates are…"),
    /// when it bolds no other option's text.
    pub(super) fn emphasised_option(&self, answer: &str) -> Option<char> {
        let named: BTreeSet<char> = crate::read::bold_spans(answer)
            .iter()
            .filter_map(|span| self.option_named(plain(span).trim().trim_end_matches(['.', '。']), true))
            .collect();
        let [l] = named.iter().copied().collect::<Vec<_>>()[..] else { return None };
        Some(l)
    }

    /// The one option whose text the answer's first sentence names, none
    /// negated ("李白是唐代著名浪漫主义诗人。苏轼、辛弃疾均为宋代文学家。", "The main
    /// site is the mitochondrion. Glycolysis occurs in the cytoplasm…"): an
    /// answer given first, by its text, then set against the others.
    pub(super) fn opening_text(&self) -> Option<char> {
        // A figure in the first sentence is working ("200 × 1.2 = 240"), not an answer.
        if self.options.iter().all(|o| amount(o.text.trim())) {
            return None;
        }
        let sentence = first_sentence(self.text.trim_start());
        let affirmed = NEGATED.replace_all(sentence, " ");
        let (stems, squashed) = (stemmed(&affirmed), squash(&affirmed));
        let named: Vec<&Choice> = self
            .options
            .iter()
            .filter(|o| {
                let text = o.text.trim().trim_end_matches(['.', '。']);
                if text.is_ascii() {
                    text.len() >= 3 && contains_words(&stems, &stemmed(text))
                } else {
                    text.chars().count() >= 2 && squashed.contains(&squash(text))
                }
            })
            .collect();
        let [hit] = named.as_slice() else { return None };
        // Nor one whose text is part of another's ("A" in "A1").
        let hit_text = squash(&hit.text);
        let nested = self.options.iter().any(|o| o.label != hit.label && squash(&o.text).contains(&hit_text));
        (!nested).then(|| single_char(&hit.label).map(|c| c.to_ascii_uppercase())).flatten()
    }

    /// The options a closing sentence concludes with by their texts ("So the
    /// power belongs to Congress, not the President.", "所以括号里应填 O。"),
    /// those it negates set aside; or the last line when it is nothing but
    /// one option's text ("**12**"). One option, or several for a
    /// multiple-answer question; `None` when the sentence names none or,
    /// for one answer, several.
    pub(super) fn concluded_options(&self) -> Option<BTreeSet<char>> {
        let last_line = self.text.lines().rev().find(|l| !l.trim().is_empty())?.trim();
        if let Some(l) = self.option_named(last_line.trim_end_matches(['.', '。', '!', '！']), true) {
            return Some([l].into());
        }
        // A sentence that draws the conclusion names options by any text; the
        // answer's last sentence only by a letter or a number it ends on
        // ("The next letter is U.", "…30+12=42。").
        let marker =
            CONCLUSION.find_iter(last_line).chain(HEADED_CONCLUSION.find_iter(last_line)).max_by_key(|m| m.start());
        let (sentence, concluding) = match marker {
            Some(m) => (
                first_sentence(last_line[m.start()..].trim_start_matches(['.', '!', '?', '。', '！', '？', ' '])),
                true,
            ),
            None => (last_sentence(last_line), false),
        };
        // "也可能是B", "It might be U": tentative, no conclusion.
        if TENTATIVE.is_match(sentence) {
            return None;
        }
        // What the sentence names as not the answer: "not the President", "而不是李白".
        let affirmed = NEGATED.replace_all(sentence, " ");
        let stems = stemmed(&affirmed);
        let squashed = squash(&affirmed);
        let named: BTreeSet<char> = self
            .options
            .iter()
            .filter(|o| {
                let text = o.text.trim().trim_end_matches(['.', '。']);
                let amount = amount(text);
                if text.chars().count() <= 2 || amount {
                    // A letter or a number: only as what the sentence ends on ("… is U.", "… is $9,000.").
                    let ends_on = |re: &regex::Regex| {
                        re.captures(&affirmed).is_some_and(|c| {
                            // "…less than the original $200": a comparison, not the amount.
                            let before = affirmed[..c.get(1).map_or(0, |g| g.start())].trim_end().to_lowercase();
                            // The last few words before it ("than the original"), or characters ("比原价").
                            let words: Vec<&str> = before.split_whitespace().rev().take(3).collect();
                            let tail: String =
                                before.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
                            let compared =
                                words.iter().any(|w| ["than", "from", "by", "of", "minus", "plus"].contains(w))
                                    || ["比", "从", "原价", "减去"].iter().any(|w| tail.contains(w));
                            !compared && (c[1].eq_ignore_ascii_case(text) || figure(&c[1]) == figure(text))
                        })
                    };
                    return ends_on(&PREDICATE_END) || (amount && ends_on(&AMOUNT_END));
                }
                if !concluding {
                    return false;
                }
                if text.is_ascii() { contains_words(&stems, &stemmed(text)) } else { squashed.contains(&squash(text)) }
            })
            .filter_map(|o| single_char(&o.label).map(|c| c.to_ascii_uppercase()))
            .collect();
        (named.len() == 1 || (self.multi && !named.is_empty())).then_some(named)
    }
}

/// Whether an option's text is an amount ("192", "$9,000", "37.5%").
fn amount(text: &str) -> bool {
    text.chars().any(|c| c.is_ascii_digit()) && text.chars().all(|c| c.is_ascii_digit() || ".,$¥€£% ".contains(c))
}

/// A text's characters without spaces, thousands separators and currency
/// signs ("$9,000" and "9,000" are one figure; a `$` may have been read as LaTeX).
fn figure(s: &str) -> String {
    squash(s).chars().filter(|c| !"$¥€£".contains(*c)).collect()
}
