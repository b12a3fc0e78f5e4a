//! A concluding sentence that only restates the computed result in other
//! units: mixed units ("4.75 hours" then "That's 4 hours and 45 minutes"),
//! or rounded in a larger or smaller unit ("1,515 meters" then "about 1.5 km
//! away"). The result is the value the working computed, unless the
//! question asks in the restatement's unit.

use super::{Number, close};

/// (larger unit, smaller unit, how many smaller make one larger), as answers write them.
const MIXED: &[(&[&str], &[&str], f64)] = &[
    (&["hour", "hours", "hr", "hrs", "h", "小时", "时"], &["minute", "minutes", "min", "mins", "分钟", "分"], 60.0),
    (&["minute", "minutes", "min", "mins", "分钟", "分"], &["second", "seconds", "sec", "secs", "s", "秒"], 60.0),
    (&["foot", "feet", "ft"], &["inch", "inches", "in"], 12.0),
    (&["元", "块"], &["角", "毛"], 10.0),
    (&["pound", "pounds", "lb", "lbs"], &["ounce", "ounces", "oz"], 16.0),
];

/// Words that round a figure ("about 1.5 km", "约1.5千米").
const ROUNDING: &[&str] =
    &["about", "approximately", "roughly", "around", "nearly", "almost", "~", "≈", "约", "大约", "大概", "将近", "近"];

/// Factors between units a restatement rounds into (km and m, hours and minutes, kg and g, …).
const FACTORS: &[f64] = &[1000.0, 100.0, 60.0, 3600.0, 10.0, 1e6];

/// The computed result a concluding sentence restates, if it only restates one.
pub(super) fn restated(text: &str, in_sentence: &[&Number], worked: &[f64], asked: &[String]) -> Option<f64> {
    if in_sentence.iter().any(|n| worked.iter().any(|w| close(*w, n.value))) {
        return None;
    }
    mixed(text, in_sentence, worked).or_else(|| rounded(text, in_sentence, worked, asked))
}

/// Between two figures of one result: "也就是", "即", "合", "相当于", "i.e.", "that is", "or".
static RESTATING: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"(?i)也就是|即|合|相当于|换算成|(?-u:\b)i\.e\.|(?-u:\b)that\s+is(?-u:\b)|(?-u:\b)or(?-u:\b)|(?-u:\b)which\s+is(?-u:\b)")
        .expect("valid regex")
});

/// Of one result said in two units ("16.8千米，也就是16800米"), the figure in
/// the unit the question asks in; None unless exactly one figure has it and
/// the sentence joins them as one ("也就是", "i.e.", "or").
pub(super) fn in_asked_unit<'n>(text: &str, in_sentence: &[&'n Number], units: &[String]) -> Option<&'n Number> {
    if units.is_empty() || in_sentence.len() < 2 {
        return None;
    }
    // A percentage or a fraction asked for is told by how it is written.
    let kind_asked = |kind: &str| units.iter().any(|u| u == kind);
    let of_asked_kind = |n: &Number| {
        let written = &text[n.start..n.end];
        (kind_asked(super::asked::PERCENT) && n.percent)
            || (kind_asked(super::asked::YEAR)
                && written.len() == 4
                && written.chars().all(|c| c.is_ascii_digit())
                && (1000.0..3000.0).contains(&n.value))
            || (kind_asked(super::asked::FRACTION)
                && (written.contains(['/', '⁄']) || written.contains("分之") || written.contains("frac")))
    };
    let matching: Vec<&Number> = in_sentence.iter().copied().filter(|n| of_asked_kind(n)).collect();
    if let [n] = matching[..] {
        return Some(n);
    }
    let has_asked_unit = |n: &Number| {
        // "16.8千米" reads as the number "16.8千" (a scale word it did not apply) and "米".
        let unit = unit_after(text, n);
        let own = text[n.start..n.end].chars().last().filter(|c| ('\u{4E00}'..='\u{9FFF}').contains(c));
        let unit = own.map_or(unit.clone(), |c| format!("{c}{unit}"));
        let unit = unit.strip_suffix('s').filter(|u| u.len() >= 3).unwrap_or(&unit);
        !unit.is_empty() && units.iter().any(|a| unit == a.as_str())
    };
    let matching: Vec<&Number> = in_sentence.iter().copied().filter(|n| has_asked_unit(n)).collect();
    let [n] = matching[..] else { return None };
    let (first, last) = (in_sentence[0], in_sentence[in_sentence.len() - 1]);
    RESTATING.is_match(text.get(first.end..last.start)?).then_some(n)
}

