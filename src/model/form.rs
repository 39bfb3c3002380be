//! The model forms: a predicted time from an operation, the roofs the probes
//! measured, and a few fitted parameters, with the term that bounds it.

use serde::{Deserialize, Serialize};

use super::{Op, Tile};
use crate::reference::AttentionDims;

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

/// Where an operation runs, as far as the caches are concerned.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Context {
    /// Alone and repeated, as the calibrate suite measures it: what one
    /// run leaves in the caches is there for the next.
    Alone,
    /// One op of a stack (a transformer's layers) that moves
    /// `working_set_bytes` through the caches between two runs of it: the
    /// op's first reads find its data in a cache only as far as that much
    /// would fit; a tiled product's rereads find what it brought in itself
    /// (see [`TiledRoofline`]'s estimate).
    Stack {
        /// Bytes the stack reads and writes between two runs of the op.
        working_set_bytes: f64,
    },
}

impl Context {
    /// The share of an op's data of `bytes` a cache of `cache_bytes` still
    /// holds when the op starts: as alone ([`cached_share`] at its own
    /// bytes), or what survived the rest of the stack (at the larger of its
    /// bytes and the stack's).
    fn cached_share(self, bytes: f64, cache_bytes: f64) -> f64 {
        match self {
            Context::Alone => cached_share(bytes, cache_bytes),
            Context::Stack { working_set_bytes } => {
                cached_share(bytes.max(working_set_bytes), cache_bytes)
            }
        }
    }
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
    /// Matmul that knows the tiles its kernel ran: see [`TiledRoofline`];
    /// its compute rate also depends on whether the operands fit a cache.
    TiledRoofline,
    /// Fused (flash-style) attention that knows its kernel's tiles: the
    /// tiled roofline on the (query, key) pairs the kernel really scores.
    /// Parameters as the tiled roofline's, K½ counted in keys.
    TiledAttention,
    /// Decode attention (one or a few query rows against a long K/V): the
    /// tiled roofline on its stretches of keys, split-KV's partials and
    /// merge dispatch counted; the fill of the device bounds its bandwidth
    /// too (a few workgroups cannot draw the whole memory bandwidth); and
    /// matmul's cache term on its bytes, scaling its bandwidth as well as
    /// its compute, since a K/V cache read once per token is fed from a
    /// cache only while it is small, or the op repeated.
    TiledDecode,
    /// `t0 + f·bytes/BW_cache + (1−f)·bytes/BW_memory` with `f` the
    /// [`cached_share`] of the traffic at the stream's array size: streams
    /// whose arrays fit in a cache run faster.
    CachedStream,
    /// [`Form::CachedStream`] over several kernels, plus a start per
    /// workgroup, each kernel with its own bandwidth (and cost per
    /// workgroup) relative to the most measured kernel's (the fitted ones
    /// are that kernel's): the small kernels between a transformer's matmuls,
    /// which reductions, `tanh` and index arithmetic keep below a copy's
    /// bandwidth, each by its own amount.
    KernelStream,
    /// `max(FLOPs / (P·e), bytes / (BW·e_m))` on the logical shape: one
    /// efficiency for compute and one for memory, as planners such as
    /// llm-analysis use. A baseline, and the form of datasheet profiles.
    TwoFactor,
}

/// Decode's parameter names, in [`TiledRoofline`]'s order (K½ counted in
/// keys).
const DECODE_PARAMETERS: [&str; 7] = [
    "overhead_s",
    "compute_efficiency",
    "workgroups_in_flight",
    "keys_half",
    "memory_efficiency",
    "cache_bytes",
    "uncached_rate",
];

/// The kernel stream's parameter names, in [`StreamParams`]' order.
const KERNEL_STREAM_PARAMETERS: [&str; 5] = [
    "overhead_s",
    "cache_bytes_per_s",
    "cache_bytes",
    "memory_bytes_per_s",
    "workgroup_s",
];

/// Where a fit of the kernel stream's cost per workgroup starts, seconds.
const WORKGROUP_START_S: f64 = 1e-7;

/// Where a fit of a cache's size starts, bytes.
const CACHE_BYTES_START: f64 = 4.0 * 1024.0 * 1024.0;

