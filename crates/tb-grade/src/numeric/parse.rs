//! Numbers as answers write them: digits with separators, scale words and
//! units, fractions and mixed numbers, percentages, scientific notation,
//! Chinese numerals and English number words.

use super::*;

/// English number words ("forty-eight", "three hundred and sixty").
static NUMBER_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    let word = "zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|\
                seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|million|billion";
    Regex::new(&format!(r"(?i)(?-u:\b)(?:{word})(?:(?:[\s-]+(?:and[\s-]+)?)(?:{word}))*(?-u:\b)")).expect("valid regex")
});

/// The value of English number words: "three hundred and sixty" → 360.
fn english_number(words: &str) -> Option<f64> {
    let mut total = 0.0;
    let mut current = 0.0;
    for w in words.split(|c: char| c.is_whitespace() || c == '-').filter(|w| !w.is_empty()) {
        let w = w.to_ascii_lowercase();
        let small = [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
        ];
        let tens = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"];
        if let Some(v) = small.iter().position(|s| *s == w) {
            current += v as f64;
        } else if let Some(v) = tens.iter().position(|s| *s == w) {
            current += (v as f64 + 2.0) * 10.0;
        } else {
            match w.as_str() {
                "and" => {}
                "hundred" => current = current.max(1.0) * 100.0,
                "thousand" | "million" | "billion" => {
                    let scale = match w.as_str() {
                        "thousand" => 1e3,
                        "million" => 1e6,
                        _ => 1e9,
                    };
                    total += current.max(1.0) * scale;
                    current = 0.0;
                }
                _ => return None,
            }
        }
    }
    Some(total + current)
}

/// Every number in a text, with its value.
pub(super) fn numbers(text: &str) -> Vec<Number> {
    // Read with decimal commas as points: the same length, so every number
    // keeps its place in `text`.
    let mut found = digits_and_numerals(&decimal_commas(text));
    // Fractions in words ("四分之三", "3分之2"), apart from percentages (百分之…).
    for c in CHINESE_FRACTION.captures_iter(text) {
        let (whole, den, num) = (c.get(0).expect("match"), &c[1], &c[2]);
        let value = |s: &str| s.parse::<f64>().ok().or_else(|| chinese_numeral(s));
        let (Some(d), Some(n)) = (value(den), value(num)) else { continue };
        if den == "百" || d == 0.0 {
            continue;
        }
        found.retain(|f| f.end <= whole.start() || f.start >= whole.end());
        found.push(Number { value: n / d, percent: false, scale: 1.0, start: whole.start(), end: whole.end() });
    }
    // Number words, except a lone "one" (a pronoun as often as a number).
    for m in NUMBER_WORDS.find_iter(text) {
        if m.as_str().eq_ignore_ascii_case("one") || found.iter().any(|n| n.start < m.end() && m.start() < n.end) {
            continue;
        }
        if let Some(value) = english_number(m.as_str()) {
            found.push(Number { value, percent: false, scale: 1.0, start: m.start(), end: m.end() });
        }
    }
    found.sort_by_key(|n| n.start);
    found
}

/// A text written with decimal commas ("0,75 kg × 12,40 €/kg = 9,30 €") with
/// them as points. Only where no decimal point is used at all and one such
/// number carries a unit or a currency (the writer's convention shows), and
/// only a comma between digits with one or two after it (three are
/// thousands: "2,125"), not one of a run ("1,2,3") nor in brackets ("C(5,2)").
fn decimal_commas(text: &str) -> std::borrow::Cow<'_, str> {
    static WITH_UNIT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"\d,\d{1,2}\s?(?:€|%|kg|km|cm|mm|m²|m|g|l|L|h|min|°|EUR|eur|CHF|zł|Kč|欧元|元|千克|公斤|米|升)")
            .expect("valid regex")
    });
    let b = text.as_bytes();
    let digit = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    let point = (1..b.len()).any(|i| b[i] == b'.' && digit(i - 1) && digit(i + 1));
    if point || !text.contains(',') || !WITH_UNIT.is_match(text) {
        return text.into();
    }
    let mut out = b.to_vec();
    let mut changed = false;
    for i in 1..b.len() {
        if b[i] != b',' || !digit(i - 1) {
            continue;
        }
        let after = (i + 1..b.len()).take_while(|&j| digit(j)).count();
        let mut start = i;
        while start > 0 && digit(start - 1) {
            start -= 1;
        }
        let run_before = start > 0
            && (b[start - 1] == b'('
                || b[start - 1] == b'['
                || (b[start - 1] == b',' && start >= 2 && digit(start - 2)));
        let run_after = b.get(i + 1 + after) == Some(&b',') && digit(i + 2 + after);
        if (1..=2).contains(&after) && !run_before && !run_after {
            out[i] = b'.';
            changed = true;
        }
    }
    if !changed {
        return text.into();
    }
    // Only an ASCII comma became an ASCII point: still UTF-8.
    String::from_utf8(out).map_or(text.into(), Into::into)
}