/// The word right after a number ("4 hours" → "hours", "45分钟" → "分钟").
fn unit_after(text: &str, n: &Number) -> String {
    let rest = text[n.end..].trim_start();
    let han: String = rest.chars().take_while(|c| ('\u{4E00}'..='\u{9FFF}').contains(c)).take(2).collect();
    if !han.is_empty() {
        return han;
    }
    rest.chars().take_while(|c| c.is_ascii_alphabetic()).collect::<String>().to_lowercase()
}

fn is_unit(word: &str, units: &[&str]) -> bool {
    units.iter().any(|u| word == *u || (word.chars().count() > 1 && word.starts_with(u) && u.chars().count() > 1))
}

/// One result said in two units ("2小时15分钟", "2 hours 15 minutes") when
/// the question asks in one of them ("…多少分钟？", "How many minutes…?"):
/// the result in that unit (135), standing where the figure starts.
pub(super) fn mixed_in_asked_unit(text: &str, in_sentence: &[&Number], units: &[String]) -> Option<Number> {
    in_sentence.windows(2).find_map(|pair| {
        let (big, small) = (pair[0], pair[1]);
        // The two figures said together: "2 hours 15 minutes", "2小时15分钟", "2 hours and 15 minutes".
        let (u1, u2) = (unit_after(text, big), unit_after(text, small));
        let joined = text.get(big.end..small.start)?.trim_start();
        let between = joined.get(..u1.len()).filter(|w| w.eq_ignore_ascii_case(&u1)).map(|_| joined[u1.len()..].trim());
        if !matches!(between, Some("" | "and" | "又" | "零" | "," | "，")) {
            return None;
        }
        let asks = |unit_words: &[&str]| units.iter().any(|u| is_unit(u, unit_words));
        // A figure already in the asked unit ("3.7 hours, which is 3 hours and 7 minutes") stands.
        let in_asked = |n: &&Number| units.iter().any(|u| is_unit(&unit_after(text, n), &[u.as_str()]));
        if in_sentence.iter().filter(|n| n.start != big.start && n.start != small.start).any(in_asked) {
            return None;
        }
        MIXED.iter().find(|(b, s, _)| is_unit(&u1, b) && is_unit(&u2, s)).and_then(|&(b, s, r)| {
            let value = if asks(s) {
                big.value * r + small.value
            } else if asks(b) {
                big.value + small.value / r
            } else {
                return None;
            };
            Some(Number { value, percent: false, scale: 1.0, start: big.start, end: small.end })
        })
    })
}

/// A closing figure in a larger or smaller unit than the one asked ("60
/// minutes is exactly 1 hour. So it takes 1 hour." asked how many minutes):
/// the computed value it is in the asked unit.
pub(super) fn converted_to_asked(text: &str, in_sentence: &[&Number], units: &[String], worked: &[f64]) -> Option<f64> {
    if units.is_empty() {
        return None;
    }
    // The one figure with a unit that converts ("1 hour", not "12 km").
    let timed = |n: &&&Number| {
        MIXED.iter().any(|(b, s, _)| is_unit(&unit_after(text, n), b) || is_unit(&unit_after(text, n), s))
    };
    let [n] = in_sentence.iter().filter(timed).collect::<Vec<_>>()[..] else { return None };
    let unit = unit_after(text, n);
    let asks = |words: &[&str]| units.iter().any(|u| is_unit(u, words));
    MIXED.iter().find_map(|&(big, small, r)| {
        let value = if is_unit(&unit, big) && !is_unit(&unit, small) && asks(small) && !asks(big) {
            n.value * r
        } else if is_unit(&unit, small) && !is_unit(&unit, big) && asks(big) && !asks(small) {
            n.value / r
        } else {
            return None;
        };
        worked.iter().any(|w| close(*w, value)).then_some(value)
    })
}

