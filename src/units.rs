//! Units and how figures are written for people. A leaf: it imports nothing
//! from the crate.

/// `1.37 M`, `989 T`, `12.0 `: `value` to three significant figures after
/// the first of `prefixes` (scale, prefix; largest first) it reaches, the
/// prefix after a space, ready for a unit to follow.
pub fn with_prefix(value: f64, prefixes: &[(f64, &str)]) -> String {
    let (scaled, prefix) = prefixes
        .iter()
        .find(|(scale, _)| value.abs() >= *scale)
        .map_or((value, ""), |(scale, prefix)| (value / scale, *prefix));
    let decimals = if scaled.abs() >= 100.0 {
        0
    } else if scaled.abs() >= 10.0 {
        1
    } else {
        2
    };
    format!("{scaled:.decimals$} {prefix}")
}

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
    fn values_take_the_largest_prefix_they_reach() {
        let prefixes = [(1e12, "T"), (1e9, "G")];
        assert_eq!(super::with_prefix(989e12, &prefixes), "989 T");
        assert_eq!(super::with_prefix(3.35e9, &prefixes), "3.35 G");
        assert_eq!(super::with_prefix(12.0, &prefixes), "12.0 ");
    }

    #[test]
    fn seconds_pick_a_unit() {
        assert_eq!(format_seconds(1.5), "1.500 s");
        assert_eq!(format_seconds(0.0123), "12.30 ms");
        assert_eq!(format_seconds(456.7e-6), "456.7 µs");
        assert_eq!(format_seconds(12e-9), "12.00 ns");
    }
}
