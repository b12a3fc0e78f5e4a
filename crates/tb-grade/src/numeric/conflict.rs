//! Two results offered where one was asked: two methods that end apart
//! ("方法一：…所以桶重6千克。方法二：…所以桶重22千克。"), or a closing marker
//! that contradicts the sentence concluding above it ("Therefore, the area is
//! 80 square cm." then "#### 88"). A careful reader credits neither. And an
//! answer that says it has no single result, or one result written twice
//! (exact and rounded), which is no conflict.

use std::sync::LazyLock;

use regex::Regex;

use super::patterns::{CONCLUDING, DEPENDENCE, NO_RESULT};
use super::{Number, Reader, Reading, close, emphasised, same_result, sentences};

/// The heading of a second method or solution.
static SECOND_METHOD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?im)^[\s#*>]*(?:方法二|解法二|法二|另解|方法2|解法2|(?:method|approach|solution|way)\s*(?:2|two)(?-u:\b)|alternative(?:ly|\s+(?:method|approach|solution)))",
    )
    .expect("valid regex")
});

impl<'a> Reader<'a> {
    /// Whether the answer says it has no single result. A dependence named
    /// only in a closing aside after every number ("…, depending on its
    /// policy") is of something else, when a result is set in bold before it.
    pub(super) fn says_no_result(self, answer: &str) -> bool {
        let Reader { text, numbers, .. } = self;
        let after_numbers = numbers.last().map_or(0, |last| {
            sentences(text).into_iter().map(|(_, e)| e).find(|&e| e >= last.end).unwrap_or(text.len())
        });
        NO_RESULT.find_iter(text).any(|m| {
            let aside = m.start() >= after_numbers && DEPENDENCE.is_match(m.as_str()) && emphasised(answer).is_some();
            !aside
        })
    }

    /// The reader of the text before `at`, with its numbers.
    fn before(self, at: usize) -> Reader<'a> {
        let kept = self.numbers.iter().take_while(|n| n.end <= at).count();
        Reader { text: &self.text[..at], numbers: &self.numbers[..kept], ..self }
    }

    /// `reading` of the whole answer, unless a first method concluded
    /// otherwise before a second one: then both, as ambiguous.
    pub(super) fn across_methods(self, answer: &str, reading: Reading) -> Reading {
        let Reading::Stated { value, .. } = reading else { return reading };
        let Some(second) = SECOND_METHOD.find(self.text) else { return reading };
        match self.before(second.start()).concluding(answer) {
            Reading::Stated { value: first, .. } if !same_result(&first, &value) => {
                Reading::Ambiguous(vec![first.value, value.value])
            }
            _ => reading,
        }
    }

    /// Whether the sentence holding `prose` also names `marked` ("So the
    /// smaller number is 20 and the larger is 60." above "#### 60"): the
    /// marker picks one of the results the sentence states, no other.
    fn names_too(self, prose: &Number, marked: &Number) -> bool {
        sentences(self.text)
            .into_iter()
            .find(|(s, e)| *s <= prose.start && prose.end <= *e)
            // An operand ("So they sold 20 − 9 = 11 child tickets." above "#### 9") names no result.
            .is_some_and(|(s, e)| {
                self.numbers
                    .iter()
                    .any(|n| n.start >= s && n.end <= e && same_result(n, marked) && !super::operand(self.text, n))
            })
    }

    /// Whether the sentence holding `n` says something in words besides
    /// its opening "So"/"所以".
    fn in_words(self, n: &Number) -> bool {
        sentences(self.text).into_iter().find(|(s, e)| *s <= n.start && n.end <= *e).is_none_or(|(s, e)| {
            let sentence = &self.text[s..e];
            let after = CONCLUDING.find(sentence).map_or(sentence, |m| &sentence[m.end()..]);
            super::asked::speaks(after)
        })
    }

    /// `reading`, stated by a closing marker at `marker` ("#### 88"), unless
    /// the sentence concluding just above it states another computed result
    /// in words. A line of figures ("So a = 20 − 9 = 11.") is working: it
    /// finds another unknown on the way, and the marker names the one asked.
    pub(super) fn against_prose(self, answer: &str, marker: usize, reading: Reading) -> Reading {
        let Reading::Stated { value, .. } = reading else { return reading };
        // Only a marker on the answer's last line: one stated first is then explained.
        if self.text[marker..].trim_end().contains('\n') {
            return reading;
        }
        match self.before(marker).concluding(answer) {
            Reading::Stated { value: prose, how: "concluding_sentence", .. }
                if !same_result(&prose, &value)
                    && !rounds(self.text, &prose, &value)
                    && self.worked.iter().any(|w| close(*w, prose.value))
                    && self.in_words(&prose)
                    && !self.names_too(&prose, &value) =>
            {
                Reading::Ambiguous(vec![prose.value, value.value])
            }
            _ => reading,
        }
    }
}

