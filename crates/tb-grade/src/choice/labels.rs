//! Reading labels where a statement names them: one ("B", "(b)", "C项"),
//! several ("ACD", "A、C、D", "A, C and D"), by place ("the third option",
//! "第二项"), or two answers offered side by side ("ABC or ABCD").

use super::*;

impl Context<'_> {
    /// Another answer offered right after `set` ("ABC or ABCD", "AB或ABD",
    /// "ABCE（…也可以选 ABCDE）"): both, to be read in conflict.
    pub(super) fn offered_beside(&self, set: &BTreeSet<char>, after: &str) -> Option<BTreeSet<char>> {
        let m = ALTERNATIVE_ANSWER.find(after)?;
        let (other, _, _) = self.parse_labels(&after[m.end()..])?;
        (other != *set).then(|| set.union(&other).copied().collect())
    }

    /// The labels a statement names after its marker (or the option its text
    /// names), and whether it contradicts itself.
    pub(super) fn labels_after(&self, at: usize, boxed: bool) -> Option<(BTreeSet<char>, bool)> {
        let rest = skip_filler(&self.text[at..]);
        // "all of them except B", "除B以外都对": the complement.
        if let Some(m) = ALL_EXCEPT.find(rest)
            && let Some((excluded, _, _)) = self.parse_labels(rest[m.end()..].trim_start())
        {
            return Some((self.labels.iter().copied().filter(|l| !excluded.contains(l)).collect(), false));
        }
        if let Some((set, formatted, after)) = self.parse_labels(rest) {
            if let Some(both) = self.offered_beside(&set, after) {
                return Some((both, true));
            }
            let mut conflict = false;
            if set.len() == 1 {
                let l = *set.iter().next().expect("one");
                // The text after the label names another option: "B. <C's text>".
                // After "option A" a full stop ends the sentence ("which is
                // option A. Guttation (D) is different").
                let tail = after.trim_start_matches(['.', ')', ']', '】', '、', ':', ' ', '-', '—', '(', '（']);
                let sentence_ended = after.trim_start_matches(['*', '_']).starts_with(['.', '。'])
                    && names_an_option(&self.text[..self.text.len() - rest.len()]);
                if !sentence_ended
                    && let Some(other) = self.text_names(tail)
                    && other != l
                {
                    conflict = true;
                }
                // A bare letter that is also another option's text: which did it mean?
                // After "option"/"选项" it is the label ("That's option C", "即选项B").
                if !formatted
                    && !names_an_option(&self.text[..self.text.len() - rest.len()])
                    && let Some(other) = self.option_named(&l.to_string(), true)
                    && other != l
                {
                    return Some(([l, other].into(), true));
                }
            }
            return Some((set, conflict));
        }
        if self.multi
            && let Some(set) = self.options_listed(rest)
        {
            return Some((set, false));
        }
        let clause = first_clause(rest);
        // The whole line first: a name with full stops in it ("H.L.A. Hart.") is cut short by its first clause.
        let line = rest.lines().next().unwrap_or("").trim().trim_end_matches(['.', '。']);
        let whole =
            (line.chars().count() >= 2 && line.contains(". ")).then(|| self.option_named(line, false)).flatten();
        let by_text = whole.or_else(|| self.option_named(clause, !boxed && clause.chars().count() < 2));
        by_text.map(|l| ([l].into(), false))
    }

    /// Labels at the start of `text`: one ("B", "(b)", "C项"), or several for
    /// multiple-answer questions ("ACD", "A、C、D", "A, C and D").
    pub(super) fn parse_labels<'t>(&self, text: &'t str) -> Option<(BTreeSet<char>, bool, &'t str)> {
        let mut set = BTreeSet::new();
        let mut rest = text;
        let mut formatted = false;
        loop {
            let after_open = rest.trim_start_matches(['(', '[', '【', '〔', '<', '"', '\'', '“', '‘']);
            let open = after_open.len() != rest.len();
            // An ordinal names an option by its place ("the third option", "第1项", "选项二").
            if let Some((l, after)) = self.ordinal(after_open) {
                set.insert(l);
                formatted = true;
                rest = after;
            } else {
                let mut chars = after_open.chars();
                let c = chars.next()?;
                let upper = c.to_ascii_uppercase();
                if !self.labels.contains(&upper) {
                    break;
                }
                let after = chars.as_str();
                let after_close = after.trim_start_matches([')', ']', '】', '〕', '>', '"', '\'', '”', '’']);
                let close = after_close.len() != after.len();
                if open && !close {
                    break;
                }
                formatted |= open || close;
                let this_formatted = open || close;
                if after_close.chars().next().is_some_and(|n| n.is_ascii_alphanumeric()) {
                    // "ACD": consecutive labels, for multiple-answer questions only.
                    let run: String = after_open.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
                    let all_labels = run.chars().all(|c| self.labels.contains(&c) && c.is_ascii_uppercase());
                    let distinct = run.chars().collect::<BTreeSet<_>>().len() == run.chars().count();
                    if self.multi && set.is_empty() && all_labels && distinct && run.len() <= self.labels.len() {
                        set.extend(run.chars());
                        rest = &after_open[run.len()..];
                    }
                    break;
                }
                // A lowercase letter, or "A", is a label only where it cannot be a word.
                // ("b) a shortage": the "a" after a marked label is the option's text, not a label.)
                if !this_formatted && (c == 'A' || c.is_ascii_lowercase()) && is_word_after(after_close) {
                    break;
                }
                set.insert(upper);
                rest = after_close;
            }
            // Another label after a separator?
            let mut sep = rest;
            loop {
                let before = sep.len();
                sep = sep.trim_start_matches([' ', ',', '、', '，', '/', '&', '+', ';', '；']);
                for word in SEPARATORS {
                    if let Some(r) = sep.strip_prefix(word) {
                        sep = r;
                    }
                }
                if sep.len() == before {
                    break;
                }
            }
            // An option's text in brackets after its label ("A（HTTP）、C（FTP）") is not a separator's end.
            // A bracketed label ("(A), (C) and (D)") is the next label, not such a text.
            if let Some(inner) = sep.strip_prefix('(')
                && let Some(close) = inner.find(')').filter(|i| *i <= 40)
                && self.label(&inner[..close]).is_none()
            {
                let after = &inner[close + 1..];
                let skipped = after.trim_start_matches([' ', ',', '、', '，', '/', '&', '+', ';']);
                if skipped.len() < after.len() || after.is_empty() {
                    sep = skipped;
                }
            }
            // Labels that are not ASCII letters ("①②④", "甲丙") follow each other with nothing between.
            let glued = rest.chars().next().is_some_and(|c| !c.is_ascii() && self.labels.contains(&c));
            if sep.len() == rest.len() && !glued {
                break;
            }
            let peeked = sep.trim_start_matches(['(', '[', '【', '"', '\'', '“', '‘']);
            let mut peek = peeked.chars();
            let candidate = peek.next().map(|c| c.to_ascii_uppercase());
            let candidate_ok = (candidate.is_some_and(|c| self.labels.contains(&c))
                && !peek.next().is_some_and(|n| n.is_ascii_alphanumeric()))
                || self.ordinal(peeked).is_some();
            if !candidate_ok {
                break;
            }
            rest = sep;
        }
        (!set.is_empty()).then_some((set, formatted, rest))
    }

    /// An option named by its place at the start of `text`: "the third
    /// option", "option two", "the first choice listed", "第1项", "第三个选项",
    /// "选项二", "②"; with what follows.
    pub(super) fn ordinal<'t>(&self, text: &'t str) -> Option<(char, &'t str)> {
        let c = ORDINAL.captures(text)?;
        let word = c.iter().skip(1).flatten().next()?.as_str().to_lowercase();
        let place = match word.as_str() {
            "first" | "one" | "1" | "i" | "一" | "①" => 0,
            "second" | "two" | "2" | "ii" | "二" | "②" => 1,
            "third" | "three" | "3" | "iii" | "三" | "③" => 2,
            "fourth" | "four" | "4" | "iv" | "四" | "④" => 3,
            "fifth" | "five" | "5" | "v" | "五" | "⑤" => 4,
            "sixth" | "six" | "6" | "vi" | "六" | "⑥" => 5,
            "last" => self.labels.len().checked_sub(1)?,
            _ => return None,
        };
        // Options labelled by these very digits or numerals are labels, not places.
        if self.labels.iter().any(|l| l.is_ascii_digit()) {
            return None;
        }
        Some((*self.labels.get(place)?, &text[c.get(0)?.end()..]))
    }

    /// A multiple-answer question's answer given as a list after a line that
    /// introduces it ("…among the options are:\n* A) GET\n* C) PUT"): each
    /// item a label, alone or with its own option's text; not every option
    /// (that is the options echoed). The statement spans the introducing line.
    pub(super) fn introduced_list(&self) -> Option<Statement> {
        let mut offset = 0;
        let mut lines = self.text.split_inclusive('\n').map(|l| {
            offset += l.len();
            (offset, l.trim())
        });
        let (start, end) = lines.by_ref().find_map(|(end, line)| {
            let start = self.text[..end].trim_end().rfind('\n').map_or(0, |i| i + 1);
            (LIST_INTRODUCED.is_match(line) && !RULED_OUT.is_match(line) && !tentative(line, line.len()))
                .then_some((start, end))
        })?;
        let mut set = BTreeSet::new();
        for (_, line) in lines.skip_while(|(_, l)| l.is_empty()) {
            let item = line.trim_start_matches(['-', '*', '•', ' ']).trim_start();
            let Some((labels, _, after)) = self.parse_labels(item) else { break };
            let tail = after.trim_start_matches(['.', ')', ']', '】', '、', ':', ' ', '-', '—']);
            let [l] = labels.iter().copied().collect::<Vec<_>>()[..] else { break };
            if !tail.is_empty() && self.text_names(tail) != Some(l) {
                break;
            }
            set.insert(l);
        }
        (set.len() > 1 && set.len() < self.labels.len()).then_some(Statement {
            start,
            end,
            labels: set,
            conflict: false,
            how: "listed",
        })
    }
}
