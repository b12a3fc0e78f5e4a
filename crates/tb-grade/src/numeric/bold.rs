//! A result set in bold: what an answer without a concluding sentence
//! emphasises ("= **311600 元** ✅", "**3 hours**").

use super::{Number, numbers};

/// The last number an answer sets in bold (`**311600 元**`), outside its reasoning.
pub(super) fn emphasised(answer: &str) -> Option<Number> {
    // A number set in bold with little else ("311600 元", "−¥600,000"), not a bold heading with a number in it.
    crate::read::bold_spans(answer).iter().rev().find_map(|span| {
        let inside = crate::read::plain(span);
        let found = numbers(&inside);
        let [n] = found.as_slice() else { return None };
        // A step's or a part's number ("**步骤3**", "**Step 2:**") names no result.
        let label = inside[..n.start].trim().to_lowercase();
        let numbering = ["步骤", "第", "方法", "解法", "step", "part", "method", "case", "question"]
            .iter()
            .any(|l| label.ends_with(l))
            && inside[n.end..].trim().chars().all(|c| "步题问部分:：.、)）".contains(c));
        // A numbered heading ("**3. 检验**", "**2) Total**") names no result either.
        let heading = inside[..n.start].trim().is_empty()
            && inside[n.end..].starts_with(['.', '、', ')', '）'])
            && inside[n.end..]
                .trim_start_matches(['.', '、', ')', '）'])
                .trim()
                .chars()
                .next()
                .is_some_and(char::is_alphabetic);
        if numbering || heading {
            return None;
        }
        let rest = inside[..n.start].chars().chain(inside[n.end..].chars()).filter(|c| !c.is_whitespace()).count();
        // Or the number first, then its unit in a word or two ("**3 hours**", "**20,480,000 cells**").
        let before = inside[..n.start].trim().trim_start_matches(['$', '¥', '€', '£', '-', '−']);
        let unit = inside[n.end..].trim().trim_end_matches(['.', '。', '!']);
        let unit_only = before.is_empty()
            && unit.chars().count() <= 12
            && unit.split_whitespace().count() <= 2
            && unit.chars().all(|c| c.is_alphabetic() || c.is_whitespace() || c == '/');
        (rest <= 4 || unit_only).then_some(*n)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bold_results_and_bold_labels() {
        assert_eq!(emphasised("= **311600 元** ✅").map(|n| n.value), Some(311600.0));
        assert_eq!(emphasised("takes **3 hours** in all").map(|n| n.value), Some(3.0));
        // A step's number is a heading, not a result.
        assert_eq!(emphasised("**步骤3**：验证").map(|n| n.value), None);
        assert_eq!(emphasised("**Step 2:** add them").map(|n| n.value), None);
        assert_eq!(emphasised("**Step 2:** add them, **42** in all").map(|n| n.value), Some(42.0));
    }
}
