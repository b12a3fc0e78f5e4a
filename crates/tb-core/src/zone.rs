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
    use time::format_description::well_known::Rfc3339;
    let Ok(t) = time::OffsetDateTime::parse(rfc3339, &Rfc3339) else { return rfc3339.to_string() };
    let Ok(offset) = time::UtcOffset::from_whole_seconds(zone.offset_minutes * 60) else {
        return rfc3339.to_string();
    };
    let t = t.to_offset(offset);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
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
