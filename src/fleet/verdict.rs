//! A node's verdict, the findings that decided it, and the thresholds that
//! turn a node's robust aggregate into pass, warn or fail.

use serde::Serialize;

use super::score::Aggregate;

/// Fewer nodes than this in a group and its median and MAD say too little:
/// with two nodes neither can be told to be the odd one.
pub const MIN_NODES: usize = 3;

/// How a node came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Within the group's noise.
    Pass,
    /// Worth a look: somewhat slow, a case far off, a case not measured, or
    /// too few peers to compare with.
    Warn,
    /// Slow beyond doubt, or a wrong answer or failed case.
    Fail,
    /// Expected, but no report came from it.
    Missing,
}

impl Verdict {
    /// The verdict in words, as tables print it.
    pub fn words(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Warn => "WARN",
            Verdict::Fail => "FAIL",
            Verdict::Missing => "MISSING",
        }
    }

    /// Whether a health check should act on it (anything but a pass).
    pub fn flagged(self) -> bool {
        self != Verdict::Pass
    }
}

/// One reason for a verdict, in words, with the verdict it leads to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// Warn or fail (or missing).
    pub level: Verdict,
    /// What was found, with its figures.
    pub text: String,
}

impl Finding {
    /// A finding at `level`.
    pub fn new(level: Verdict, text: impl Into<String>) -> Finding {
        Finding {
            level,
            text: text.into(),
        }
    }
}

/// Where a node is slow enough to warn or fail. Fractions are of the group
/// median (0.05 = 5% below it); z-scores are robust (median and scaled MAD).
/// Both the drop and the z must be reached: the drop alone would fail a
/// node of a noisy group, the z alone a node 0.5% slow in a group of
/// identical ones.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Thresholds {
    /// Warn when the node's aggregate is at least this far below the median...
    pub warn_below: f64,
    /// ... with an aggregate z-score at or below minus this.
    pub warn_z: f64,
    /// Fail when the aggregate is at least this far below the median...
    pub fail_below: f64,
    /// ... with an aggregate z-score at or below minus this.
    pub fail_z: f64,
    /// Warn when one case alone is this far below its median...
    pub case_below: f64,
    /// ... with its own z-score at or below minus this.
    pub case_z: f64,
    /// The smallest σ a case is judged with, as a fraction of its median, so
    /// that identical nodes (a MAD of zero) do not turn a 1% difference into
    /// a huge z.
    pub noise_floor: f64,
}

impl Default for Thresholds {
    /// Warn at 5% below with z ≤ −3, fail at 10% below with z ≤ −4, warn on
    /// one case 20% below with z ≤ −6, σ never under 1% of the median (the
    /// README defends them).
    fn default() -> Self {
        Thresholds {
            warn_below: 0.05,
            warn_z: 3.0,
            fail_below: 0.10,
            fail_z: 4.0,
            case_below: 0.20,
            case_z: 6.0,
            noise_floor: 0.01,
        }
    }
}

impl Thresholds {
    /// Refuses thresholds that cannot work: drops outside 0–100%, a noise
    /// floor that is not positive, or a fail threshold milder than the warn one.
    pub fn check(&self) -> Result<(), String> {
        let drops = [
            ("warn-below", self.warn_below),
            ("fail-below", self.fail_below),
            ("case-below", self.case_below),
        ];
        for (name, drop) in drops {
            if !(drop > 0.0 && drop < 1.0) {
                return Err(format!(
                    "--{name} {} is not a percentage between 0 and 100",
                    drop * 100.0
                ));
            }
        }
        for (name, z) in [
            ("warn-z", self.warn_z),
            ("fail-z", self.fail_z),
            ("case-z", self.case_z),
        ] {
            if !(z.is_finite() && z >= 0.0) {
                return Err(format!("--{name} {z} is not a z-score of 0 or more"));
            }
        }
        if !(self.noise_floor > 0.0 && self.noise_floor < 1.0) {
            return Err(format!(
                "--noise-floor {} is not a percentage between 0 and 100",
                self.noise_floor * 100.0
            ));
        }
        if self.fail_below < self.warn_below || self.fail_z < self.warn_z {
            return Err("a fail threshold is milder than the warn one: \
                 --fail-below and --fail-z must be at least --warn-below and --warn-z"
                .into());
        }
        Ok(())
    }

    /// The verdict an aggregate reaches: fail, warn, or None for a pass.
    pub fn judge(&self, aggregate: &Aggregate) -> Option<Verdict> {
        let slow = |below: f64, z: f64| aggregate.fraction <= 1.0 - below && aggregate.z <= -z;
        if slow(self.fail_below, self.fail_z) {
            Some(Verdict::Fail)
        } else if slow(self.warn_below, self.warn_z) {
            Some(Verdict::Warn)
        } else {
            None
        }
    }

    /// Whether one case alone is far enough off to warn.
    pub fn case_far_off(&self, fraction: f64, z: f64) -> bool {
        fraction <= 1.0 - self.case_below && z <= -self.case_z
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aggregate(fraction: f64, z: f64) -> Aggregate {
        Aggregate {
            fraction,
            z,
            cases: 10,
        }
    }

    #[test]
    fn both_the_drop_and_the_z_decide() {
        let t = Thresholds::default();
        assert_eq!(t.judge(&aggregate(0.89, -6.0)), Some(Verdict::Fail));
        assert_eq!(t.judge(&aggregate(0.89, -3.5)), Some(Verdict::Warn));
        assert_eq!(t.judge(&aggregate(0.94, -9.0)), Some(Verdict::Warn));
        assert_eq!(t.judge(&aggregate(0.96, -9.0)), None, "too small a drop");
        assert_eq!(
            t.judge(&aggregate(0.80, -2.0)),
            None,
            "within a noisy group"
        );
        assert_eq!(t.judge(&aggregate(1.20, 9.0)), None, "faster is no fault");
    }

    #[test]
    fn thresholds_that_cannot_work_are_refused() {
        assert!(Thresholds::default().check().is_ok());
        let milder_fail = Thresholds {
            fail_below: 0.03,
            ..Thresholds::default()
        };
        assert!(milder_fail.check().unwrap_err().contains("milder"));
        let over = Thresholds {
            warn_below: 1.5,
            ..Thresholds::default()
        };
        assert!(over.check().unwrap_err().contains("--warn-below 150"));
    }
}
