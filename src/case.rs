//! The vocabulary every layer speaks: what a case is (workload family, element
//! type, shape), the work it does, and a kernel variant that can run it.
//! A leaf: it imports nothing from the crate.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Element type of a case's inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Dtype {
    /// IEEE binary32.
    F32,
    /// IEEE binary16 (needs `SHADER_F16`).
    F16,
}

impl Dtype {
    /// Machine epsilon: the gap between 1 and the next representable value.
    pub fn epsilon(self) -> f64 {
        match self {
            Dtype::F32 => f64::from(f32::EPSILON),
            Dtype::F16 => 2f64.powi(-10),
        }
    }

    /// Bytes per element.
    pub fn size_bytes(self) -> u64 {
        match self {
            Dtype::F32 => 4,
            Dtype::F16 => 2,
        }
    }
}

impl fmt::Display for Dtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Dtype::F32 => "f32",
            Dtype::F16 => "f16",
        })
    }
}

/// Named problem dimensions in the order the workload documents them,
/// e.g. `m, n, k` for matmul. Serialized as a JSON object in that order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shape(Vec<(String, u64)>);

impl Shape {
    /// A shape from `(name, size)` pairs.
    pub fn new(dims: &[(&str, u64)]) -> Self {
        Shape(
            dims.iter()
                .map(|(name, size)| (name.to_string(), *size))
                .collect(),
        )
    }

    /// The size of dimension `name`, if the shape has it.
    pub fn get(&self, name: &str) -> Option<u64> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, size)| *size)
    }

    /// The dimension names in order.
    pub fn names(&self) -> impl Iterator<Item = &str> + '_ {
        self.0.iter().map(|(name, _)| name.as_str())
    }

    /// The sizes in order.
    pub fn sizes(&self) -> impl Iterator<Item = u64> + '_ {
        self.0.iter().map(|(_, size)| *size)
    }

    /// The sizes that measure something, in order: every dimension but the
    /// on/off [`SWITCHES`].
    pub fn extents(&self) -> impl Iterator<Item = u64> + '_ {
        self.0
            .iter()
            .filter(|(name, _)| !SWITCHES.contains(&name.as_str()))
            .map(|(_, size)| *size)
    }

    /// This shape with every extent rounded up to a power of two, switches
    /// kept as they are.
    pub fn rounded_to_powers_of_two(&self) -> Shape {
        Shape(
            self.0
                .iter()
                .map(|(name, size)| match SWITCHES.contains(&name.as_str()) {
                    true => (name.clone(), *size),
                    false => (name.clone(), size.next_power_of_two()),
                })
                .collect(),
        )
    }

    /// This shape with dimension `name` (if it has it) set to `size`.
    pub fn with(mut self, name: &str, size: u64) -> Shape {
        for (n, s) in &mut self.0 {
            if n == name {
                *s = size;
            }
        }
        self
    }
}

/// Dimensions that are on/off switches (1 or 0) rather than sizes, e.g.
/// attention's causal mask: a shape names them when on and leaves them out
/// when off.
pub const SWITCHES: &[&str] = &["causal"];

/// Most dimensions a shape may have and still be written as bare sizes:
/// beyond three, a row of sizes cannot be read without the names.
const BARE_SIZES_MAX_DIMENSIONS: usize = 3;

impl fmt::Display for Shape {
    /// `512x512x512`: sizes joined by 'x', for shapes of up to three
    /// dimensions. Larger shapes name every dimension, and a switch (see
    /// [`SWITCHES`]) only when it is on: `b1_hq32_hkv8_sq1_skv4096_d128_causal`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.len() <= BARE_SIZES_MAX_DIMENSIONS {
            let sizes: Vec<String> = self.sizes().map(|s| s.to_string()).collect();
            return f.write_str(&sizes.join("x"));
        }
        let parts: Vec<String> = self
            .0
            .iter()
            .filter_map(|(name, size)| match SWITCHES.contains(&name.as_str()) {
                true => (*size != 0).then(|| name.clone()),
                false => Some(format!("{name}{size}")),
            })
            .collect();
        f.write_str(&parts.join("_"))
    }
}

impl Serialize for Shape {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, size) in &self.0 {
            map.serialize_entry(name, size)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Shape {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct InOrder;
        impl<'de> serde::de::Visitor<'de> for InOrder {
            type Value = Shape;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of dimension names to sizes")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Shape, A::Error> {
                let mut dims = Vec::new();
                while let Some(entry) = map.next_entry::<String, u64>()? {
                    dims.push(entry);
                }
                Ok(Shape(dims))
            }
        }
        deserializer.deserialize_map(InOrder)
    }
}

/// One thing to measure: a workload family at a dtype and shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    /// Workload family, e.g. `matmul`.
    pub workload: String,
    /// Element type.
    pub dtype: Dtype,
    /// Problem dimensions.
    pub shape: Shape,
}

impl Case {
    /// `matmul_f32_512x512x512`: the name `--filter` matches and tables show.
    pub fn name(&self) -> String {
        format!("{}_{}_{}", self.workload, self.dtype, self.shape)
    }
}

/// The work a case does per operation, for throughput figures.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Work {
    /// Floating-point operations (an FMA counts as 2).
    pub flop: f64,
    /// Bytes the operation must read at least once.
    pub bytes_read: u64,
    /// Bytes the operation writes.
    pub bytes_written: u64,
}

/// One way to run a case: a kernel variant and its `override` constants.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// Variant name, e.g. `register_tiled`.
    pub variant: String,
    /// WGSL `override` constants and their values.
    pub constants: Vec<(String, f64)>,
}

impl Candidate {
    /// The one way a workload without variants runs a case: `variant`, no constants.
    pub fn only(variant: &str) -> Candidate {
        Candidate {
            variant: variant.into(),
            constants: Vec::new(),
        }
    }
}

/// `texture_tiled workgroup_size=16 row_blocks=4`: a variant with its
/// constants in one line (names lowercased), telling apart the tile shapes of
/// one variant, as tables and benchmark names show it.
pub fn variant_label(variant: &str, constants: &[(String, f64)]) -> String {
    let mut label = variant.to_string();
    for (name, value) in constants {
        label += &format!(" {}={value}", name.to_lowercase());
    }
    label
}

/// The figure a workload is judged by: what its rate is, and which way is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Figure {
    /// Floating-point operations per second (matmul, the compute roof).
    FlopPerS,
    /// Bytes moved per second (stream, transfers).
    BytesPerS,
    /// Seconds per operation: less is better (dispatch latency).
    Seconds,
}

/// A limit of the device that a probe workload measures, and that every
/// other kernel's figure is held against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Roof {
    /// Peak FLOP/s of the element type.
    Compute,
    /// Memory bandwidth.
    Bandwidth,
    /// The fixed cost of one dispatch.
    DispatchOverhead,
}
