//! Times as the procurement's documents give them: in the tender's time
//! zone, to the second. Only zones without daylight saving are named, so a
//! fixed offset is exact without a time-zone database.

/// A time zone without daylight saving, as the procurement's documents give
/// times: `Asia/Shanghai` (the default) and its neighbours, or a fixed
/// offset (`UTC+08:00`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Zone {
    /// Minutes east of UTC.
    pub offset_minutes: i32,
}

/// Named zones whose offset has not changed in decades and has no daylight saving.
const NAMED: [(&str, i32); 8] = [
    ("Asia/Shanghai", 480),
    ("Asia/Chongqing", 480),
    ("Asia/Hong_Kong", 480),
    ("Asia/Macau", 480),
    ("Asia/Taipei", 480),
    ("Asia/Singapore", 480),
    ("Asia/Tokyo", 540),
    ("UTC", 0),
];

impl Default for Zone {
    fn default() -> Self {
        Zone { offset_minutes: 480 }
    }
}

impl Zone {
    /// Parses a named zone of [`NAMED`] or `UTC±HH:MM`.
    pub fn parse(s: &str) -> Result<Zone, String> {
        if let Some((_, m)) = NAMED.iter().find(|(n, _)| *n == s) {
            return Ok(Zone { offset_minutes: *m });
        }
        let bad = || {
            let names: Vec<&str> = NAMED.iter().map(|(n, _)| *n).collect();
            format!("time zone {s:?}: use one of {} or a fixed offset such as UTC+08:00", names.join(", "))
        };
        let rest = s.strip_prefix("UTC").ok_or_else(bad)?;
        let sign = match rest.chars().next() {
            Some('+') => 1,
            Some('-') => -1,
            _ => return Err(bad()),
        };
        let (h, m) = rest[1..].split_once(':').ok_or_else(bad)?;
        let (h, m): (i32, i32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
        if h > 14 || m > 59 || h.to_string().len() > 2 {
            return Err(bad());
        }
        Ok(Zone { offset_minutes: sign * (h * 60 + m) })
    }

    /// How the zone is named beside a time: `UTC+08:00`.
    pub fn label(self) -> String {
        let m = self.offset_minutes.abs();
        format!("UTC{}{:02}:{:02}", if self.offset_minutes < 0 { '-' } else { '+' }, m / 60, m % 60)
    }
}

/// An RFC 3339 time (as the store writes them) in `zone`, to the second:
/// `2026-12-06 12:32:58`. A time that does not parse is shown as it is.
pub fn local_time(rfc3339: &str, zone: Zone) -> String {
    let Some(utc) = parse_rfc3339(rfc3339) else { return rfc3339.to_string() };
    let t = utc + zone.offset_minutes as i64 * 60;
    let (days, secs) = (t.div_euclid(86_400), t.rem_euclid(86_400));
    let (y, mo, d) = civil_from_days(days);
    format!("{y:04}-{mo:02}-{d:02} {:02}:{:02}:{:02}", secs / 3600, secs % 3600 / 60, secs % 60)
}

/// Seconds since the Unix epoch of `YYYY-MM-DDTHH:MM:SS[.fff…](Z|±HH:MM)`.
fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        rest = frac.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let (oh, om) = rest[1..].split_once(':')?;
            sign * (oh.parse::<i64>().ok()? * 3600 + om.parse::<i64>().ok()? * 60)
        }
    };
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + se - offset)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { yoe + era * 400 + 1 } else { yoe + era * 400 }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_in_the_tenders_zone_to_the_second() {
        let shanghai = Zone::default();
        assert_eq!(local_time("2026-12-06T04:32:58.322492056Z", shanghai), "2026-12-06 12:32:58");
        assert_eq!(local_time("2026-12-31T20:00:00Z", shanghai), "2027-01-01 04:00:00");
        assert_eq!(local_time("2024-02-29T23:59:59+01:00", Zone::parse("UTC").unwrap()), "2024-02-29 22:59:59");
        assert_eq!(local_time("2026-03-01T00:00:00Z", Zone::parse("UTC-05:30").unwrap()), "2026-02-28 18:30:00");
        assert_eq!(local_time("yesterday", shanghai), "yesterday");
        assert_eq!(shanghai.label(), "UTC+08:00");
        assert!(Zone::parse("Europe/Paris").unwrap_err().contains("Asia/Shanghai"));
        assert!(Zone::parse("UTC+8").is_err());
    }
}
