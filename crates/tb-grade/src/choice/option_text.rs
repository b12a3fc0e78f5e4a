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
        // option's (cut short). Several candidates name none.
        let mut equal = Vec::new();
        let mut extends = Vec::new();
        let mut starts = Vec::new();
        for o in self.options {
            let Some(l) = single_char(&o.label).map(|c| c.to_ascii_uppercase()) else { continue };
            let ot = squash(&o.text);
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
                }
            }
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

    /// The one option whose text the answer restates (its last line first),
    /// when that text is not part of another option's.
    pub(super) fn restated_option(&self) -> Option<char> {
        let last_line = self.text.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("");
        [(last_line, 2), (self.text, 4)].into_iter().find_map(|(scope, min_chars)| {
            let answer = squash(scope);
            let lower = scope.to_lowercase();
            let found: Vec<&Choice> = self
                .options
                .iter()
                .filter(|o| {
                    let t = squash(&o.text);
                    if o.text.is_ascii() {
                        // Latin text: as whole words ("Au" is not in "because").
                        let words = o.text.trim().trim_end_matches('.').to_lowercase();
                        words.len() >= 3 && contains_words(&lower, &words)
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
}