/// Whether `shown` is `exact` rounded to the decimals `shown` is written
/// with ("24/7 ≈ 3.43"): one result, written twice. A whole number rounds
/// nothing: "3" against "3.4" are two results.
pub(super) fn rounds(text: &str, shown: &Number, exact: &Number) -> bool {
    let written = text.get(shown.start..shown.end).unwrap_or_default();
    let decimals =
        written.rsplit_once('.').map_or(0, |(_, after)| after.chars().take_while(char::is_ascii_digit).count());
    decimals > 0
        && shown.percent == exact.percent
        && (exact.value - shown.value).abs() <= 0.5 * 10f64.powi(-(decimals as i32)) * (1.0 + 1e-9)
}

#[cfg(test)]
mod tests {
    use crate::numeric::{Reading, read, read_asked};

    #[test]
    fn two_methods_ending_apart_are_ambiguous() {
        let two = "方法一：\n倒出的一半油重：50-28=22千克\n全部油重：22×2=44千克\n桶重：50-44=6千克\n所以桶重6千克。\n\n方法二：\n油和桶的重量差是50-28=22千克\n所以桶重22千克。";
        assert_eq!(read(two), Reading::Ambiguous(vec![6.0, 22.0]));
        let agree = "Method 1: 12 × 3 = 36, so she has 36 stickers.\n\nMethod 2: 3 × 12 = 36. So she has 36 stickers.";
        assert!(matches!(read(agree), Reading::Stated { value, .. } if value.value == 36.0));
    }

    #[test]
    fn a_closing_marker_against_the_prose_above_it() {
        let q = "The length of a rectangle is 3 cm more than its width. The perimeter is 38 cm. What is its area?";
        let apart = "4w + 6 = 38, so w = 8 and the length is 11.\n\nThe area is 11 x 8 = 80 square cm.\n\nTherefore, the area of the rectangle is 80 square cm.\n\n#### 88";
        assert!(matches!(read_asked(apart, Some(q)), Reading::Ambiguous(_)));
        let agreed = "The area is 11 x 8 = 88 square cm.\n\nTherefore, the area is 88 square cm.\n\n#### 88";
        assert!(matches!(read_asked(agreed, Some(q)), Reading::Stated { value, .. } if value.value == 88.0));
        // A marker first, then the working: the marker stands.
        // A line of figures finding another unknown is working, not a conclusion.
        let q = "A theater sold 20 tickets for $195. Adult tickets cost $12 and child tickets $7. How many child tickets were sold?";
        let other = "a + c = 20 and 12a + 7c = 195, so 5c = 45 and c = 9.\n\nSo a = 20 − 9 = 11.\n\n#### 9";
        assert!(matches!(read_asked(other, Some(q)), Reading::Stated { value, .. } if value.value == 9.0));
        let worded = "a + c = 20 and 12a + 7c = 195, so 5c = 45, c = 9 and a = 20 − 9 = 11.\n\nSo they sold 11 child tickets.\n\n#### 9";
        assert!(matches!(read_asked(worded, Some(q)), Reading::Ambiguous(_)));
        let first = "#### 88\n\nThe width is 8 and the length 11, so the area is 11 × 8 = 88.";
        assert!(matches!(read_asked(first, Some(q)), Reading::Stated { value, .. } if value.value == 88.0));
    }

