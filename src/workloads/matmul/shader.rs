//! The WGSL module a matmul variant is built from: `shaders/matmul.wgsl`, the
//! register-tiled entry points written out from their one template
//! (`shaders/matmul_register_tiled.wgsl`), and, for subgroup variants only,
//! `shaders/matmul_subgroup.wgsl` (naga validates a module as a whole, so
//! subgroup operations may appear only where the adapter has them).
//!
//! Nothing here can fail at run time: the parts are whole files and the
//! template's placeholders are filled by plain replacement; the tests below
//! validate every module a variant can ask for with naga.

use super::variants::{Family, Source, Variant, VARIANTS};
use crate::workloads::{with_element_type, Dtype};

/// What every variant's module holds: bindings, the register-tiled family's
/// shared functions, and workgroup_tiled.
const COMMON: &str = include_str!("../../../shaders/matmul.wgsl");

/// The subgroup kernels' loads of A.
const SUBGROUP_PART: &str = include_str!("../../../shaders/matmul_subgroup.wgsl");

/// One register-tiled entry point, with the placeholders `Placeholders` fills.
const REGISTER_TILED: &str = include_str!("../../../shaders/matmul_register_tiled.wgsl");

/// What one register-tiled variant fills the template's placeholders with:
/// how it loads A and B (the only way those kernels differ).
struct Placeholders {
    entry_point: &'static str,
    lane_parameter: &'static str,
    lane_row: &'static str,
    first_a_row: &'static str,
    a_rows: &'static str,
    b_panel: &'static str,
}

impl Placeholders {
    /// `variant`'s values, from where it reads A and B and whether its
    /// subgroup shares the rows of A.
    fn of(variant: &Variant) -> Placeholders {
        let (lane_parameter, lane_row, first_a_row) = match variant.subgroups {
            false => ("", "", "t.row0"),
            true => (
                "\n    @builtin(subgroup_invocation_id) lane: u32,",
                "\n    let my_row = t.row0 + lane % 8u;",
                "my_row",
            ),
        };
        let (a_rows, b_panel) = match (variant.source, variant.subgroups) {
            (Source::Buffers, false) => ("a_rows_buffer", "b_panel_buffer"),
            (Source::Textures, false) => ("a_rows_texture", "b_panel_texture"),
            (Source::Buffers, true) => ("shared_rows_buffer", "b_panel_buffer"),
            (Source::Textures, true) => ("shared_rows_texture", "b_panel_texture"),
        };
        Placeholders {
            entry_point: variant.entry_point,
            lane_parameter,
            lane_row,
            first_a_row,
            a_rows,
            b_panel,
        }
    }

    /// The template's placeholders (no one a prefix of another) and their values.
    fn pairs(&self) -> [(&'static str, &'static str); 6] {
        [
            ("$ENTRY_POINT", self.entry_point),
            ("$LANE_PARAMETER", self.lane_parameter),
            ("$LANE_ROW", self.lane_row),
            ("$FIRST_A_ROW", self.first_a_row),
            ("$A_ROWS", self.a_rows),
            ("$B_PANEL", self.b_panel),
        ]
    }

    /// The template with every placeholder replaced.
    fn fill(&self) -> String {
        self.pairs()
            .iter()
            .fold(REGISTER_TILED.to_string(), |text, (placeholder, value)| {
                text.replace(placeholder, value)
            })
    }
}

/// The texture format texture kernels read `dtype`'s inputs in, and its WGSL
/// name (which replaces `TEXEL_FORMAT` in the shader: WGSL has no alias for a
/// texel format).
pub(super) fn texel_format(dtype: Dtype) -> (wgpu::TextureFormat, &'static str) {
    match dtype {
        Dtype::F32 => (wgpu::TextureFormat::Rgba32Float, "rgba32float"),
        Dtype::F16 => (wgpu::TextureFormat::Rgba16Float, "rgba16float"),
    }
}

