//! `chipbench devices`: every adapter on every backend.

use anyhow::Result;

use super::Outcome;
use crate::gpu::{AdapterList, GpuError};

/// Lists adapters as text, or as JSON with `json`.
pub fn devices(json: bool) -> Result<Outcome> {
    let list = AdapterList::enumerate();
    if list.summaries.is_empty() {
        return Err(GpuError::NoAdapter.into());
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&list.summaries)?);
        return Ok(Outcome::Success);
    }
    let yes_no = |b: bool| if b { "yes" } else { "no" };
    for s in &list.summaries {
        println!(
            "[{}] {} ({}, {})",
            s.index, s.name, s.backend, s.device_type
        );
        println!(
            "    vendor {:#06x} device {:#06x} · driver {} {}",
            s.vendor_id, s.device_id, s.driver, s.driver_info
        );
        println!(
            "    workgroup storage {} KiB · {} invocations/workgroup · storage binding {} MiB · buffer {} MiB · {} workgroups/dimension",
            s.max_workgroup_storage_bytes / 1024,
            s.max_invocations_per_workgroup,
            s.max_storage_binding_bytes >> 20,
            s.max_buffer_bytes >> 20,
            s.max_workgroups_per_dimension
        );
        println!(
            "    SHADER_F16 {} · SHADER_INT64 {} · SUBGROUP {} (sizes {}-{}) · TIMESTAMP_QUERY {}",
            yes_no(s.shader_f16),
            yes_no(s.shader_int64),
            yes_no(s.subgroup),
            s.subgroup_size_range.0,
            s.subgroup_size_range.1,
            yes_no(s.timestamp_query)
        );
        let cooperative = if s.cooperative_matrix.is_empty() {
            "none".to_string()
        } else {
            s.cooperative_matrix.join(", ")
        };
        println!("    cooperative matrix: {cooperative}");
    }
    Ok(Outcome::Success)
}
