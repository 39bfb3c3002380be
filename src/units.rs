//! Units and how figures are written for people. A leaf: it imports nothing
//! from the crate.

/// `1.23 ms`, `456.7 µs`, `12.0 ns`: three significant figures in a fitting unit.
pub fn format_seconds(seconds: f64) -> String {
    let (value, unit) = if seconds >= 1.0 {
        (seconds, "s")
    } else if seconds >= 1e-3 {
        (seconds * 1e3, "ms")
    } else if seconds >= 1e-6 {
        (seconds * 1e6, "µs")
    } else {
        (seconds * 1e9, "ns")
    };
    let decimals = if value >= 100.0 {
        1
    } else if value >= 10.0 {
        2
    } else {
        3
    };
    format!("{value:.decimals$} {unit}")
}

#[cfg(test)]
mod tests {
    use super::format_seconds;

    #[test]
    fn seconds_pick_a_unit() {
        assert_eq!(format_seconds(1.5), "1.500 s");
        assert_eq!(format_seconds(0.0123), "12.30 ms");
        assert_eq!(format_seconds(456.7e-6), "456.7 µs");
        assert_eq!(format_seconds(12e-9), "12.00 ns");
    }
}
