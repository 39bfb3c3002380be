//! Regression guard for the matmul path: the host-side reference and a small
//! GPU matmul (prepare once, then one timed batch per iteration) on the
//! preferred adapter.

use criterion::{criterion_group, criterion_main, Criterion};

use chipbench::gpu::{best_timer, Gpu};
use chipbench::reference::matmul_f64;
use chipbench::workloads::{matmul_case, seeded_uniform, Dtype, Matmul, Workload};

fn reference(c: &mut Criterion) {
    let (m, n, k) = (64, 64, 64);
    let a = seeded_uniform(1, 0, m * k);
    let b = seeded_uniform(1, 1, k * n);
    c.bench_function("reference matmul_f64 64x64x64", |bench| {
        bench.iter(|| matmul_f64(&a, &b, m, n, k))
    });
}

fn gpu_matmul(c: &mut Criterion) {
    let gpu = match Gpu::select(None, None) {
        Ok(gpu) => gpu,
        Err(error) => {
            eprintln!("skipping GPU benches: {error}");
            return;
        }
    };
    let case = matmul_case(Dtype::F32, 128, 128, 128);
    let mut timer = best_timer(&gpu).expect("timer");
    for candidate in Matmul.candidates(&case, &gpu).expect("f32 matmul") {
        let prepared = Matmul.prepare(&gpu, &case, &candidate, 1).expect("prepare");
        c.bench_function(
            &format!("gpu matmul {} 128^3", candidate.variant),
            |bench| bench.iter(|| prepared.sample(&gpu, timer.as_mut(), 1).expect("dispatch")),
        );
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = reference, gpu_matmul
}
criterion_main!(benches);
