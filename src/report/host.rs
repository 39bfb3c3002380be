//! The host machine a report was taken on.

use serde::{Deserialize, Serialize};

/// Host facts that change what a GPU figure means (a software adapter runs on this CPU).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Host {
    /// Host name.
    pub hostname: String,
    /// Operating system name and version.
    pub os: String,
    /// Kernel version.
    pub kernel: String,
    /// CPU model string.
    pub cpu: String,
    /// Physical cores (None where the OS does not say).
    pub physical_cores: Option<usize>,
    /// Logical CPUs.
    pub logical_cpus: usize,
}

impl Host {
    /// Reads the facts of the machine this runs on.
    pub fn detect() -> Host {
        use sysinfo::{CpuRefreshKind, RefreshKind, System};
        let system =
            System::new_with_specifics(RefreshKind::nothing().with_cpu(CpuRefreshKind::nothing()));
        let unknown = || "unknown".to_string();
        Host {
            hostname: System::host_name().unwrap_or_else(unknown),
            os: System::long_os_version().unwrap_or_else(unknown),
            kernel: System::kernel_version().unwrap_or_else(unknown),
            cpu: system
                .cpus()
                .first()
                .map(|cpu| cpu.brand().trim().to_string())
                .unwrap_or_else(unknown),
            physical_cores: System::physical_core_count(),
            logical_cpus: system.cpus().len(),
        }
    }
}
