//! Offline checks of `shaders/matmul_coop.wgsl`, the cooperative-matrix matmul.
//!
//! No adapter here exposes cooperative matrices (Mesa lavapipe/llvmpipe lacks
//! VK_KHR_cooperative_matrix, so wgpu never offers
//! `Features::EXPERIMENTAL_COOPERATIVE_MATRIX`), so the kernel cannot be
//! dispatched in CI. Instead it is checked the way wgpu itself would prepare
//! it for Vulkan, through wgpu's own naga: parse the WGSL, validate it with the
//! capabilities the feature grants, resolve the pipeline overrides, and emit
//! SPIR-V per entry point, which must carry the cooperative-matrix capability
//! and instructions. Validation without the cooperative-matrix capability must
//! fail, which proves the kernel really uses it.

use wgpu::naga;
use wgpu::naga::back::spv;
use wgpu::naga::valid::{Capabilities, ModuleInfo, ValidationFlags, Validator};

const SOURCE: &str = include_str!("../shaders/matmul_coop.wgsl");

/// The entry points the kernel must provide.
const ENTRY_POINTS: [&str; 2] = ["matmul_coop_f32", "matmul_coop_f16"];

const SPIRV_MAGIC: u32 = 0x0723_0203;

// SPIR-V opcodes (SPIR-V spec and SPV_KHR_cooperative_matrix).
const OP_CAPABILITY: u32 = 17;
const OP_TYPE_COOPERATIVE_MATRIX_KHR: u32 = 4456;
const OP_COOPERATIVE_MATRIX_LOAD_KHR: u32 = 4457;
const OP_COOPERATIVE_MATRIX_STORE_KHR: u32 = 4458;
const OP_COOPERATIVE_MATRIX_MUL_ADD_KHR: u32 = 4459;

/// What `EXPERIMENTAL_COOPERATIVE_MATRIX` plus `SHADER_F16` grant a module.
fn needed_capabilities() -> Capabilities {
    Capabilities::COOPERATIVE_MATRIX | Capabilities::SHADER_FLOAT16
}

fn parse() -> naga::Module {
    naga::front::wgsl::parse_str(SOURCE).unwrap_or_else(|e| {
        panic!(
            "matmul_coop.wgsl does not parse:\n{}",
            e.emit_to_string(SOURCE)
        )
    })
}

fn validate(module: &naga::Module, capabilities: Capabilities) -> Result<ModuleInfo, String> {
    Validator::new(ValidationFlags::all(), capabilities)
        .validate(module)
        .map_err(|e| e.emit_to_string(SOURCE))
}

/// Splits a SPIR-V module into its instructions after the 5-word header.
fn instructions(words: &[u32]) -> Vec<&[u32]> {
    let mut out = Vec::new();
    let mut at = 5;
    while at < words.len() {
        let count = (words[at] >> 16) as usize;
        assert!(
            count > 0 && at + count <= words.len(),
            "malformed SPIR-V instruction at word {at}"
        );
        out.push(&words[at..at + count]);
        at += count;
    }
    out
}

fn opcode(instruction: &[u32]) -> u32 {
    instruction[0] & 0xffff
}

#[test]
fn kernel_parses_and_validates_with_cooperative_matrix() {
    let module = parse();
    validate(&module, needed_capabilities()).unwrap_or_else(|e| panic!("{e}"));
    for name in ENTRY_POINTS {
        let entry = module
            .entry_points
            .iter()
            .find(|ep| ep.name == name)
            .unwrap_or_else(|| panic!("no entry point {name}"));
        assert_eq!(entry.stage, naga::ShaderStage::Compute, "{name}");
    }
}

#[test]
fn validation_fails_without_the_cooperative_matrix_capability() {
    let module = parse();
    let without = needed_capabilities() - Capabilities::COOPERATIVE_MATRIX;
    let error = validate(&module, without).expect_err(
        "the kernel validated without COOPERATIVE_MATRIX, so it uses no cooperative matrix",
    );
    assert!(
        error.contains("COOPERATIVE_MATRIX"),
        "validation failed for another reason than the missing capability:\n{error}"
    );
}

