"""Pre-commit / CI check: fail when a retrained model is no longer k-sparse.

    python examples/check_sparsity_precommit.py model.npz -k 2 [--domain hypercube] [--timeout 60]

Exit status: 0 proved k-sparse, 1 a witness input activates more than k units (printed),
2 bad input, 3 the proof did not finish within the timeout (treat as a failure).
As a pre-commit hook (.pre-commit-config.yaml):

    - repo: local
      hooks:
        - id: sparsity
          name: model stays 2-sparse
          entry: python examples/check_sparsity_precommit.py models/block.npz -k 2
          language: system
          pass_filenames: false
"""

import argparse
import sys

from sparsecert.properties import NotProvedError, SparsityAssertionError, assert_k_sparse
from sparsecert.sparse_models import Box, Hypercube, SparsecertError, load


def parse_domain(spec: str, n: int):
    if spec == "hypercube":
        return Hypercube(n)
    if spec == "hypercube01":
        return Hypercube(n, (0, 1))
    if spec.startswith("box:"):
        _, lo, hi = spec.split(":")
        return Box.uniform(n, float(lo), float(hi))
    raise ValueError(f"unknown domain {spec!r}; use hypercube, hypercube01 or box:LO:HI")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("-k", type=int, required=True, help="the number of units allowed to be active at once")
    ap.add_argument("--domain", default="hypercube", help="hypercube (default), hypercube01 or box:LO:HI")
    ap.add_argument("--timeout", type=float, default=None, help="solver timeout in seconds")
    args = ap.parse_args(argv)
    try:
        block = load(args.model)
        domain = parse_domain(args.domain, block.n)
        proof = assert_k_sparse(block, args.k, domain, timeout=args.timeout)
    except NotProvedError as exc:
        print(f"UNKNOWN: {exc}", file=sys.stderr)
        return 3
    except SparsityAssertionError as exc:
        print(f"FAIL: {args.model} lost its sparsity.\n{exc}", file=sys.stderr)
        return 1
    except (SparsecertError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"OK: {args.model} is proved {args.k}-sparse on {args.domain} (bound {proof.upper_bound})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