/// "4 hours and 45 minutes" of a computed 4.75 (hours) or 285 (minutes).
fn mixed(text: &str, in_sentence: &[&Number], worked: &[f64]) -> Option<f64> {
    in_sentence.windows(2).find_map(|pair| {
        let (big, small) = (pair[0], pair[1]);
        let (u1, u2) = (unit_after(text, big), unit_after(text, small));
        MIXED.iter().find(|(b, s, _)| is_unit(&u1, b) && is_unit(&u2, s)).and_then(|&(_, _, r)| {
            let (larger, smaller) = (big.value + small.value / r, big.value * r + small.value);
            worked.iter().rev().copied().find(|w| close(*w, larger) || close(*w, smaller))
        })
    })
}

/// "about 1.5 km" of a computed 1,515 (meters), unless the question asks in km.
fn rounded(text: &str, in_sentence: &[&Number], worked: &[f64], asked: &[String]) -> Option<f64> {
    let [n] = in_sentence else { return None };
    let before: String = text[..n.start].chars().rev().take(16).collect::<Vec<_>>().into_iter().rev().collect();
    let before = before.to_lowercase();
    if !ROUNDING.iter().any(|r| before.trim_end().ends_with(r)) {
        return None;
    }
    let unit = unit_after(text, n);
    if unit.is_empty() || asked.iter().any(|a| *a == unit || unit.starts_with(a.as_str())) {
        return None;
    }
    // The restatement rounds to the digits it shows: within half a unit of its last place, and 5% besides.
    let near = |v: f64| (v - n.value).abs() <= (n.value.abs() * 0.05).max(0.05);
    worked.iter().rev().copied().find(|w| FACTORS.iter().any(|f| near(w / f) || near(w * f)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn mixed_and_rounded_restatements_give_way_to_the_computed_value() {
        let read = |answer: &str| crate::numeric::read_asked(answer, Some("How long does the trip take?"));
        let value = |r: crate::numeric::Reading| match r {
            crate::numeric::Reading::Stated { value, .. } => Some(value.value),
            _ => None,
        };
        assert_eq!(value(read("Time = 285 ÷ 60 = 4.75 hours\n\nThat's 4 hours and 45 minutes.")), Some(4.75));
        assert_eq!(value(read("用时：285 ÷ 60 = 4.75（小时）\n\n也就是4小时45分钟。")), Some(4.75));
        let far = "Distance = 343 × 5 = 1,515 meters. So the lightning was about 1.5 km away.";
        assert_eq!(value(crate::numeric::read_asked(far, Some("How far away was the lightning?"))), Some(1515.0));
        // Asked in the restatement's unit, the rounded figure is the answer it gives.
        assert_eq!(value(crate::numeric::read_asked(far, Some("How many km away was the lightning?"))), Some(1.5));
        assert_eq!(value(read("150 ÷ 60 = 2.5 minutes\n\nSo it takes 2 minutes 30 seconds.")), Some(2.5));
        assert_eq!(value(read("总价：12.4 × 3 = 37.2（元）\n\n一共37元2角。")), Some(37.2));
        let km = "路程 = 80 × 2.5 = 200 千米\n也就是大约 200000 米。";
        assert_eq!(value(crate::numeric::read_asked(km, Some("两地相距多少千米？"))), Some(200.0));
        // A closing figure the working never computed and that restates nothing stays the result.
        assert_eq!(value(read("Each leg takes 2 hours.\n\nSo the whole trip is 6 hours.")), Some(6.0));
        // Said in another unit than the one asked: the computed value in the asked unit.
        let pace = "5 minutes per km × 12 km = 60 minutes\n\n60 minutes is exactly 1 hour.\n\nSo it will take John 1 hour to run 12 km.";
        assert_eq!(value(crate::numeric::read_asked(pace, Some("How many minutes will it take him?"))), Some(60.0));
        // A statement in two units, and the question asks in one of them.
        let both = "时间 = 45 ÷ 15 = 3（小时）\n3 × 60 = 180（分钟）\n\n答：需要 3 小时，也就是 180 分钟。";
        assert_eq!(value(crate::numeric::read_asked(both, Some("行驶45千米需要多少分钟？"))), Some(180.0));
        let area = "120 × 50 = 6000（平方米）\n6000 ÷ 10000 = 0.6（公顷）\n\n答：面积是 6000 平方米，合 0.6 公顷。";
        assert_eq!(value(crate::numeric::read_asked(area, Some("这块菜地的面积是多少公顷？"))), Some(0.6));
    }
}
