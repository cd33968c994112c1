"""Basis statuses of a primal point (for a basis built from a plan alone)."""

from __future__ import annotations

import numpy as np

VERTEX_TOLERANCE = 1e-9
"""A value this close to a bound (relative to the bound, at least absolute) is at it."""


def basis_statuses(v: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Basis status codes of values ``v`` in their bounds: 0 at lower, 1 basic (strictly
    inside), 2 at upper, 3 free at zero."""
    tol_lo = VERTEX_TOLERANCE * np.maximum(1.0, np.abs(np.where(np.isinf(lower), 0, lower)))
    tol_up = VERTEX_TOLERANCE * np.maximum(1.0, np.abs(np.where(np.isinf(upper), 0, upper)))
    at_lo = np.isfinite(lower) & (v <= lower + tol_lo)
    at_up = np.isfinite(upper) & (v >= upper - tol_up) & ~at_lo
    out = np.ones(len(v), dtype=np.int64)
    out[at_lo] = 0
    out[at_up] = 2
    free_zero = ~np.isfinite(lower) & ~np.isfinite(upper) & (np.abs(v) <= VERTEX_TOLERANCE)
    out[free_zero] = 3
    return out
