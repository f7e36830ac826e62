//! Dates as feeds write them, not only as the RFCs say; the strict formats first, as
//! nearly every feed uses one. A date without a zone is taken as UTC, as other feed
//! readers take it: hours off at worst, where dating it by first sight would present
//! years-old items as new on a first run.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike, Utc};

/// Reads one date string; `None` when it is not a date in any form we know.
pub(crate) fn parse_date(raw: &str) -> Option<DateTime<Utc>> {
    let s = raw.trim();
    if s.is_empty() {
        return None;
    }
    DateTime::parse_from_rfc3339(s)
        .or_else(|_| DateTime::parse_from_rfc2822(s))
        .map(|d| d.with_timezone(&Utc))
        .ok()
        .or_else(|| iso_like(s))
        .or_else(|| worded(s))
}

/// ISO 8601 and its relatives: `2012-11-13T14:36:22`, a space instead of `T`,
/// fractional seconds, `+0100`, `+01`, a truncated `+00:0`, or no time at all.
fn iso_like(s: &str) -> Option<DateTime<Utc>> {
    let day = s.get(..10)?;
    let date = NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(day, "%Y/%m/%d"))
        .ok()?;
    let rest = &s[10..];
    let Some(rest) = rest.strip_prefix(['T', 't', ' ']) else {
        return rest
            .trim()
            .is_empty()
            .then(|| Utc.from_utc_datetime(&date.and_time(NaiveTime::MIN)));
    };
    let rest = rest.trim();
    let zone_at = rest
        .find(|c: char| matches!(c, 'Z' | 'z' | '+' | '-') || c.is_ascii_whitespace())
        .unwrap_or(rest.len());
    let (clock, zone) = rest.split_at(zone_at);
    let time = ["%H:%M:%S%.f", "%H:%M"]
        .iter()
        .find_map(|f| NaiveTime::parse_from_str(clock, f).ok())?;
    let offset = match zone.trim() {
        "" => FixedOffset::east_opt(0)?,
        zone => offset(zone)?,
    };
    local(date.and_time(time), offset)
}

/// `+01:00`, `+0100`, `+01`, `-5`, and the truncated `+00:0` some generators write;
/// `Z`, `UT`, `UTC`, `GMT`, the North American zone names RFC 822 allows and the
/// common European and Asian ones.
fn offset(zone: &str) -> Option<FixedOffset> {
    if let Some(hours) = named_zone(zone) {
        return FixedOffset::east_opt(hours * 3600);
    }
    let sign = match zone.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits = &zone[1..];
    let (hours, minutes) = match digits.split_once(':') {
        Some((h, m)) => (h, m),
        None if digits.len() > 2 => digits.split_at(2),
        None => (digits, ""),
    };
    let digits = hours
        .bytes()
        .chain(minutes.bytes())
        .all(|b| b.is_ascii_digit());
    if !digits || hours.is_empty() || hours.len() > 2 || minutes.len() > 2 {
        return None;
    }
    let hours: i32 = hours.parse().ok()?;
    // A lone minute digit lost its trailing zero: `+05:3` was `+05:30`.
    let minutes: i32 = format!("{minutes:0<2}").parse().ok()?;
    if hours > 14 || minutes > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))
}

fn named_zone(zone: &str) -> Option<i32> {
    Some(match zone.to_ascii_uppercase().as_str() {
        "Z" | "UT" | "UTC" | "GMT" | "WET" => 0,
        "CET" | "BST" | "WEST" | "MET" => 1,
        "CEST" | "EET" | "MEST" => 2,
        "EEST" | "MSK" => 3,
        "SGT" | "HKT" | "AWST" => 8,
        "JST" | "KST" => 9,
        "AEST" => 10,
        "AEDT" => 11,
        "NZST" => 12,
        "NZDT" => 13,
        "EDT" => -4,
        "EST" | "CDT" => -5,
        "CST" | "MDT" => -6,
        "MST" | "PDT" => -7,
        "PST" | "AKDT" => -8,
        "AKST" => -9,
        "HST" => -10,
        _ => return None,
    })
}

