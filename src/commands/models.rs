//! `chipbench models`: the model presets `plan` knows, with parameter counts.

use anyhow::Result;

use super::Outcome;
use crate::planner::{render, transformer};

/// Prints the presets as a table, or as JSON with `json`.
pub fn models(json: bool) -> Result<Outcome> {
    let presets = transformer::presets();
    if json {
        let listed: Vec<serde_json::Value> = presets
            .iter()
            .map(|m| {
                let mut value = serde_json::to_value(m)?;
                value["total_params"] = m.total_params().into();
                value["active_params"] = m.active_params().into();
                Ok(value)
            })
            .collect::<Result<_, serde_json::Error>>()?;
        println!("{}", serde_json::to_string_pretty(&listed)?);
    } else {
        print!("{}", render::models(&presets));
    }
    Ok(Outcome::Success)
}
