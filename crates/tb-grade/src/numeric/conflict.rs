//! Two results offered where one was asked: two methods that end apart
//! ("方法一：…所以桶重6千克。方法二：…所以桶重22千克。"), or a closing marker
//! that contradicts the sentence concluding above it ("Therefore, the area is
//! 80 square cm." then "#### 88"). A careful reader credits neither.

use std::sync::LazyLock;

use regex::Regex;

use super::{Reader, Reading, close};

/// The heading of a second method or solution.
static SECOND_METHOD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?im)^[\s#*>]*(?:方法二|解法二|法二|另解|方法2|解法2|(?:method|approach|solution|way)\s*(?:2|two)(?-u:\b)|alternative(?:ly|\s+(?:method|approach|solution)))",
    )
    .expect("valid regex")
});

impl<'a> Reader<'a> {
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
            Reading::Stated { value: first, .. } if !close(first.value, value.value) => {
                Reading::Ambiguous(vec![first.value, value.value])
            }
            _ => reading,
        }
    }

    /// `reading`, stated by a closing marker at `marker` ("#### 88"), unless
    /// the sentence concluding just above it states another computed result.
    pub(super) fn against_prose(self, answer: &str, marker: usize, reading: Reading) -> Reading {
        let Reading::Stated { value, .. } = reading else { return reading };
        // Only a marker on the answer's last line: one stated first is then explained.
        if self.text[marker..].trim_end().contains('\n') {
            return reading;
        }
        match self.before(marker).concluding(answer) {
            Reading::Stated { value: prose, how: "concluding_sentence", .. }
                if !close(prose.value, value.value) && self.worked.iter().any(|w| close(*w, prose.value)) =>
            {
                Reading::Ambiguous(vec![prose.value, value.value])
            }
            _ => reading,
        }
    }
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
        let first = "#### 88\n\nThe width is 8 and the length 11, so the area is 11 × 8 = 88.";
        assert!(matches!(read_asked(first, Some(q)), Reading::Stated { value, .. } if value.value == 88.0));
    }
}