/// A fraction in words: group 1 the denominator, group 2 the numerator.
static CHINESE_FRACTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"([零〇一二两三四五六七八九十百千\d]+)分之([零〇一二两三四五六七八九十百千\d]+(?:\.\d+)?)")
        .expect("valid regex")
});

/// Numbers written in digits or Chinese numerals.
fn digits_and_numerals(text: &str) -> Vec<Number> {
    NUMBER
        .captures_iter(text)
        .filter_map(|c| {
            let whole = c.get(0)?;
            // A time of day is not a quantity the answer computed.
            if c.name("clock").is_some() {
                return None;
            }
            // A digit run glued to letters is a name ("CO2", "x1", "3rd" is kept).
            let before = text[..whole.start()].chars().next_back();
            if before.is_some_and(|b| b.is_ascii_alphabetic() || b == '_') && c.name("arabic").is_some() {
                return None;
            }
            let mut hanzi_scale = 1.0;
            let mut value = if let (Some(w), Some(n), Some(d)) = (c.name("whole"), c.name("mnum"), c.name("mden")) {
                let (w, n, d): (f64, f64, f64) =
                    (w.as_str().parse().ok()?, n.as_str().parse().ok()?, d.as_str().parse().ok()?);
                // "2 1/2" is two and a half only when the fraction is proper.
                if d == 0.0 || n >= d {
                    return None;
                }
                w + n / d
            } else if let Some(a) = c.name("arabic") {
                let digits = a.as_str().trim_end_matches(|ch: char| !ch.is_ascii_digit());
                let cleaned: String = digits
                    .chars()
                    .filter(|ch| ch.is_ascii_digit() || matches!(ch, '.' | 'e' | 'E' | '+' | '-'))
                    .collect();
                let mut v: f64 = cleaned.parse().ok()?;
                if let Some(f) = c.name("frac") {
                    let den: f64 = f.as_str()[1..].parse().ok()?;
                    if den == 0.0 {
                        return None;
                    }
                    v /= den;
                }
                v
            } else {
                let h = c.name("hanzi")?.as_str();
                // One character ("一共", "两个月", "十分") is usually a word; it is a
                // number where a result is stated with it ("答案是三", "共有五个").
                if h.chars().count() == 1 && c.name("pct").is_none() {
                    let before = window_before(text, whole.start(), 3);
                    let after = &text[whole.end()..];
                    let cue = before.ends_with(['是', '为', '有', '共', '剩', '需', '要', '得']);
                    let ends = after.is_empty()
                        || after.starts_with(|ch: char| ch.is_ascii_punctuation() || "。，；！？\n ".contains(ch));
                    if !(cue && (ends || MEASURE_WORDS.iter().any(|w| after.starts_with(w)))) {
                        return None;
                    }
                }
                // A scale word closing the numeral ("一百二十六万") is a scale, as after digits.
                let scaled = [("万亿", 1e12), ("亿", 1e8), ("万", 1e4)]
                    .into_iter()
                    .find_map(|(w, s)| h.strip_suffix(w).filter(|p| !p.is_empty()).map(|p| (p, s)));
                match scaled {
                    Some((numeral, s)) => {
                        hanzi_scale = s;
                        chinese_numeral(numeral)? * s
                    }
                    None => chinese_numeral(h)?,
                }
            };
            if let Some(e) = c.name("exp") {
                value *= 10f64.powi(e.as_str().parse::<i32>().ok()?.clamp(-300, 300));
            } else if let Some(sup) = c.name("sup") {
                let digits: String = sup
                    .as_str()
                    .chars()
                    .map(|ch| match ch {
                        '⁻' => '-',
                        _ => char::from_digit("⁰¹²³⁴⁵⁶⁷⁸⁹".chars().position(|d| d == ch).unwrap_or(0) as u32, 10)
                            .unwrap_or('0'),
                    })
                    .collect();
                value *= 10f64.powi(digits.parse::<i32>().ok()?.clamp(-300, 300));
            }
            // 千克 and 百米 are units, not 1,000 of them.
            let unit_follows = text[whole.end()..].starts_with(['克', '米', '瓦', '帕', '焦']);
            let mut scale = hanzi_scale;
            if let Some(s) = c.name("scale").filter(|_| !unit_follows) {
                scale = match s.as_str().trim() {
                    "万亿" => 1e12,
                    "万" => 1e4,
                    "亿" => 1e8,
                    "千" => 1e3,
                    "百" => 1e2,
                    "k" | "K" | "thousand" => 1e3,
                    "million" => 1e6,
                    "billion" => 1e9,
                    _ => 1.0,
                };
                value *= scale;
            }
            if c.name("neg").is_some() {
                // A hyphen between two numbers is a range or a minus sign of an expression.
                let before_neg = text[..whole.start()].trim_end().chars().next_back();
                if !before_neg.is_some_and(|b| b.is_ascii_digit()) {
                    value = -value;
                }
            }
            let percent = c.name("pct").is_some() || text[..whole.start()].ends_with("百分之");
            value.is_finite().then_some(Number { value, percent, scale, start: whole.start(), end: whole.end() })
        })
        .collect()
}

