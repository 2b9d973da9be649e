//! Calendar arithmetic: proleptic Gregorian dates (as `java.time`, Python and the `date` type
//! use) and Java's hybrid Julian/Gregorian calendar (as `java.util.GregorianCalendar`, hence
//! Cassandra's timestamp parsing, uses: Julian before 1582-10-15).

pub const MILLIS_PER_DAY: i64 = 86_400_000;

/// Days from 1970-01-01 to the proleptic Gregorian date `y-m-d`.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date `days` after 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    // `m` is in 1..=12 and `d` in 1..=31 by construction.
    (y, m as u32, d as u32)
}

pub fn is_leap_gregorian(y: i64) -> bool {
    y.rem_euclid(4) == 0 && (y.rem_euclid(100) != 0 || y.rem_euclid(400) == 0)
}

/// Days in month `m` (0 for a month outside 1..=12).
pub fn month_length(m: u32, leap: bool) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => 0,
    }
}

/// Whether `y-m-d` is a valid proleptic Gregorian date.
pub fn is_valid_gregorian(y: i64, m: u32, d: u32) -> bool {
    (1..=12).contains(&m) && d >= 1 && d <= month_length(m, is_leap_gregorian(y))
}

/// Days from 1970-01-01 to `y-m-d` in Java's default `GregorianCalendar` (Julian calendar
/// before the 1582-10-15 cutover), for years 1 and later; `None` for an invalid date, including
/// the ten days the cutover skipped.
pub fn days_from_hybrid(y: i64, m: u32, d: u32) -> Option<i64> {
    if y < 1 || !(1..=12).contains(&m) || d < 1 {
        return None;
    }
    let before_cutover = (y, m, d) < (1582, 10, 15);
    if !before_cutover {
        return is_valid_gregorian(y, m, d).then(|| days_from_civil(y, m, d));
    }
    if (y, m) == (1582, 10) && d > 4 {
        return None;
    }
    if d > month_length(m, y % 4 == 0) {
        return None;
    }
    // Julian day number, then shift to the Unix epoch (JDN 2440588).
    let a = (14 - i64::from(m)) / 12;
    let yy = y + 4800 - a;
    let mm = i64::from(m) + 12 * a - 3;
    let jdn = i64::from(d) + (153 * mm + 2) / 5 + 365 * yy + yy / 4 - 32_083;
    Some(jdn - 2_440_588)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        for days in (-1_000_000..1_000_000).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert!(is_valid_gregorian(y, m, d));
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2011, 2, 3), 15_008);
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(i64::from(i32::MIN)), (-5_877_641, 6, 23));
        assert_eq!(civil_from_days(i64::from(i32::MAX)), (5_881_580, 7, 11));
    }

    #[test]
    fn hybrid_calendar() {
        assert_eq!(days_from_hybrid(1582, 10, 15), Some(days_from_civil(1582, 10, 15)));
        assert_eq!(days_from_hybrid(1582, 10, 4), Some(days_from_civil(1582, 10, 15) - 1));
        assert_eq!(days_from_hybrid(1582, 10, 10), None);
        assert_eq!(days_from_hybrid(1500, 2, 29), Some(days_from_civil(1500, 3, 10)));
        assert_eq!(days_from_hybrid(1900, 2, 29), None);
        assert_eq!(days_from_hybrid(0, 1, 1), None);
        // 0001-01-01 Julian is 0000-12-30 proleptic Gregorian.
        assert_eq!(days_from_hybrid(1, 1, 1), Some(days_from_civil(0, 12, 30)));
    }
}
