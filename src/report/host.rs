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
    /// Which node of a fleet this run stands for, where that is more than the
    /// host name: `run --node`, or what a scheduler says (Slurm's node and
    /// array task, a Kubernetes Indexed Job's completion index). Several
    /// tasks on one host are several nodes to `fleet`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
}

impl Host {
    /// The name this run goes by in a fleet: its node label, else its host name.
    pub fn node_label(&self) -> &str {
        self.node.as_deref().unwrap_or(&self.hostname)
    }

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
            node: scheduler_node(|name| std::env::var(name).ok()),
        }
    }
}

/// The node label a scheduler's environment gives a task, read through `var`:
/// Slurm's `SLURMD_NODENAME` with `-task<N>` for an array task
/// (`SLURM_ARRAY_TASK_ID`) or job step task (`SLURM_PROCID`), or a Kubernetes
/// Indexed Job's `NODE_NAME` (from the downward API, else the pod's host name)
/// with `-index<N>` (`JOB_COMPLETION_INDEX`). None outside a scheduler.
pub fn scheduler_node(var: impl Fn(&str) -> Option<String>) -> Option<String> {
    if let Some(node) = var("SLURMD_NODENAME") {
        let task = var("SLURM_ARRAY_TASK_ID").or_else(|| var("SLURM_PROCID"));
        return Some(match task {
            Some(task) => format!("{node}-task{task}"),
            None => node,
        });
    }
    let index = var("JOB_COMPLETION_INDEX")?;
    let node = var("NODE_NAME")
        .or_else(|| var("HOSTNAME"))
        .unwrap_or_else(|| "pod".into());
    Some(format!("{node}-index{index}"))
}

#[cfg(test)]
mod tests {
    use super::scheduler_node;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.to_string())
        }
    }

    #[test]
    fn scheduler_tasks_are_told_apart() {
        assert_eq!(scheduler_node(env(&[])), None);
        assert_eq!(
            scheduler_node(env(&[
                ("SLURMD_NODENAME", "gpu07"),
                ("SLURM_ARRAY_TASK_ID", "3")
            ])),
            Some("gpu07-task3".into())
        );
        assert_eq!(
            scheduler_node(env(&[("SLURMD_NODENAME", "gpu07")])),
            Some("gpu07".into())
        );
        assert_eq!(
            scheduler_node(env(&[
                ("JOB_COMPLETION_INDEX", "5"),
                ("NODE_NAME", "worker-2")
            ])),
            Some("worker-2-index5".into())
        );
    }
}