    #[test]
    fn one_result_exact_and_rounded_is_one_result() {
        let q = "一项工程甲单独做要 5 天，乙单独做要 2 天，两人合做要几天完成？";
        let twice = "甲每天完成 1/5，乙每天完成 1/2，合做每天完成 7/10。\n\n1 ÷ 7/10 = 10/7 ≈ 1.43（天）\n\n所以两人合做大约 1.43 天可以完成。\n\n#### 10/7";
        assert!(
            matches!(read_asked(twice, Some(q)), Reading::Stated { value, .. } if (value.value - 10.0 / 7.0).abs() < 1e-9)
        );
        // Rounded to one place that 10/7 does not round to: two results.
        let apart =
            "合做每天完成 7/10，1 ÷ 7/10 = 10/7 ≈ 1.43（天）。\n\n所以两人合做大约 1.5 天可以完成。\n\n#### 10/7";
        assert!(!matches!(read_asked(apart, Some(q)), Reading::Stated { value, .. } if value.value == 1.5));
    }

    /// A list numbered "1、" opens the answer: the marker is three bytes wide
    /// (once a slice inside it).
    #[test]
    fn chinese_list_numbering_is_read_whole() {
        let listed = "1、每天做 45 道题。\n2、一周做 45×7=315 道。\n所以一周一共做了315道题。";
        assert!(matches!(read(listed), Reading::Stated { value, .. } if value.value == 315.0));
        // The marker alone before the text's end: read without a panic.
        let _ = read("1、首先计算总数");
        let _ = read("2、");
    }

    #[test]
    fn an_answer_that_says_it_has_no_single_result() {
        let several = "Let c be cups and p plates: 2c + 3p = 20.\n\n- c = 1, p = 6\n- c = 4, p = 4\n- c = 7, p = 2\n\n\
                       Several combinations satisfy the equation, so we can't pin down how many plates he bought without one more fact.";
        assert!(matches!(read(several), Reading::Undecided | Reading::Ambiguous(_)));
        let no_way = "At full price the 12 chairs cost 12 × $40 = $480. The problem never says how big the group discount is, \
                      so there's no way to know the final bill; tell me the discount and I'll finish it.";
        assert!(matches!(read(no_way), Reading::Undecided | Reading::Ambiguous(_)));
        let disagree = "按单价算：15 × 8 = 120 元；按套餐算：3 × 35 = 105 元。\n\n两种算法的结果不一致，分别是 120 元和 105 元，建议核对原题的收费方式。";
        assert!(matches!(read(disagree), Reading::Undecided | Reading::Ambiguous(_)));
        let unclear = "题中“再降价 5 元”的含义不明确：若每件降 5 元，共收入 450 元；若总价降 5 元，共收入 595 元。";
        assert!(matches!(read(unclear), Reading::Undecided | Reading::Ambiguous(_)));
        for none in [
            "There isn't enough info to pin it down: 25q + 10d = 245 has five whole-number solutions, from q = 1 to q = 9.",
            "We can't calculate an exact total here: the price of a ticket is never given. If it is p, the total is 6p.",
            "There is no single answer. Any width from 2 to 9 metres gives the same area of 18.",
            "题目只给了比例，算不出具体数值；设宽为 x，则周长为 8x。",
            "缺了单价这个条件，无法给出确切结果：如果单价是 5 元，总价就是 40 元。",
            "I don't think this problem can be solved as stated: we know Ana has 3 more pens than Ben, but not how many Ben has.",
        ] {
            assert!(matches!(read(none), Reading::Undecided | Reading::Ambiguous(_)), "{none}");
        }
    }

