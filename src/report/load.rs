//! Loading a report of any version chipbench has written, or what an
//! interrupted run's journal holds, migrated to the current schema.

use std::path::Path;

use serde_json::Value;

use super::journal::read_lines;
use super::paths::is_journal;
use super::store::{malformed, read_text};
use super::{Report, ReportError, SCHEMA_VERSION};

/// Reads a report, or recovers the measurements of an unfinished run from its
/// journal (`*.journal.jsonl`), which is then marked partial. Reports of an
/// earlier schema version are migrated; a later version is refused.
pub fn load(path: &Path) -> Result<Report, ReportError> {
    let text = read_text(path)?;
    if is_journal(path) {
        let (mut header, measurements) = read_lines(path, &text)?;
        let version = schema_version(path, &header)?;
        header["measurements"] = Value::Array(measurements);
        let mut report = into_current(path, header, version)?;
        report.partial = true;
        return Ok(report);
    }
    let value: Value = serde_json::from_str(&text).map_err(|e| malformed(path, e))?;
    let version = schema_version(path, &value)?;
    into_current(path, value, version)
}

/// The `schema_version` a report declares, refused when it is newer than
/// this chipbench's.
fn schema_version(path: &Path, value: &Value) -> Result<u32, ReportError> {
    let version = value
        .get("schema_version")
        .and_then(Value::as_u64)
        .filter(|&v| v >= 1)
        .ok_or_else(|| ReportError::Malformed {
            path: path.display().to_string(),
            message: "no schema_version field: not a chipbench report".into(),
        })?;
    if version > u64::from(SCHEMA_VERSION) {
        return Err(ReportError::NewerSchema {
            path: path.display().to_string(),
            found: u32::try_from(version).unwrap_or(u32::MAX),
        });
    }
    Ok(version as u32)
}

/// `value`, a report of schema `version`, in the current schema.
fn into_current(path: &Path, mut value: Value, version: u32) -> Result<Report, ReportError> {
    if version == 1 {
        from_v1(&mut value);
    }
    serde_json::from_value(value).map_err(|e| malformed(path, e))
}

/// Version 1 wrote each warning as a sentence; version 2 keeps warnings as
/// data and keeps such a sentence as a `text` warning. Every other field
/// version 2 added is optional or empty by default.
fn from_v1(report: &mut Value) {
    if let Some(measurements) = report.get_mut("measurements").and_then(Value::as_array_mut) {
        for measurement in measurements {
            if let Some(warnings) = measurement
                .get_mut("warnings")
                .and_then(Value::as_array_mut)
            {
                for warning in warnings.iter_mut() {
                    if let Value::String(text) = warning {
                        *warning = serde_json::json!({ "kind": "text", "text": text });
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gpu::{AdapterSummary, TimingMethod};
    use crate::measure::SamplingPlan;
    use crate::report::{report_path, write_atomic};
    use crate::report::{Host, SuiteInfo, TimingInfo};

    fn sample_report() -> Report {
        Report {
            schema_version: SCHEMA_VERSION,
            tool_version: "0.1.0".into(),
            wgpu_version: "30".into(),
            started_utc: "2026-11-24T05:00:00Z".into(),
            finished_utc: Some("2026-11-24T05:01:00Z".into()),
            partial: false,
            host: Host {
                hostname: "host one".into(),
                os: "Linux".into(),
                kernel: "6.1".into(),
                cpu: "AMD EPYC".into(),
                physical_cores: Some(2),
                logical_cpus: 2,
                node: None,
            },
            adapter: AdapterSummary::example(),
            suite: SuiteInfo {
                name: "quick".into(),
                scaled_for_software: true,
                filter: None,
                plan: SamplingPlan {
                    target_sample_s: 1e-3,
                    max_repeats: 10,
                    warmup_budget_s: 0.1,
                    measure_budget_s: 0.1,
                    min_samples: 10,
                    max_samples: 20,
                    stop_after_sizing: false,
                },
            },
            seed: 7,
            timing: TimingInfo {
                method: TimingMethod::GpuTimestamp,
                timestamp_period_ns: Some(1.0),
                mesa_shader_cache_disable: Some("true".into()),
            },
            measurements: Vec::new(),
            baselines: Vec::new(),
            paired: Vec::new(),
            summary: None,
        }
    }

    #[test]
    fn a_written_report_loads_back_identical_and_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let report = sample_report();
        let path = report_path(dir.path(), &report);
        assert_eq!(
            path.file_name().unwrap().to_str().unwrap(),
            "host-one_llvmpipe-llvm-15-0-6-256-bits_vulkan_20261124T050000Z.json"
        );
        write_atomic(&path, &report).unwrap();
        assert_eq!(load(&path).unwrap(), report);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o644, "reports are readable by all");
        }
        assert!(
            write_atomic(&path, &report).is_err(),
            "refuses to replace a report"
        );
        let next = report_path(dir.path(), &report);
        assert_ne!(next, path);
        assert!(next.to_string_lossy().ends_with("-2.json"));
    }
}
