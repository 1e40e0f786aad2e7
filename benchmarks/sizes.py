"""Problem sizes and repetition settings per tier: ``full`` (default), ``quick``
(``--quick``) and ``smoke`` (``--smoke``: every section at its smallest size, used by
the test suite; its numbers mean nothing)."""

__all__ = ["TIERS", "MLP_SHAPE"]

#: the benchmarked MLP: 784-512-256-10
MLP_SHAPE = (784, 512, 256, 10)

TIERS = {
    "full": dict(
        rounds=7, target=0.08, gemm=[512, 2048], triad_n=1 << 24,
        mm_square=[128, 256, 512, 1024, 2048], mm_batches=[32, 128, 512],
        elem_n=1 << 24, chain_len=100, mlp_batches=[32, 128, 512], check_steps=5,
        deep=[100_000, 1_000_000], deep_rounds=3, cold_reps=7, cold_cache_runs=3, thread_batch=512,
        thread_sigmoid_n=1 << 22,
    ),
    "quick": dict(
        rounds=5, target=0.04, gemm=[1024], triad_n=1 << 24,
        mm_square=[128, 512, 1024], mm_batches=[128],
        elem_n=1 << 24, chain_len=100, mlp_batches=[32, 512], check_steps=4,
        deep=[100_000], deep_rounds=2, cold_reps=3, cold_cache_runs=1, thread_batch=512,
        thread_sigmoid_n=1 << 22,
    ),
    "smoke": dict(
        rounds=2, target=0.002, gemm=[128], triad_n=1 << 16,
        mm_square=[128], mm_batches=[32],
        elem_n=1 << 16, chain_len=100, mlp_batches=[32], check_steps=3,
        deep=[2_000], deep_rounds=1, cold_reps=1, cold_cache_runs=0, thread_batch=32,
        thread_sigmoid_n=1 << 12,
        kernels_per_module=1, thread_mlp=False,
    ),
}
