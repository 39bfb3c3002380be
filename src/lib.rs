//! chipbench: measured, verified GPU throughput on AI workloads through wgpu.
//!
//! See `ARCHITECTURE.md` for the map of modules.

pub mod analysis;
pub mod baseline;
pub mod case;
pub mod cli;
pub mod commands;
pub mod export;
pub mod fleet;
pub mod gpu;
pub mod history;
pub mod measure;
pub mod model;
pub mod paired;
pub mod planner;
pub mod reference;
pub mod report;
pub mod runner;
pub mod suite;
pub mod units;
pub mod workloads;
