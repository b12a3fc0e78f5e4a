//! Numbers, money, p-values and times as a committee reads them, one rule
//! for every output (the report, the dashboard, the evaluation report).

pub use tb_core::zone::{Zone, local_time};

pub use crate::catalog::{GLOSSARY, term};

/// A number with thousands separators and `decimals` places: `1,180,000.00`.
pub fn grouped(x: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, x.abs());
    let (int, frac) = s.split_once('.').map_or((s.as_str(), None), |(i, f)| (i, Some(f)));
    let mut out = String::with_capacity(s.len() + int.len() / 3 + 1);
    if x < 0.0 && s.bytes().any(|b| b.is_ascii_digit() && b != b'0') {
        out.push('-');
    }
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// An amount of money in yuan, the one form every output uses:
/// `1,180,000.00 元` in Chinese, `¥1,180,000.00` in English.
pub fn money(x: f64, lang: crate::Lang) -> String {
    match lang {
        crate::Lang::Zh => format!("{} 元", grouped(x, 2)),
        crate::Lang::En => format!("¥{}", grouped(x, 2)),
    }
}

/// "p = 0.034", or "p < 0.001".
pub fn p_equals(p: f64) -> String {
    if p < 0.001 { "p < 0.001".to_string() } else { format!("p = {p:.3}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_and_p_values_have_one_form() {
        assert_eq!(money(1_180_000.0, crate::Lang::Zh), "1,180,000.00 元");
        assert_eq!(money(1_180_000.0, crate::Lang::En), "¥1,180,000.00");
        assert_eq!(money(999.5, crate::Lang::En), "¥999.50");
        assert_eq!(grouped(-1234567.891, 1), "-1,234,567.9");
        assert_eq!(grouped(-0.001, 2), "0.00");
        assert_eq!(grouped(100.0, 0), "100");
        assert_eq!(p_equals(0.0000), "p < 0.001");
        assert_eq!(p_equals(0.0342), "p = 0.034");
    }
}