/// The share of an op's data a cache of `cache_bytes` serves when its
/// arrays span `bytes`: `1 / (1 + (bytes / cache_bytes)²)`, near 1 well
/// within the cache, a half at its size, near 0 well beyond.
fn cached_share(bytes: f64, cache_bytes: f64) -> f64 {
    1.0 / (1.0 + (bytes / cache_bytes).powi(2))
}

/// The parameters of the stream forms, by index: the cached stream's four,
/// and the kernel stream's cost per workgroup after them.
pub struct StreamParams;

impl StreamParams {
    /// Index of the fixed time per dispatch, seconds.
    pub const OVERHEAD: usize = 0;
    /// Index of the bandwidth of data a cache serves, bytes/s.
    pub const CACHE_BYTES_PER_S: usize = 1;
    /// Index of the cache's size, bytes.
    pub const CACHE_BYTES: usize = 2;
    /// Index of the bandwidth of data from memory, bytes/s.
    pub const MEMORY_BYTES_PER_S: usize = 3;
    /// Index of the kernel stream's cost per workgroup, seconds.
    pub const WORKGROUP_S: usize = 4;
}

/// The parameters every tiled form shares, by index, and the forms themselves.
pub struct TiledRoofline;

/// What a kernel's tiles make of a shape: the work it really does and how it fills the device.
struct TiledWork {
    /// Workgroups launched.
    workgroups: f64,
    /// FLOPs on whole tiles.
    flop: f64,
    /// FLOPs of one K½ of fixed cost per output row (or row and column
    /// block): what the ramp's parameter multiplies.
    flop_per_k_half: f64,
    /// Bytes the tiles read and write.
    traffic_bytes: f64,
    /// Dispatches the operation takes.
    dispatches: f64,
}

impl TiledRoofline {
    /// Index of the fixed time per dispatch, seconds.
    pub const OVERHEAD: usize = 0;
    /// Index of the compute efficiency `e` against the probe's peak.
    pub const COMPUTE_EFFICIENCY: usize = 1;
    /// Index of the workgroups in flight at once, `W` (fitted: wgpu does not
    /// report compute units): tiles run in waves of W, and the last wave's
    /// idle slots cost time.
    pub const WORKGROUPS_IN_FLIGHT: usize = 2;
    /// Index of `K½`, the length of the reduction loop (K of a matmul, keys
    /// of attention) whose cost equals the fixed cost per output (stores,
    /// the epilogue, the softmax's final scaling): the ramp `r_K = K / (K + K½)`.
    pub const K_HALF: usize = 3;
    /// Index of the memory efficiency `e_m` against the stream bandwidth.
    pub const MEMORY_EFFICIENCY: usize = 4;
    /// Index of the cache size `C`, bytes, of matmul's cache term (see
    /// [`TiledRoofline::UNCACHED_RATE`]).
    pub const CACHE_BYTES: usize = 5;
    /// Index of `s`, the compute rate of operands far beyond the cache
    /// relative to operands within it (1: no cache effect). The compute
    /// rate is scaled by `c = f + (1 − f)·s`, f the [`cached_share`] at the
    /// operands' bytes: tiles whose operands stay in a cache are fed faster
    /// (on a CPU adapter, a workgroup's loads hit the caches or go to
    /// memory; on a GPU, the L2); a decode's bandwidth too. Matmul and
    /// decode have the term; fused prefill, which rereads its K/V tiles
    /// from the cache, does not.
    pub const UNCACHED_RATE: usize = 6;

