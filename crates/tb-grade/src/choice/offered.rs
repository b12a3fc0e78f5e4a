//! A second answer a one-answer reply offers beside the one it states:
//! "…so B) India is also correct", a closing claim of another label,
//! several labels claimed right together. Such a reply is ambiguous.

use super::*;

impl Context<'_> {
    /// Labels a one-answer reply offers besides its statement: "…so B) India
    /// is also correct", a closing claim of another label ("Therefore, option
    /// A) 1 is the correct answer."), several claimed right together ("Both B
    /// and D are acceptable answers.").
    pub(super) fn also_offered(&self, last_statement: usize) -> Option<BTreeSet<char>> {
        let text = self.text;
        let mut offered: BTreeSet<char> = ALSO_CORRECT
            .find_iter(text)
            .filter_map(|m| {
                let mut from = m.start().saturating_sub(60);
                while !text.is_char_boundary(from) {
                    from += 1;
                }
                let last = STANDALONE_LABEL.captures_iter(&text[from..m.start()]).last()?;
                self.label(&last[1])
            })
            .collect();
        offered.extend(self.closing_claim(last_statement));
        offered.extend(self.closing_text(last_statement));
        for c in CLAIMED_TOGETHER.captures_iter(text) {
            let m = c.get(1).expect("group");
            if let Some((labels, _, _)) = self.parse_labels(m.as_str())
                && labels.len() > 1
                && !tentative(text, m.start())
            {
                offered.extend(labels);
            }
        }
        (!offered.is_empty()).then_some(offered)
    }

    /// The label the last line claims right in a conclusion ("Therefore,
    /// option A) 1 is the correct answer."), when that line comes after every
    /// statement (`last_statement`) and no correction leads to it.
    fn closing_claim(&self, last_statement: usize) -> Option<char> {
        let trimmed = self.text.trim_end();
        let line_start = trimmed.rfind('\n').map_or(0, |i| i + 1);
        let line = &trimmed[line_start..];
        if line_start <= last_statement || !CONCLUSION.is_match(line) {
            return None;
        }
        if tentative(self.text, line_start + line.len()) {
            return None;
        }
        let bare = self.without_own_texts(line);
        let c = CLAIMED.captures(&bare)?;
        let m = c.get(1).or_else(|| c.get(2))?;
        let corrected = correction_between(&self.text[last_statement..line_start]);
        (!corrected).then(|| self.label(m.as_str())).flatten()
    }

    /// The option a closing conclusion names by its text alone, with no
    /// label ("答案：C" … "所以，辛亥革命爆发于1911年。" names B), when that line
    /// comes after every statement and no correction leads to it.
    fn closing_text(&self, last_statement: usize) -> Option<char> {
        let trimmed = self.text.trim_end();
        let line_start = trimmed.rfind('\n').map_or(0, |i| i + 1);
        let line = &trimmed[line_start..];
        if line_start <= last_statement || !CONCLUSION.is_match(line) || STANDALONE_LABEL.is_match(line) {
            return None;
        }
        if correction_between(&self.text[last_statement..line_start]) {
            return None;
        }
        let named = self.concluded_options()?;
        let [l] = named.iter().copied().collect::<Vec<_>>()[..] else { return None };
        Some(l)
    }

    /// `line` with each label that its own option's text follows ("option A)
    /// 1 is…", "is B. Streptococcus pneumoniae.") standing for both.
    pub(super) fn without_own_texts(&self, line: &str) -> String {
        let mut bare = line.to_string();
        for o in self.options.iter().filter(|o| !o.text.trim().is_empty()) {
            for sep in [") ", ". ", "）", ": "] {
                bare = bare.replace(&format!("{}{sep}{}", o.label, o.text.trim()), &format!("{})", o.label));
            }
        }
        bare
    }
}
