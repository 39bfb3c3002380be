//! The roofs of a report: what its probe workloads measured the device's
//! limits to be (compute per element type, memory bandwidth, dispatch
//! overhead), and the figures of other kernels that exceed them.

use super::figures::{best, rate_of};
use crate::case::{Dtype, Roof};
use crate::report::{Measurement, Report, RoofFlag};
use crate::workloads;

/// The best verified figure of each roof probe in a report.
#[derive(Debug, Clone, Default)]
pub struct Roofs<'a> {
    /// The compute roof of each element type measured.
    pub compute: Vec<(Dtype, &'a Measurement)>,
    /// The memory bandwidth roof.
    pub bandwidth: Option<&'a Measurement>,
    /// The cost of one empty dispatch.
    pub dispatch_overhead: Option<&'a Measurement>,
}

/// The roof `m`'s workload probes, if any.
pub fn probe_of(m: &Measurement) -> Option<Roof> {
    workloads::by_family(&m.workload).and_then(|w| w.roof())
}

impl<'a> Roofs<'a> {
    /// The roofs `report`'s probes measured.
    pub fn of(report: &'a Report) -> Roofs<'a> {
        let probes = |roof: Roof| {
            report
                .measurements
                .iter()
                .filter(move |m| probe_of(m) == Some(roof))
        };
        let mut dtypes: Vec<Dtype> = Vec::new();
        for m in probes(Roof::Compute) {
            if !dtypes.contains(&m.dtype) {
                dtypes.push(m.dtype);
            }
        }
        Roofs {
            compute: dtypes
                .into_iter()
                .filter_map(|dtype| {
                    Some((
                        dtype,
                        best(probes(Roof::Compute).filter(|m| m.dtype == dtype))?,
                    ))
                })
                .collect(),
            bandwidth: best(probes(Roof::Bandwidth)),
            dispatch_overhead: best(probes(Roof::DispatchOverhead)),
        }
    }

    /// The compute roof of `dtype`.
    pub fn compute_of(&self, dtype: Dtype) -> Option<&'a Measurement> {
        self.compute
            .iter()
            .find(|(d, _)| *d == dtype)
            .map(|(_, m)| *m)
    }

    /// The compute roof a kernel with `dtype` inputs is bound by: the best
    /// peak of its own type or of f32, since a kernel may do its arithmetic
    /// in f32 (an f16 matmul accumulating in f32 on a CPU adapter, whose f16
    /// peak is f32 arithmetic rounded back, runs above the f16 peak).
    pub fn compute_bound(&self, dtype: Dtype) -> Option<&'a Measurement> {
        best(
            [self.compute_of(dtype), self.compute_of(Dtype::F32)]
                .into_iter()
                .flatten(),
        )
    }

    /// Every verified figure of `report` above a roof its workload is bound
    /// by: FLOP/s above its compute bound, bytes per second above the
    /// bandwidth roof. Each says the probe read low.
    pub fn flags(&self, report: &Report) -> Vec<RoofFlag> {
        let mut flags = Vec::new();
        for m in report.measurements.iter().filter(|m| rate_of(m).is_some()) {
            let bounds = workloads::by_family(&m.workload).map_or(&[][..], |w| w.bounded_by());
            for roof in bounds {
                let (figure, probe) = match roof {
                    Roof::Compute => (m.gflop_per_s, self.compute_bound(m.dtype)),
                    Roof::Bandwidth => (m.gb_per_s, self.bandwidth),
                    Roof::DispatchOverhead => continue,
                };
                let probe_figure = probe.and_then(|p| match roof {
                    Roof::Compute => p.gflop_per_s,
                    _ => p.gb_per_s,
                });
                if let (Some(rate), Some(probe), Some(roof_rate)) = (figure, probe, probe_figure) {
                    if rate > roof_rate {
                        flags.push(RoofFlag {
                            measurement: m.name(),
                            rate,
                            roof: probe.name(),
                            roof_rate,
                            unit: match roof {
                                Roof::Compute => "GFLOP/s",
                                _ => "GB/s",
                            }
                            .into(),
                        });
                    }
                }
            }
        }
        flags
    }
}
