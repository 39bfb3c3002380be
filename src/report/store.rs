//! Where reports go and how they are written and read: a temporary file in the
//! same folder renamed into place, so a report is either whole or absent.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{journal, Report, ReportError, SCHEMA_VERSION};

/// A fresh path for a report in `out_dir`, named from host, adapter, backend
/// and UTC time; a `-2`, `-3`... suffix keeps it from ever naming an existing file.
pub fn report_path(out_dir: &Path, report: &Report) -> PathBuf {
    let started = report
        .started_utc
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>();
    let stem = format!(
        "{}_{}_{}_{}",
        slug(&report.host.hostname),
        slug(&report.adapter.name),
        report.adapter.backend,
        started
    );
    let mut path = out_dir.join(format!("{stem}.json"));
    let mut n = 2;
    while path.exists() || journal::path_for(&path).exists() {
        path = out_dir.join(format!("{stem}-{n}.json"));
        n += 1;
    }
    path
}

/// Lower-case letters, digits and single dashes: safe in any file name.
fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').chars().take(40).collect()
}

/// Writes `report` to `path` through a temporary file and a rename. Refuses to
/// replace an existing file.
pub fn write_atomic(path: &Path, report: &Report) -> Result<(), ReportError> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(dir).map_err(|e| ReportError::io(dir, e))?;
    let json = serde_json::to_vec_pretty(report).expect("a report always serializes");
    file.write_all(&json)
        .and_then(|_| file.write_all(b"\n"))
        .and_then(|_| readable_by_all(file.as_file()))
        .and_then(|_| file.as_file().sync_all())
        .map_err(|e| ReportError::io(path, e))?;
    file.persist_noclobber(path)
        .map_err(|e| ReportError::io(path, e.error))?;
    Ok(())
}

/// Reports are for sharing: `rw-r--r--`, not the owner-only mode of a fresh
/// temporary file.
fn readable_by_all(file: &std::fs::File) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(())
}

/// Reads a report, or recovers the measurements of an unfinished run from its
/// journal (`*.journal.jsonl`), which is then marked partial.
pub fn load(path: &Path) -> Result<Report, ReportError> {
    let text = std::fs::read_to_string(path).map_err(|e| ReportError::io(path, e))?;
    if journal::is_journal(path) {
        return journal::recover(path, &text);
    }
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| malformed(path, e))?;
    let version = value
        .get("schema_version")
        .and_then(|v| v.as_u64())
        .ok_or_else(|| ReportError::Malformed {
            path: path.display().to_string(),
            message: "no schema_version field".into(),
        })?;
    if version > u64::from(SCHEMA_VERSION) {
        return Err(ReportError::NewerSchema {
            path: path.display().to_string(),
            found: version as u32,
        });
    }
    serde_json::from_value(value).map_err(|e| malformed(path, e))
}

pub(super) fn malformed(path: &Path, error: serde_json::Error) -> ReportError {
    ReportError::Malformed {
        path: path.display().to_string(),
        message: error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gpu::{AdapterSummary, TimingMethod};
    use crate::measure::SamplingPlan;
    use crate::report::{Host, SuiteInfo, TimingInfo};

    pub(crate) fn sample_report() -> Report {
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
