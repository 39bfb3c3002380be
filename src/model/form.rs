//! The model forms: a predicted time from an operation, the roofs the probes
//! measured, and a few fitted parameters, with the term that bounds it.

use serde::{Deserialize, Serialize};

use super::Op;

/// The roofs a form scales, as the probes measured them (or a datasheet gives them).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RoofRates {
    /// Peak FLOP/s of the op's arithmetic.
    pub flop_per_s: f64,
    /// Memory bandwidth, bytes per second, on arrays beyond the caches.
    pub bytes_per_s: f64,
    /// Cost of one empty dispatch, seconds.
    pub overhead_s: f64,
}

/// The term of a form that bounds a predicted time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bound {
    /// The arithmetic.
    Compute,
    /// Moving the bytes.
    Bandwidth,
    /// The fixed cost of a dispatch, larger than either.
    Overhead,
}

impl std::fmt::Display for Bound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Bound::Compute => "compute",
            Bound::Bandwidth => "bandwidth",
            Bound::Overhead => "overhead",
        })
    }
}

/// A predicted time, its terms, and the one that bounds it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// Predicted seconds per operation.
    pub time_s: f64,
    /// The term that bounds it.
    pub bound: Bound,
    /// Seconds of arithmetic.
    pub compute_s: f64,
    /// Seconds of memory traffic.
    pub bandwidth_s: f64,
    /// Fixed seconds per operation.
    pub overhead_s: f64,
}

impl Estimate {
    /// `overhead_s + max(compute_s, bandwidth_s)`, bounded by the largest.
    fn of(overhead_s: f64, compute_s: f64, bandwidth_s: f64) -> Estimate {
        let work_s = compute_s.max(bandwidth_s);
        let bound = if overhead_s > work_s {
            Bound::Overhead
        } else if compute_s >= bandwidth_s {
            Bound::Compute
        } else {
            Bound::Bandwidth
        };
        Estimate {
            time_s: overhead_s + work_s,
            bound,
            compute_s,
            bandwidth_s,
            overhead_s,
        }
    }
}

/// A model form, by the name profiles store it under. Parameters are kept
/// in natural units, in the order [`Form::parameter_names`] gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Form {
    /// Matmul that knows the tiles its kernel ran: see [`TiledRoofline`].
    TiledRoofline,
    /// `t0 + f·bytes/BW_cache + (1−f)·bytes/BW_memory` with
    /// `f = 1 / (1 + (array_bytes/cache_bytes)²)`, the share of the traffic
    /// the cache serves: streams whose arrays fit in a cache run faster.
    CachedStream,
    /// `max(FLOPs / (P·e), bytes / (BW·e_m))` on the logical shape: one
    /// efficiency for compute and one for memory, as planners such as
    /// llm-analysis use. A baseline, and the form of datasheet profiles.
    TwoFactor,
}

/// Rows of the tiled roofline's parameter vector.
pub struct TiledRoofline;

impl TiledRoofline {
    /// Index of the fixed time per operation, seconds.
    pub const OVERHEAD: usize = 0;
    /// Index of the compute efficiency `e` against the probe's peak.
    pub const COMPUTE_EFFICIENCY: usize = 1;
    /// Index of the workgroups in flight at once, `W` (fitted: wgpu does not
    /// report compute units): tiles run in waves of W, and the last wave's
    /// idle slots cost time.
    pub const WORKGROUPS_IN_FLIGHT: usize = 2;
    /// Index of `K½`, the K at which the per-output cost (stores, the epilogue)
    /// equals the k loop's: the ramp `r_K = K / (K + K½)`.
    pub const K_HALF: usize = 3;
    /// Index of the memory efficiency `e_m` against the stream bandwidth.
    pub const MEMORY_EFFICIENCY: usize = 4;

    /// `t0 + max(2·M̃·Ñ·K / (P·e·u·r_K), traffic / (BW·e_m))`: M̃, Ñ rounded
    /// up to whole tiles; u = tiles / (waves · W), the fill of the waves;
    /// traffic the bytes the tiles read (A once per column of tiles, B once
    /// per row of tiles) and C written once.
    fn estimate(params: &[f64], roofs: &RoofRates, op: &Op, tile: Option<(u64, u64)>) -> Estimate {
        let Op::Matmul {
            m,
            n,
            k,
            element_bytes,
        } = *op
        else {
            return Estimate::of(params[Self::OVERHEAD], 0.0, 0.0);
        };
        let (tile_m, tile_n) = tile.unwrap_or((1, 1));
        let (rows, columns) = (m.div_ceil(tile_m) as f64, n.div_ceil(tile_n) as f64);
        let (m_tiled, n_tiled, k) = (rows * tile_m as f64, columns * tile_n as f64, k as f64);
        let tiles = rows * columns;
        let in_flight = params[Self::WORKGROUPS_IN_FLIGHT].round().max(1.0);
        let fill = tiles / ((tiles / in_flight).ceil() * in_flight);
        let ramp = k / (k + params[Self::K_HALF]);
        let work_flop = 2.0 * m_tiled * n_tiled * k;
        let compute_s =
            work_flop / (roofs.flop_per_s * params[Self::COMPUTE_EFFICIENCY] * fill * ramp);
        let traffic_bytes = element_bytes as f64
            * (m_tiled * k * columns + k * n_tiled * rows + m as f64 * n as f64);
        let bandwidth_s = traffic_bytes / (roofs.bytes_per_s * params[Self::MEMORY_EFFICIENCY]);
        Estimate::of(params[Self::OVERHEAD], compute_s, bandwidth_s)
    }
}