/// The register-tiled variants, the subgroup ones only `with_subgroups`.
fn register_tiled(with_subgroups: bool) -> impl Iterator<Item = &'static Variant> {
    VARIANTS
        .iter()
        .filter(move |v| v.family == Family::RegisterTiled && (with_subgroups || !v.subgroups))
}

/// The module for inputs of `dtype` accumulated in `accumulate`: every kernel
/// without subgroup operations and, with `subgroups`, the subgroup kernels too.
pub(super) fn module_source(dtype: Dtype, accumulate: Dtype, subgroups: bool) -> String {
    let mut body = format!("alias Acc = {accumulate};\n{COMMON}");
    if subgroups {
        body += "\n";
        body += SUBGROUP_PART;
    }
    for variant in register_tiled(subgroups) {
        body += "\n";
        body += &Placeholders::of(variant).fill();
    }
    with_element_type(dtype, &body.replace("TEXEL_FORMAT", texel_format(dtype).1))
}

#[cfg(test)]
mod tests {
    use wgpu::naga;
    use wgpu::naga::valid::{Capabilities, ModuleInfo, ValidationFlags, Validator};

    use super::*;
    use crate::workloads::matmul::variants::offers;

    /// Parses and validates `source` as wgpu would with `capabilities`.
    fn validate(
        source: &str,
        capabilities: Capabilities,
    ) -> Result<(naga::Module, ModuleInfo), String> {
        let module = naga::front::wgsl::parse_str(source).map_err(|e| e.emit_to_string(source))?;
        let info = Validator::new(ValidationFlags::all(), capabilities)
            .validate(&module)
            .map_err(|e| e.emit_to_string(source))?;
        Ok((module, info))
    }

    #[test]
    fn the_template_has_every_placeholder_and_filling_leaves_none() {
        for variant in register_tiled(true) {
            let placeholders = Placeholders::of(variant);
            for (placeholder, _) in placeholders.pairs() {
                assert!(REGISTER_TILED.contains(placeholder), "{placeholder}");
            }
            let kernel = placeholders.fill();
            assert!(!kernel.contains('$'), "{}: {kernel}", variant.name);
            assert!(kernel.contains(&format!("fn {}(", variant.entry_point)));
        }
    }

    /// Every module a candidate can be built from validates (without the
    /// subgroup capability unless the variant uses subgroups), and its entry
    /// point resolves at every tile shape it is offered with.
    #[test]
    fn every_offered_variant_validates_and_resolves_its_tile_shapes() {
        for dtype in [Dtype::F32, Dtype::F16] {
            for offer in offers(dtype) {
                let variant = offer.variant;
                let mut capabilities = Capabilities::all();
                if !variant.subgroups {
                    capabilities -= Capabilities::SUBGROUP;
                }
                let source = module_source(dtype, offer.accumulate, variant.subgroups);
                let (module, info) = validate(&source, capabilities)
                    .unwrap_or_else(|e| panic!("{dtype} {}: {e}", offer.name));
                for constants in offer.tile_constants() {
                    let constants: naga::back::PipelineConstants = constants.into_iter().collect();
                    let (resolved, _) = naga::back::pipeline_constants::process_overrides(
                        &module,
                        &info,
                        Some((naga::ShaderStage::Compute, variant.entry_point)),
                        &constants,
                    )
                    .unwrap_or_else(|e| panic!("{dtype} {} {constants:?}: {e}", offer.name));
                    assert!(
                        resolved
                            .entry_points
                            .iter()
                            .any(|ep| ep.name == variant.entry_point),
                        "{}",
                        offer.name
                    );
                }
            }
        }
    }

    #[test]
    fn only_the_subgroup_part_needs_the_subgroup_capability() {
        let without = Capabilities::all() - Capabilities::SUBGROUP;
        validate(&module_source(Dtype::F32, Dtype::F32, false), without)
            .unwrap_or_else(|e| panic!("{e}"));
        let error = validate(&module_source(Dtype::F32, Dtype::F32, true), without)
            .expect_err("the subgroup kernels validated without SUBGROUP");
        assert!(error.contains("SUBGROUP"), "{error}");
    }
}
