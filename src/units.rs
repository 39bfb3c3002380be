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

/// `1.23 TFLOP/s`, `45.6 GB/s`: `value` of `unit` per second (`FLOP/s`,
/// `B/s`) with an SI prefix and three significant figures.
pub fn format_rate(value: f64, unit: &str) -> String {
    let prefixes = [(1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")];
    let (scale, prefix) = prefixes
        .iter()
        .find(|(scale, _)| value >= *scale)
        .copied()
        .unwrap_or((1.0, ""));
    let scaled = value / scale;
    let decimals = if scaled >= 100.0 {
        1
    } else if scaled >= 10.0 {
        2
    } else {
        3
    };
    format!("{scaled:.decimals$} {prefix}{unit}")
}

/// `12.3%`: a fraction as a percentage with one decimal.
pub fn format_percent(fraction: f64) -> String {
    format!("{:.1}%", 100.0 * fraction)
}

#[cfg(test)]
mod tests {
    use super::{format_percent, format_rate, format_seconds};

    #[test]
    fn rates_and_percentages() {
        assert_eq!(format_rate(7.91e14, "FLOP/s"), "791.0 TFLOP/s");
        assert_eq!(format_rate(1.234e10, "B/s"), "12.34 GB/s");
        assert_eq!(format_rate(5.0, "B/s"), "5.000 B/s");
        assert_eq!(format_percent(0.1234), "12.3%");
    }

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
