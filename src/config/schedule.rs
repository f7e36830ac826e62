//! A digest's `schedule:`: a 5-field cron expression, read in the digest's time zone.
//! When a digest is due by it is `crate::schedule`'s question.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use croner::Cron;
use croner::errors::CronError;
use croner::parser::{CronParser, Seconds, Year};

/// A digest's `schedule:`, parsed.
#[derive(Debug, Clone)]
pub struct Schedule {
    cron: Cron,
    pub text: String,
}

impl Schedule {
    /// Five fields (minute hour day-of-month month day-of-week), names allowed
    /// (`MON`, `JAN`), or a nickname such as `@daily`.
    pub fn parse(text: &str) -> Result<Schedule, String> {
        let parser = CronParser::builder()
            .seconds(Seconds::Disallowed)
            .year(Year::Disallowed)
            .build();
        let cron = parser.parse(text).map_err(|e| {
            // croner names the field it could not read; the rest of its message is its own.
            let why = match &e {
                CronError::IllegalCharacters(m) => match m.split("in part ").nth(1) {
                    Some(part) => format!("{part} is not a number or a name such as MON or JAN"),
                    None => e.to_string(),
                },
                CronError::InvalidPattern(m) if m.contains("5 fields") => {
                    "it needs five fields".into()
                }
                _ => e.to_string(),
            };
            format!(
                "`{text}` is not a cron expression: {why}; write minute hour day month \
                 weekday, e.g. \"0 8 * * MON\" for Mondays at 08:00"
            )
        })?;
        // An expression that names no real date (30 February) would never send.
        cron.find_next_occurrence(&Utc::now(), false)
            .map_err(|_| format!("`{text}` never comes round (no date matches it)"))?;
        Ok(Schedule {
            cron,
            text: text.to_string(),
        })
    }

    /// The first slot after `t`, in the digest's zone (daylight saving included).
    pub(crate) fn after(&self, tz: Tz, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let local = t.with_timezone(&tz);
        let next = self.cron.find_next_occurrence(&local, false).ok()?;
        Some(next.with_timezone(&Utc))
    }
}
