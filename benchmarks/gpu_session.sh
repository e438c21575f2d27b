#!/usr/bin/env bash
# One GPU session, prepared to fit a few minutes of lent device time (see the device tool):
# CUDA tests (LPINN's included), the kernel benchmark on CUDA, the TENG paper configuration and the
# hard-constraint per-step scaling.
#
#   bash benchmarks/gpu_session.sh [OUTDIR]       (default: $OUT, else ./gpu_out)
#
# Runs from a source checkout without installing (PYTHONPATH), so it works on a bare machine
# whose python3 already holds torch, numpy, scipy, h5py, matplotlib, tqdm and pytest.
set -o pipefail
cd "$(dirname "$0")/.."
OUTDIR=${1:-${OUT:-gpu_out}}
mkdir -p "$OUTDIR"
export PYTHONPATH=$PWD PYTHONUNBUFFERED=1
KERNEL_S=${KERNEL_S:-200}
TENG_S=${TENG_S:-240}
{
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
  python3 -c "import torch; print('torch', torch.__version__, torch.cuda.get_device_name(0))"
} 2>&1 | tee "$OUTDIR/device.txt"

echo "== CUDA tests"
timeout 150 python3 -m pytest -q -m cuda -p no:cacheprovider tests 2>&1 | tail -15 | tee "$OUTDIR/cuda_tests.txt"

echo "== kernels on CUDA"
timeout "$KERNEL_S" python3 benchmarks/kernels.py --device cuda --sizes 4096,65536 --jac-sizes 4096,16384 \
  --reps 10 --compile --json "$OUTDIR/kernels_cuda.json" 2>"$OUTDIR/kernels_cuda.log" | tee "$OUTDIR/kernels_cuda.txt"

if [ -f benchmarks/teng_gpu.py ]; then
  echo "== TENG paper configuration"
  timeout $((TENG_S + 30)) python3 benchmarks/teng_gpu.py --device cuda --time-limit "$TENG_S" \
    --json "$OUTDIR/teng_gpu.json" 2>&1 | grep -v "it/s" | tail -40 | tee "$OUTDIR/teng_gpu.txt"
fi

echo "== hard constraints: per-step time against M on CUDA"
timeout ${HC_S:-150} python3 benchmarks/hard_constraints.py --skip-accuracy --device cuda --scaling-steps 3 \
  --json "$OUTDIR/hard_constraints_cuda.json" 2>&1 | tail -15 | tee "$OUTDIR/hard_constraints_cuda.txt"