    /// `t0·dispatches + max(work / (P·e·u·c), traffic / (BW·e_m·u_m·c_m))`
    /// with u the fill of the waves of workgroups, tiles / (waves · W), and
    /// c the cache term at `operand_bytes` (each operand once: what a cache
    /// holds while the tiles reuse it) where the form has one, 1 otherwise.
    /// A decode (`streams`) streams its K/V once: the fill bounds its
    /// bandwidth (u_m = u) and the cache feeds it (c_m = c); a tiled product
    /// rereads its operands from the cache, and u_m = c_m = 1.
    ///
    /// In a stack ([`Context::Stack`]) the rest of the layer has evicted
    /// the operands: the first read of each (`operand_bytes` of the
    /// traffic) finds only what survived the stack, and the rereads find
    /// what the op itself brought in, as alone. c is the two rates mixed by
    /// time over the traffic. A decode or a one-row product reads its
    /// operands about once, and runs at the first reads' rate; a prefill's
    /// projection rereads its weights once per row of tiles and hardly
    /// notices (evicting them cost 2–5% at 128 and 512 tokens on lavapipe,
    /// where a one-token product took 1.57×).
    fn estimate(
        params: &[f64],
        roofs: &RoofRates,
        work: &TiledWork,
        operand_bytes: f64,
        streams: bool,
        context: Context,
    ) -> Estimate {
        let in_flight = params[Self::WORKGROUPS_IN_FLIGHT].round().max(1.0);
        let fill = work.workgroups / ((work.workgroups / in_flight).ceil() * in_flight);
        let flop = work.flop + params[Self::K_HALF] * work.flop_per_k_half;
        let cache = match params.get(Self::CACHE_BYTES..=Self::UNCACHED_RATE) {
            Some(&[cache_bytes, rate]) => {
                let rate_at = |share: f64| share + (1.0 - share) * rate;
                let rereads = rate_at(cached_share(operand_bytes, cache_bytes));
                let first_reads = rate_at(context.cached_share(operand_bytes, cache_bytes));
                let first = (operand_bytes / work.traffic_bytes).min(1.0);
                1.0 / (first / first_reads + (1.0 - first) / rereads)
            }
            _ => 1.0,
        };
        let compute_s = flop / (roofs.flop_per_s * params[Self::COMPUTE_EFFICIENCY] * fill * cache);
        let memory_rate = if streams { fill * cache } else { 1.0 };
        let bandwidth_s = work.traffic_bytes
            / (roofs.bytes_per_s * params[Self::MEMORY_EFFICIENCY] * memory_rate);
        Estimate::of(
            params[Self::OVERHEAD] * work.dispatches,
            compute_s,
            bandwidth_s,
        )
    }

    /// Matmul: 2·M̃·Ñ·(K + K½) FLOPs with M̃, Ñ rounded up to whole tiles;
    /// traffic the bytes the tiles read (A once per column of tiles, B once
    /// per row of tiles) and C written once.
    fn matmul(m: u64, n: u64, k: u64, element_bytes: u64, tile: Tile) -> TiledWork {
        let (rows, columns) = (
            m.div_ceil(tile.rows) as f64,
            n.div_ceil(tile.columns) as f64,
        );
        let (m_tiled, n_tiled, k) = (
            rows * tile.rows as f64,
            columns * tile.columns as f64,
            k as f64,
        );
        TiledWork {
            workgroups: rows * columns,
            flop: 2.0 * m_tiled * n_tiled * k,
            flop_per_k_half: 2.0 * m_tiled * n_tiled,
            traffic_bytes: element_bytes as f64
                * (m_tiled * k * columns + k * n_tiled * rows + m as f64 * n as f64),
            dispatches: 1.0,
        }
    }

    /// Fused attention: one workgroup per `tile.rows` query rows of one
    /// query head, walking keys `tile.columns` at a time up to the last key
    /// its last row sees (all of them without a mask): 4·d FLOPs per
    /// (row, key) pair of whole tiles, plus K½ keys' worth per row; traffic
    /// Q read and O written once, K and V read by every workgroup up to
    /// where it stops.
    fn attention(dims: &AttentionDims, element_bytes: u64, tile: Tile) -> TiledWork {
        let (sq, skv) = (dims.q_len as u64, dims.kv_len as u64);
        let heads = (dims.batch * dims.q_heads) as f64;
        let d = dims.head_dim as f64;
        let blocks = sq.div_ceil(tile.rows);
        // Keys each block of rows walks, in whole steps.
        let keys_walked: u64 = (0..blocks)
            .map(|block| {
                let end = match dims.causal {
                    false => skv,
                    true => {
                        let last_row = ((block + 1) * tile.rows).min(sq) - 1;
                        (last_row + 1 + skv).saturating_sub(sq).min(skv)
                    }
                };
                end.div_ceil(tile.columns) * tile.columns
            })
            .sum();
        let rows_tiled = (blocks * tile.rows) as f64;
        let q_bytes = heads * sq as f64 * d * element_bytes as f64;
        TiledWork {
            workgroups: heads * blocks as f64,
            flop: 4.0 * d * heads * tile.rows as f64 * keys_walked as f64,
            flop_per_k_half: 4.0 * d * heads * rows_tiled,
            traffic_bytes: 2.0 * q_bytes
                + heads * keys_walked as f64 * 2.0 * d * element_bytes as f64,
            dispatches: 1.0,
        }
    }

