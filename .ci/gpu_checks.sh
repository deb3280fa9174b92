#!/usr/bin/env bash
# GPU checks for the runtime guard, for a machine with an NVIDIA GPU and PyTorch (CUDA build)
# already installed.  Not part of CI (CI has no GPU; there the CUDA tests skip).
# Optional: wheels for missing packages (libcst) in .whl/ are installed into /tmp/site first.
# Logs go to $OUT (or ./gpu-logs).  Usage: bash .ci/gpu_checks.sh
set -u -o pipefail
OUT="${OUT:-$PWD/gpu-logs}"; mkdir -p "$OUT"
if compgen -G ".whl/*.whl" >/dev/null; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 2
  export PYTHONPATH=/tmp/site
fi
# the pytest plugin is found through its entry point: install padlint itself (no network needed)
python3 -m pip install -q --no-index --no-deps --no-build-isolation -e . >"$OUT/install.log" 2>&1 || { echo "padlint install failed (the pytest-plugin tests will fail):"; tail -5 "$OUT/install.log"; }
export PYTHONUNBUFFERED=1 CUBLAS_WORKSPACE_CONFIG=:4096:8  # deterministic cuBLAS for the bit-for-bit tests
nvidia-smi -L
python3 -c "import torch, libcst; print('torch', torch.__version__, torch.cuda.get_device_name(0), 'libcst', libcst.__name__)"
rc=0
echo "== CUDA tests"; timeout 240 python3 -m pytest tests/runtime/test_cuda.py -q -rs -p no:cacheprovider 2>&1 | tee "$OUT/cuda_tests.log" | tail -40 || rc=1
echo "== guard overhead on the GPU"; timeout 180 python3 benchmarks/guard_overhead.py --device cuda --rounds 20 --steps 5 2>&1 | tee "$OUT/overhead_cuda.log" || rc=1
echo "== the rest of the runtime suite with a GPU present"; timeout 240 python3 -m pytest tests/runtime -q -p no:cacheprovider --ignore=tests/runtime/test_cuda.py 2>&1 | tee "$OUT/runtime.log" | tail -25 || rc=1
exit $rc