impl Form {
    /// The names of the parameters, in order, with units in the names.
    pub fn parameter_names(self) -> &'static [&'static str] {
        match self {
            Form::TiledRoofline => &[
                "overhead_s",
                "compute_efficiency",
                "workgroups_in_flight",
                "k_half",
                "memory_efficiency",
            ],
            Form::CachedStream => &[
                "overhead_s",
                "cache_bytes_per_s",
                "cache_bytes",
                "memory_bytes_per_s",
            ],
            Form::TwoFactor => &["compute_efficiency", "memory_efficiency"],
        }
    }

    /// The predicted time of `op` with `params`, given the roofs and (for
    /// the tiled roofline) the workgroup tile of the kernel that runs it.
    pub fn estimate(
        self,
        params: &[f64],
        roofs: &RoofRates,
        op: &Op,
        tile: Option<(u64, u64)>,
    ) -> Estimate {
        match self {
            Form::TiledRoofline => TiledRoofline::estimate(params, roofs, op, tile),
            Form::CachedStream => {
                let (bytes, array_bytes) = match *op {
                    Op::Stream { bytes, array_bytes } => (bytes, array_bytes),
                    Op::Matmul { .. } => (op.bytes(), op.bytes()),
                };
                let cached = 1.0 / (1.0 + (array_bytes / params[2]).powi(2));
                let bandwidth_s = cached * bytes / params[1] + (1.0 - cached) * bytes / params[3];
                Estimate::of(params[0], 0.0, bandwidth_s)
            }
            Form::TwoFactor => Estimate::of(
                0.0,
                op.flop() / (roofs.flop_per_s * params[0]),
                op.bytes() / (roofs.bytes_per_s * params[1]),
            ),
        }
    }

    /// Where a fit of this form starts, and what its parameters are pulled
    /// towards: the probes' overhead, half the compute roof, memory at the
    /// stream bandwidth, a ramp at K½ = 16, cache bandwidth twice memory's
    /// over 4 MiB.
    pub fn initial(self, roofs: &RoofRates) -> Vec<f64> {
        match self {
            Form::TiledRoofline => vec![roofs.overhead_s, 0.5, 1.0, 16.0, 1.0],
            Form::CachedStream => vec![
                roofs.overhead_s,
                2.0 * roofs.bytes_per_s,
                4.0 * 1024.0 * 1024.0,
                roofs.bytes_per_s,
            ],
            Form::TwoFactor => vec![0.5, 0.5],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOFS: RoofRates = RoofRates {
        flop_per_s: 1e12,
        bytes_per_s: 1e11,
        overhead_s: 1e-5,
    };

    fn matmul(m: u64, n: u64, k: u64) -> Op {
        Op::Matmul {
            m,
            n,
            k,
            element_bytes: 4,
        }
    }

    #[test]
    fn a_shape_of_whole_tiles_in_full_waves_runs_at_the_fitted_efficiency() {
        // 4 × 4 tiles of 64 × 64 on 16 workgroups in flight: one full wave.
        let params = [0.0, 0.5, 16.0, 0.0, 1.0];
        let e =
            Form::TiledRoofline.estimate(&params, &ROOFS, &matmul(256, 256, 256), Some((64, 64)));
        let expected_s = 2.0 * 256f64.powi(3) / (1e12 * 0.5);
        assert!((e.time_s - expected_s).abs() < 1e-15 * expected_s.max(1.0));
        assert_eq!(e.bound, Bound::Compute);
    }

    #[test]
    fn a_ragged_edge_costs_a_whole_tile_and_a_partial_wave_costs_a_whole_wave() {
        let params = [0.0, 1.0, 16.0, 0.0, 1e6];
        let full =
            Form::TiledRoofline.estimate(&params, &ROOFS, &matmul(256, 256, 64), Some((64, 64)));
        // One row more: a fifth row of tiles (20 tiles), in two waves of 16.
        let ragged =
            Form::TiledRoofline.estimate(&params, &ROOFS, &matmul(257, 256, 64), Some((64, 64)));
        assert!((ragged.time_s / full.time_s - 2.0).abs() < 1e-12);
    }

    #[test]
    fn short_k_ramps_and_overhead_bounds_tiny_work() {
        let params = [1e-3, 1.0, 1.0, 64.0, 1.0];
        let e = Form::TiledRoofline.estimate(&params, &ROOFS, &matmul(8, 8, 64), Some((8, 8)));
        assert_eq!(e.bound, Bound::Overhead);
        // K = K½ halves the rate.
        assert!((e.compute_s - 2.0 * 2.0 * 8.0 * 8.0 * 64.0 / 1e12).abs() < 1e-18);
    }

    #[test]
    fn streams_in_cache_run_at_cache_bandwidth() {
        let params = [0.0, 1e12, 1e6, 1e10];
        let small = Op::Stream {
            bytes: 3e3,
            array_bytes: 1e3,
        };
        let large = Op::Stream {
            bytes: 3e9,
            array_bytes: 1e9,
        };
        let rate = |op: &Op| {
            op.bytes()
                / Form::CachedStream
                    .estimate(&params, &ROOFS, op, None)
                    .time_s
        };
        assert!((rate(&small) / 1e12 - 1.0).abs() < 1e-3);
        assert!((rate(&large) / 1e10 - 1.0).abs() < 1e-3);
    }
}