    /// Decode attention: one workgroup per `tile.rows` query rows of the
    /// query heads that share one K/V head (so K/V are read once for the
    /// group) and per split of the keys, walking its split `tile.columns`
    /// keys at a time (a partial stretch costs a whole one); K and V read
    /// once per such group of rows, Q read and O written once; a split
    /// writes partial outputs and statistics (f32) that a second dispatch
    /// reads and merges. Rows of the tile that exist in no workgroup (all
    /// but one in multi-head decode) are not computed.
    fn decode(dims: &AttentionDims, element_bytes: u64, tile: Tile) -> TiledWork {
        let rows_per_kv_head = dims.rows_per_kv_head() as u64;
        let row_groups = rows_per_kv_head.div_ceil(tile.rows) as f64;
        let rows_computed = tile.rows.min(rows_per_kv_head) as f64;
        let streams = (dims.batch * dims.kv_heads) as f64 * row_groups;
        let splits = tile.splits.max(1);
        let split_len = (dims.kv_len as u64).div_ceil(splits);
        let keys_walked = (split_len.div_ceil(tile.columns) * tile.columns) as f64;
        let d = dims.head_dim as f64;
        let workgroups = streams * splits as f64;
        let q_rows = (dims.batch * dims.q_heads * dims.q_len) as f64;
        let partial_bytes = match splits {
            1 => 0.0,
            _ => 2.0 * q_rows * splits as f64 * (d + 2.0) * 4.0,
        };
        TiledWork {
            workgroups,
            flop: 4.0 * d * workgroups * rows_computed * keys_walked,
            flop_per_k_half: 4.0 * d * workgroups * rows_computed,
            traffic_bytes: element_bytes as f64
                * (2.0 * q_rows * d + streams * dims.kv_len as f64 * 2.0 * d)
                + partial_bytes,
            dispatches: if splits > 1 { 2.0 } else { 1.0 },
        }
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
                "cache_bytes",
                "uncached_rate",
            ],
            // Fused prefill has decode's parameters but the cache term.
            Form::TiledAttention => &DECODE_PARAMETERS[..TiledRoofline::CACHE_BYTES],
            Form::TiledDecode => &DECODE_PARAMETERS,
            // The cached stream has the kernel stream's but the cost per
            // workgroup.
            Form::CachedStream => &KERNEL_STREAM_PARAMETERS[..StreamParams::WORKGROUP_S],
            Form::KernelStream => &KERNEL_STREAM_PARAMETERS,
            Form::TwoFactor => &["compute_efficiency", "memory_efficiency"],
        }
    }

    /// Whether the form reads the kernel's tile: its parameters are
    /// [`TiledRoofline`]'s, workgroups in flight among them.
    pub fn is_tiled(self) -> bool {
        matches!(
            self,
            Form::TiledRoofline | Form::TiledAttention | Form::TiledDecode
        )
    }

    /// Whether a fit gives each kernel (variant and tile) its own relative
    /// efficiency: the tiled forms' compute, the kernel stream's bandwidth.
    pub fn has_kernel_factors(self) -> bool {
        self.is_tiled() || self == Form::KernelStream
    }

    /// The predicted time of `op` run by a kernel of relative efficiency
    /// `factor` (see [`Form::has_kernel_factors`]): the compute roof scaled
    /// (tiled forms), or the fitted bandwidths (the kernel stream).
    pub fn estimate_kernel(
        self,
        params: &[f64],
        roofs: &RoofRates,
        op: &Op,
        tile: Option<Tile>,
        factor: f64,
        context: Context,
    ) -> Estimate {
        match self {
            Form::KernelStream => {
                let mut scaled = params.to_vec();
                scaled[StreamParams::CACHE_BYTES_PER_S] *= factor;
                scaled[StreamParams::MEMORY_BYTES_PER_S] *= factor;
                scaled[StreamParams::WORKGROUP_S] /= factor;
                self.estimate(&scaled, roofs, op, tile, context)
            }
            _ => {
                let roofs = RoofRates {
                    flop_per_s: roofs.flop_per_s * factor,
                    ..*roofs
                };
                self.estimate(params, &roofs, op, tile, context)
            }
        }
    }

    /// What `tile` makes of `op` under a tiled form; None for other forms,
    /// an op the form does not model, or no tile.
    fn tiled_work(self, op: &Op, tile: Option<Tile>) -> Option<TiledWork> {
        let tile = tile?;
        match (self, *op) {
            (
                Form::TiledRoofline,
                Op::Matmul {
                    m,
                    n,
                    k,
                    element_bytes,
                },
            ) => Some(TiledRoofline::matmul(m, n, k, element_bytes, tile)),
            (
                Form::TiledAttention,
                Op::Attention {
                    dims,
                    element_bytes,
                },
            ) => Some(TiledRoofline::attention(&dims, element_bytes, tile)),
            (
                Form::TiledDecode,
                Op::Attention {
                    dims,
                    element_bytes,
                },
            ) => Some(TiledRoofline::decode(&dims, element_bytes, tile)),
            _ => None,
        }
    }

    /// Workgroups `tile` launches for `op` under a tiled form.
    pub fn workgroups(self, op: &Op, tile: Option<Tile>) -> Option<f64> {
        self.tiled_work(op, tile).map(|w| w.workgroups)
    }

    /// The predicted time of `op` with `params`, given the roofs, (for
    /// the tiled forms) the tile of the kernel that runs it, and where it
    /// runs; a tiled form without a tile counts single-element tiles.
    pub fn estimate(
        self,
        params: &[f64],
        roofs: &RoofRates,
        op: &Op,
        tile: Option<Tile>,
        context: Context,
    ) -> Estimate {
        match self {
            Form::TiledRoofline | Form::TiledAttention | Form::TiledDecode => {
                match self.tiled_work(op, Some(tile.unwrap_or(Tile::new(1, 1)))) {
                    Some(work) => TiledRoofline::estimate(
                        params,
                        roofs,
                        &work,
                        op.cached_bytes(),
                        self == Form::TiledDecode,
                        context,
                    ),
                    None => Estimate::of(params[TiledRoofline::OVERHEAD], 0.0, 0.0),
                }
            }
            Form::CachedStream | Form::KernelStream => {
                use StreamParams as P;
                let (bytes, workgroups) = match *op {
                    Op::Stream {
                        bytes, workgroups, ..
                    } => (bytes, workgroups),
                    _ => (op.bytes(), 0.0),
                };
                let cached = context.cached_share(op.cached_bytes(), params[P::CACHE_BYTES]);
                let bandwidth_s = cached * bytes / params[P::CACHE_BYTES_PER_S]
                    + (1.0 - cached) * bytes / params[P::MEMORY_BYTES_PER_S];
                // The kernel stream's workgroups each start at a cost of their
                // own (the cached stream has no such parameter).
                let starts_s = params.get(P::WORKGROUP_S).map_or(0.0, |w| w * workgroups);
                Estimate::of(params[P::OVERHEAD] + starts_s, 0.0, bandwidth_s)
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
    /// stream bandwidth, a ramp at K½ = 16, a cache of 4 MiB (matmul's and
    /// decode's at first without effect: operands beyond it fed at the same
    /// rate; the stream's bandwidth twice memory's).
    pub fn initial(self, roofs: &RoofRates) -> Vec<f64> {
        match self {
            Form::TiledRoofline | Form::TiledDecode => vec![
                roofs.overhead_s,
                0.5,
                1.0,
                16.0,
                1.0,
                CACHE_BYTES_START,
                1.0,
            ],
            Form::TiledAttention => vec![roofs.overhead_s, 0.5, 1.0, 16.0, 1.0],
            Form::CachedStream => vec![
                roofs.overhead_s,
                2.0 * roofs.bytes_per_s,
                CACHE_BYTES_START,
                roofs.bytes_per_s,
            ],
            Form::KernelStream => vec![
                roofs.overhead_s,
                2.0 * roofs.bytes_per_s,
                CACHE_BYTES_START,
                roofs.bytes_per_s,
                WORKGROUP_START_S,
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
        let e = Form::TiledRoofline.estimate(
            &params,
            &ROOFS,
            &matmul(256, 256, 256),
            Some(Tile::new(64, 64)),
            Context::Alone,
        );
        let expected_s = 2.0 * 256f64.powi(3) / (1e12 * 0.5);
        assert!((e.time_s - expected_s).abs() < 1e-15 * expected_s.max(1.0));
        assert_eq!(e.bound, Bound::Compute);
    }

    #[test]
    fn a_ragged_edge_costs_a_whole_tile_and_a_partial_wave_costs_a_whole_wave() {
        let params = [0.0, 1.0, 16.0, 0.0, 1e6];
        let full = Form::TiledRoofline.estimate(
            &params,
            &ROOFS,
            &matmul(256, 256, 64),
            Some(Tile::new(64, 64)),
            Context::Alone,
        );
        // One row more: a fifth row of tiles (20 tiles), in two waves of 16.
        let ragged = Form::TiledRoofline.estimate(
            &params,
            &ROOFS,
            &matmul(257, 256, 64),
            Some(Tile::new(64, 64)),
            Context::Alone,
        );
        assert!((ragged.time_s / full.time_s - 2.0).abs() < 1e-12);
    }

    #[test]
    fn short_k_ramps_and_overhead_bounds_tiny_work() {
        let params = [1e-3, 1.0, 1.0, 64.0, 1.0];
        let e = Form::TiledRoofline.estimate(
            &params,
            &ROOFS,
            &matmul(8, 8, 64),
            Some(Tile::new(8, 8)),
            Context::Alone,
        );
        assert_eq!(e.bound, Bound::Overhead);
        // K = K½ halves the rate.
        assert!((e.compute_s - 2.0 * 2.0 * 8.0 * 8.0 * 64.0 / 1e12).abs() < 1e-18);
    }

    #[test]
    fn operands_beyond_the_cache_compute_at_the_uncached_rate() {
        // A cache of 1 MB; operands far beyond it computed at half the rate.
        let params = [0.0, 1.0, 1.0, 0.0, 1e6, 1e6, 0.5];
        let rate = |size: u64| {
            let op = matmul(size, size, size);
            op.flop()
                / Form::TiledRoofline
                    .estimate(&params, &ROOFS, &op, Some(Tile::new(1, 1)), Context::Alone)
                    .time_s
        };
        // 3·4·16² bytes: well within; 3·4·4096² bytes: well beyond.
        assert!((rate(16) / 1e12 - 1.0).abs() < 1e-3);
        assert!((rate(4096) / 0.5e12 - 1.0).abs() < 1e-3);
        // 750 kB of operands: 1 / (1 + 0.75²) of them served by the cache.
        let share = 1.0 / (1.0 + 0.75f64.powi(2));
        assert!((rate(250) / 1e12 - (share + (1.0 - share) * 0.5)).abs() < 1e-9);
    }

    #[test]
    fn streams_in_cache_run_at_cache_bandwidth() {
        let params = [0.0, 1e12, 1e6, 1e10];
        let small = Op::Stream {
            bytes: 3e3,
            array_bytes: 1e3,
            workgroups: 0.0,
        };
        let large = Op::Stream {
            bytes: 3e9,
            array_bytes: 1e9,
            workgroups: 0.0,
        };
        let rate = |op: &Op| {
            op.bytes()
                / Form::CachedStream
                    .estimate(&params, &ROOFS, op, None, Context::Alone)
                    .time_s
        };
        assert!((rate(&small) / 1e12 - 1.0).abs() < 1e-3);
        assert!((rate(&large) / 1e10 - 1.0).abs() < 1e-3);
    }
}