/// Dates written in words, in whatever order: `Sat, Dec 16 2023 02:02:33 PM`,
/// `Thursday, 13 July 2011 07:38 GMT`, `16 Dec 23 14:02 +0000`. A weekday, wrong or
/// not, is ignored.
fn worded(s: &str) -> Option<DateTime<Utc>> {
    let (mut day, mut month, mut year, mut afternoon, mut zone) = (None, None, None, None, None);
    let mut time: Option<NaiveTime> = None;
    for token in s
        .split(|c: char| c.is_ascii_whitespace() || c == ',')
        .filter(|t| !t.is_empty())
    {
        let lower = token.to_ascii_lowercase();
        if lower.bytes().all(|b| b.is_ascii_alphabetic() || b == b'.') {
            let word = lower.trim_end_matches('.');
            if let Some(m) = month_number(word) {
                month = Some(m);
            } else if matches!(word, "am" | "a.m") {
                afternoon = Some(false);
            } else if matches!(word, "pm" | "p.m") {
                afternoon = Some(true);
            } else if !is_weekday(word) && !matches!(word, "at" | "on" | "of" | "the") {
                // An unknown zone name is taken as UTC: hours off at worst, where
                // no date would put a years-old item at the top.
                zone = Some(offset(token).unwrap_or(FixedOffset::east_opt(0)?));
            }
        } else if token.starts_with('(') || token.ends_with(')') {
            // An RFC 822 comment, such as `(CEST)`.
        } else if token.contains(':') && !token.starts_with(['+', '-']) {
            time = Some(clock(token)?);
        } else if token.starts_with(['+', '-']) {
            zone = Some(offset(token)?);
        } else {
            let number: u32 = token
                .trim_end_matches(|c: char| c.is_ascii_alphabetic())
                .parse()
                .ok()?;
            if token.len() == 4 || day.is_some() {
                year = Some(number);
            } else {
                day = Some(number);
            }
        }
    }
    let year = match year? {
        y @ 0..=49 => y + 2000,
        y @ 50..=99 => y + 1900,
        y => y,
    };
    let date = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month?, day?)?;
    let mut time = time.unwrap_or(NaiveTime::MIN);
    match (afternoon, time.hour()) {
        (Some(true), h @ 1..=11) => time = time.with_hour(h + 12)?,
        (Some(false), 12) => time = time.with_hour(0)?,
        _ => {}
    }
    let offset = zone.map_or(FixedOffset::east_opt(0), Some)?;
    local(date.and_time(time), offset)
}

fn clock(token: &str) -> Option<NaiveTime> {
    let mut parts = token.split(':');
    let hour: u32 = parts.next()?.parse().ok()?;
    let minute: u32 = parts.next()?.parse().ok()?;
    let second: u32 = match parts.next() {
        Some(s) => s.split('.').next()?.parse().ok()?,
        None => 0,
    };
    if parts.next().is_some() {
        return None;
    }
    // Some feeds write midnight as 24:00 of the same day.
    NaiveTime::from_hms_opt(hour % 24, minute, second)
}

fn local(at: NaiveDateTime, offset: FixedOffset) -> Option<DateTime<Utc>> {
    offset
        .from_local_datetime(&at)
        .single()
        .map(|d| d.with_timezone(&Utc))
}

const MONTHS: &str =
    "january february march april may june july august september october november december";
const WEEKDAYS: &str = "monday tuesday wednesday thursday friday saturday sunday";

/// "march", "mar" and "sept" yes, "marzipan" no: a month's own spelling, from three
/// letters on.
fn month_number(word: &str) -> Option<u32> {
    let n = (MONTHS.split(' ')).position(|m| word.len() >= 3 && m.starts_with(word))?;
    Some(n as u32 + 1)
}

fn is_weekday(word: &str) -> bool {
    word.len() >= 2 && WEEKDAYS.split(' ').any(|d| d.starts_with(word))
}

#[cfg(test)]
mod tests {
    use super::parse_date;

    #[test]
    fn dates_as_feeds_write_them() {
        for (raw, utc) in [
            // Strict formats.
            ("Thu, 14 Dec 2023 09:00:00 +0100", "2023-12-14T08:00:00Z"),
            ("2023-12-14T09:00:00+01:00", "2023-12-14T08:00:00Z"),
            ("Tue, 10 Jun 2003 04:00:00 GMT", "2003-06-10T04:00:00Z"),
            // A missing zone means UTC.
            ("2012-11-13T14:36:22", "2012-11-13T14:36:22Z"),
            ("2012-11-13 14:36", "2012-11-13T14:36:00Z"),
            ("2012-11-13", "2012-11-13T00:00:00Z"),
            ("Sat, Dec 16 2023 02:02:33 PM", "2023-12-16T14:02:33Z"),
            // Odd zones.
            ("Fri, 15 Dec 2023 10:20:30 +00:0", "2023-12-15T10:20:30Z"),
            ("2023-12-15T10:20:30+0530", "2023-12-15T04:50:30Z"),
            ("2023-12-15T10:20:30+05:3", "2023-12-15T04:50:30Z"),
            ("Fri, 15 Dec 2023 10:20:30 UTC", "2023-12-15T10:20:30Z"),
            ("Fri, 15 Dec 2023 10:20:30 PST", "2023-12-15T18:20:30Z"),
            // Words in any order.
            ("Thurs, 13 July 2011 07:38:00 GMT", "2011-07-13T07:38:00Z"),
            ("Wed, 25 Aug 2012 9:05:00 +0000", "2012-08-25T09:05:00Z"),
            ("16 Dec 23 14:02 +0000", "2023-12-16T14:02:00Z"),
            ("December 16, 2023", "2023-12-16T00:00:00Z"),
            ("Mon, 6 May 2024 08:00:00 CEST", "2024-05-06T06:00:00Z"),
            (
                "Mon, 6 May 2024 08:00:00 +0200 (CEST)",
                "2024-05-06T06:00:00Z",
            ),
            ("2024/05/06 08:00:00", "2024-05-06T08:00:00Z"),
        ] {
            let read = parse_date(raw).map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string());
            assert_eq!(read.as_deref(), Some(utc), "{raw}");
        }
    }

    #[test]
    fn not_dates() {
        for raw in [
            "",
            "soon",
            "at 12:00 on the 5th",
            "2023-13-45",
            "Dec 2023",
            "12:00",
        ] {
            assert_eq!(parse_date(raw), None, "{raw}");
        }
    }
}