    #[test]
    fn a_marker_picks_one_of_the_results_a_statement_names() {
        // The closing marker names one of the statement's numbers: that one, no conflict.
        let q = "Two numbers add up to 96 and one is three times the other. What is the larger number?";
        let prose = "Let the smaller be x, so 4x = 96, x = 24 and 3x = 72.\n\nThe smaller number is 24 and the larger is 72.\n\n#### 72";
        assert!(matches!(read_asked(prose, Some(q)), Reading::Stated { value, .. } if value.value == 72.0));
        let answered =
            "1. 门票：45 × 2 = 90（元）\n2. 找回：100 − 90 = 10（元）\n\n答：门票共 90 元，应找回 10 元。\n\n#### 10";
        assert!(
            matches!(read_asked(answered, Some("应找回多少元？")), Reading::Stated { value, .. } if value.value == 10.0)
        );
        // A marker naming neither stays a conflict: `a_closing_marker_against_the_prose_above_it`.
    }

    #[test]
    fn what_the_marker_and_clause_readings_leave_alone() {
        // A clause restating a given is no result, however much it names the question's words.
        let q = "Sam had $50. He bought 3 shirts at $12 each. How much money does Sam have left?";
        let given =
            "3 × 12 = 36.\nHe has 50 − 36 = 14 dollars left.\n\nFinal answer: Sam had $50, and he has $14 left.";
        assert!(matches!(read_asked(given, Some(q)), Reading::Stated { value, .. } if value.value == 14.0));
        // An operand above the marker is no result it picks: the prose states 11, the marker 9.
        let q = "A theater sold 20 tickets. 9 were adult tickets. How many child tickets were sold?";
        let operand = "c = 9.\n\nSo they sold 20 − 9 = 11 child tickets.\n\n#### 9";
        assert!(matches!(read_asked(operand, Some(q)), Reading::Ambiguous(_)));
        // A step that cannot be done directly is no "no result".
        let step = "We can't find the total directly, so first count the tray muffins: 3 × 24 = 72. Then 72 + 15 = 87.\n\nSo the bakery sold 87 muffins in total.";
        assert!(matches!(read(step), Reading::Stated { value, .. } if value.value == 87.0));
        let zh_step =
            "只用第一个条件求不出结果，还要结合第二个条件：x + y = 50，x − y = 10，所以 x = 30。\n\n答：甲数是 30。";
        assert!(matches!(read(zh_step), Reading::Stated { value, .. } if value.value == 30.0));
        // Two scale words are two results.
        let scales = "答：总产量为 5.2 万吨。\n\n不对，单位换算错了，应为 5.2 亿吨。\n\n答：5.2 亿吨";
        assert!(matches!(read(scales), Reading::Stated { value, .. } if value.scale == 1e8));
    }

    #[test]
    fn of_a_statements_clauses_the_one_naming_what_was_asked() {
        let q = "一筐苹果连筐重 32 千克，卖出一半苹果后连筐重 18 千克。筐重多少千克？";
        let a = "卖出的一半苹果：32 − 18 = 14（千克）\n全部苹果：14 × 2 = 28（千克）\n筐重：32 − 28 = 4（千克）\n\n答：苹果重 28 千克，筐重 4 千克。";
        assert!(matches!(read_asked(a, Some(q)), Reading::Stated { value, .. } if value.value == 4.0));
    }

    #[test]
    fn one_result_with_and_without_its_scale_word_is_one_result() {
        for (answer, unscaled) in [
            ("今年人口 = 320 × 1.025 = 328（万人）\n\n答：今年人口约为 328 万人。\n\n#### 328", 328.0),
            ("Revenue rose to 4.5 million dollars.\n\nSo the company's revenue is 4.5 million.\n\n#### 4.5", 4.5),
            ("产量为 45 × 1.15 = 51.75 万吨。\n\n#### 51.75", 51.75),
        ] {
            let r = read(answer);
            assert!(
                matches!(r, Reading::Stated { value, .. } if value.value / value.scale == unscaled),
                "{answer}: {r:?}"
            );
        }
        // A scale apart is no scale word: "328" and "3280" are two results.
        assert!(matches!(read("答：今年人口约为 3280 人。\n\n#### 328"), Reading::Ambiguous(_)));
    }
}