#[test]
fn validation_fails_without_the_float16_capability() {
    let module = parse();
    let without = needed_capabilities() - Capabilities::SHADER_FLOAT16;
    let error = validate(&module, without)
        .expect_err("the kernel validated without SHADER_FLOAT16, so it has no f16 path");
    assert!(
        error.contains("FLOAT16"),
        "validation failed for another reason than the missing capability:\n{error}"
    );
}

#[test]
fn every_entry_point_compiles_to_cooperative_matrix_spirv() {
    let module = parse();
    let info = validate(&module, needed_capabilities()).unwrap_or_else(|e| panic!("{e}"));
    let policies = [
        naga::proc::BoundsCheckPolicy::Unchecked,
        naga::proc::BoundsCheckPolicy::Restrict,
        naga::proc::BoundsCheckPolicy::ReadZeroSkipWrite,
    ];
    for name in ENTRY_POINTS {
        // Resolve `override WORKGROUP_SIZE` as wgpu does when it builds the
        // pipeline, at its default and at a 64-wide subgroup.
        let mut wide = naga::back::PipelineConstants::default();
        wide.insert("WORKGROUP_SIZE".to_string(), 64.0);
        for constants in [naga::back::PipelineConstants::default(), wide] {
            let (resolved, resolved_info) = naga::back::pipeline_constants::process_overrides(
                &module,
                &info,
                Some((naga::ShaderStage::Compute, name)),
                &constants,
            )
            .unwrap_or_else(|e| panic!("{name}: overrides {constants:?}: {e}"));
            let entry = resolved
                .entry_points
                .iter()
                .find(|ep| ep.name == name)
                .unwrap_or_else(|| panic!("no entry point {name}"));
            let expected_size = constants.get("WORKGROUP_SIZE").map_or(32, |&s| s as u32);
            assert_eq!(entry.workgroup_size, [expected_size, 1, 1], "{name}");

            for policy in policies {
                let options = spv::Options {
                    // Vulkan 1.3 drivers, where NVIDIA exposes cooperative matrices.
                    lang_version: (1, 6),
                    bounds_check_policies: naga::proc::BoundsCheckPolicies {
                        index: policy,
                        buffer: policy,
                        image_load: policy,
                        binding_array: policy,
                    },
                    ..spv::Options::default()
                };
                let pipeline = spv::PipelineOptions {
                    shader_stage: naga::ShaderStage::Compute,
                    entry_point: name.to_string(),
                };
                let words = spv::write_vec(&resolved, &resolved_info, &options, Some(&pipeline))
                    .unwrap_or_else(|e| panic!("{name} ({policy:?}): SPIR-V output failed: {e}"));
                check_spirv(&words, &format!("{name} ({policy:?}, {constants:?})"));
            }
        }
    }
}

/// Asserts `words` is a SPIR-V module that declares and uses cooperative matrices.
fn check_spirv(words: &[u32], what: &str) {
    assert!(
        words.len() > 5,
        "{what}: SPIR-V is only {} words",
        words.len()
    );
    assert_eq!(words[0], SPIRV_MAGIC, "{what}: not SPIR-V");
    let instructions = instructions(words);
    let capabilities: Vec<u32> = instructions
        .iter()
        .filter(|i| opcode(i) == OP_CAPABILITY)
        .map(|i| i[1])
        .collect();
    assert!(
        capabilities.contains(&(spv::Capability::CooperativeMatrixKHR as u32)),
        "{what}: no OpCapability CooperativeMatrixKHR in {capabilities:?}"
    );
    for (op, op_name) in [
        (OP_TYPE_COOPERATIVE_MATRIX_KHR, "OpTypeCooperativeMatrixKHR"),
        (OP_COOPERATIVE_MATRIX_LOAD_KHR, "OpCooperativeMatrixLoadKHR"),
        (
            OP_COOPERATIVE_MATRIX_STORE_KHR,
            "OpCooperativeMatrixStoreKHR",
        ),
        (
            OP_COOPERATIVE_MATRIX_MUL_ADD_KHR,
            "OpCooperativeMatrixMulAddKHR",
        ),
    ] {
        assert!(
            instructions.iter().any(|i| opcode(i) == op),
            "{what}: no {op_name}"
        );
    }
}
