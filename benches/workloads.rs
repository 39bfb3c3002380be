//! Regression guard for every workload at small sizes: the host-side reference
//! and one timed sample of each kernel variant (prepared once) on the
//! preferred adapter. `cargo bench` runs it; big shapes live in the suites.

use criterion::{criterion_group, criterion_main, Criterion};

use chipbench::case::{variant_label, Dtype};
use chipbench::gpu::{best_timer, Gpu};
use chipbench::reference::matmul_f64;
use chipbench::workloads::{
    self, latency_case, matmul_case, peak_case, seeded_uniform, stream_case, transfer_case,
    Direction, StreamKernel,
};

fn reference(c: &mut Criterion) {
    let (m, n, k) = (64, 64, 64);
    let a = seeded_uniform(1, 0, m * k);
    let b = seeded_uniform(1, 1, k * n);
    c.bench_function("reference matmul_f64 64x64x64", |bench| {
        bench.iter(|| matmul_f64(&a, &b, m, n, k))
    });
}

fn kernels(c: &mut Criterion) {
    let gpu = match Gpu::select(None, None) {
        Ok(gpu) => gpu,
        Err(error) => {
            eprintln!("skipping GPU benches: {error}");
            return;
        }
    };
    let mut cases = vec![
        matmul_case(Dtype::F32, 128, 128, 128),
        matmul_case(Dtype::F16, 128, 128, 128),
        peak_case(Dtype::F32, 1024, 256),
        peak_case(Dtype::F16, 1024, 256),
        latency_case(),
        transfer_case(Direction::Upload, 1 << 20),
        transfer_case(Direction::Download, 1 << 20),
    ];
    for kernel in [
        StreamKernel::Copy,
        StreamKernel::Scale,
        StreamKernel::Add,
        StreamKernel::Triad,
    ] {
        cases.push(stream_case(kernel, 1 << 18));
    }
    let mut timer = best_timer(&gpu).expect("timer");
    for case in cases {
        let workload = workloads::by_family(&case.workload).expect("known workload");
        let Ok(candidates) = workload.candidates(&case, &gpu) else {
            continue; // unsupported here (e.g. f16 without SHADER_F16)
        };
        for candidate in candidates {
            let prepared = workload
                .prepare(&gpu, &case, &candidate, 1)
                .expect("prepare");
            c.bench_function(
                &format!(
                    "{} {}",
                    case.name(),
                    variant_label(&candidate.variant, &candidate.constants)
                ),
                |bench| bench.iter(|| prepared.sample(&gpu, timer.as_mut(), 1).expect("sample")),
            );
        }
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = reference, kernels
}
criterion_main!(benches);
