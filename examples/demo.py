"""make demo: the toolkit's main job, end to end (grows as capabilities land)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sparse_models import planted_sparse, save_npz

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    out = ROOT / "reports"
    out.mkdir(exist_ok=True)
    planted = planted_sparse(24, 256, 3, seed=7)
    path = save_npz(planted.block, out / "planted.npz")
    print(f"built {planted.block} with a planted max-active of {planted.k}; saved to {path}")
    return subprocess.call([sys.executable, "-m", "verify.cli.main", "info", str(path)])


if __name__ == "__main__":
    sys.exit(main())