/// A Chinese numeral: 三百二十 → 320, 两千零五 → 2005, 十二 → 12, 一点五 → 1.5.
pub fn chinese_numeral(s: &str) -> Option<f64> {
    let (int_part, frac_part) = match s.split_once('点') {
        Some((i, f)) => (i, Some(f)),
        None => (s, None),
    };
    let digit = |c: char| {
        "零〇一二三四五六七八九".find(c).map(|_| match c {
            '零' | '〇' => 0,
            '一' => 1,
            '二' => 2,
            '三' => 3,
            '四' => 4,
            '五' => 5,
            '六' => 6,
            '七' => 7,
            '八' => 8,
            '九' => 9,
            _ => 0,
        })
    };
    let digit = |c: char| if c == '两' { Some(2) } else { digit(c) };
    let mut total: f64 = 0.0;
    let mut section: f64 = 0.0;
    let mut current: Option<f64> = None;
    let mut any = false;
    for c in int_part.chars() {
        if let Some(d) = digit(c) {
            current = Some(current.map_or(d as f64, |v| v * 10.0 + d as f64));
            any = true;
            continue;
        }
        let unit = match c {
            '十' => 10.0,
            '百' => 100.0,
            '千' => 1000.0,
            '万' => 1e4,
            '亿' => 1e8,
            _ => return None,
        };
        any = true;
        if unit >= 1e4 {
            section += current.take().unwrap_or(0.0);
            total = (total + section.max(if section == 0.0 { 1.0 } else { section })) * unit;
            section = 0.0;
        } else {
            section += current.take().unwrap_or(1.0) * unit;
        }
    }
    if !any && frac_part.is_none() {
        return None;
    }
    let mut value = total + section + current.unwrap_or(0.0);
    if let Some(f) = frac_part {
        let mut scale = 0.1;
        for c in f.chars() {
            value += digit(c)? as f64 * scale;
            scale /= 10.0;
        }
    }
    Some(value)
}

pub fn parse_number(s: &str) -> Option<f64> {
    let text = crate::read::fold_width(s.trim());
    numbers(&text).first().map(|n| n.value)
}

pub(super) fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 { format!("{}", n as i64) } else { n.to_string() }
}
