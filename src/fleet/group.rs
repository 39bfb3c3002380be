//! Which reports are compared with each other: the same chip through the
//! same backend and driver. A different driver version is another group, as
//! it can change every figure.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::report::Report;

/// Chip, backend and driver: the reports of one group are compared node by node.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct GroupKey {
    /// The adapter's name, e.g. `NVIDIA H100 80GB HBM3`.
    pub chip: String,
    /// `vulkan`, `metal`, `dx12` or `gl`.
    pub backend: String,
    /// Driver name.
    pub driver: String,
    /// Driver version.
    pub driver_info: String,
}

impl GroupKey {
    /// The group `report` belongs to.
    pub fn of(report: &Report) -> GroupKey {
        let a = &report.adapter;
        GroupKey {
            chip: a.name.clone(),
            backend: a.backend.clone(),
            driver: a.driver.clone(),
            driver_info: a.driver_info.clone(),
        }
    }

    /// One group made of `keys`, all of one chip, for `--group-as-one`:
    /// backends and drivers that differ are joined with ` + `. None when the
    /// chips differ: nodes of different chips are never compared.
    pub fn merged(keys: &[&GroupKey]) -> Option<GroupKey> {
        let first = keys.first()?;
        if keys.iter().any(|k| k.chip != first.chip) {
            return None;
        }
        let joined = |pick: fn(&GroupKey) -> &str| {
            let mut parts: Vec<&str> = keys.iter().map(|k| pick(k)).collect();
            parts.sort();
            parts.dedup();
            parts.join(" + ")
        };
        Some(GroupKey {
            chip: first.chip.clone(),
            backend: joined(|k| &k.backend),
            driver: joined(|k| &k.driver),
            driver_info: joined(|k| &k.driver_info),
        })
    }
}

impl fmt::Display for GroupKey {
    /// `llvmpipe (LLVM 15.0.6, 256 bits) · vulkan · llvmpipe Mesa 22.3.6`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let driver_info = self.driver_info.trim();
        let driver = match (self.driver.trim(), driver_info) {
            (name, info) if info.is_empty() || info == name => name.to_string(),
            ("", info) => info.to_string(),
            (name, info) => format!("{name} {info}"),
        };
        write!(f, "{} · {} · {driver}", self.chip, self.backend)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(chip: &str, backend: &str) -> GroupKey {
        GroupKey {
            chip: chip.into(),
            backend: backend.into(),
            driver: "d".into(),
            driver_info: "1.0".into(),
        }
    }

    #[test]
    fn one_chip_merges_and_two_chips_do_not() {
        let (a, b) = (key("A", "vulkan"), key("A", "gl"));
        let merged = GroupKey::merged(&[&a, &b, &a]).unwrap();
        assert_eq!(merged.backend, "gl + vulkan");
        assert_eq!(merged.driver, "d");
        assert_eq!(GroupKey::merged(&[&a, &key("B", "vulkan")]), None);
    }

    #[test]
    fn a_group_reads_as_chip_backend_and_driver() {
        assert_eq!(key("A", "vulkan").to_string(), "A · vulkan · d 1.0");
        let gl = GroupKey {
            driver: String::new(),
            driver_info: " 4.5 (Core Profile) Mesa 22.3.6".into(),
            ..key("A", "gl")
        };
        assert_eq!(gl.to_string(), "A · gl · 4.5 (Core Profile) Mesa 22.3.6");
    }
}
