"""Conversion between WGS84 and GCJ-02, the obfuscated datum of Chinese web maps.

GCJ-02 ("Mars coordinates") is WGS84 plus a deterministic, smooth but non-linear offset of a
few hundred metres. The forward transform (WGS84 -> GCJ-02) is the publicly documented
formula: two trigonometric polynomials give an offset in metres-like units on a Krasovsky
ellipsoid, which is then scaled to degrees at the point's latitude. There is no closed-form
inverse; :func:`gcj02_to_wgs84` solves ``forward(p) = q`` by fixed-point iteration, which
converges quickly because the offset varies slowly with position.

BD-09 (Baidu maps) is GCJ-02 with a further small rotation and scaling about the origin plus a
fixed shift (0.0065°, 0.006°); its public formula has a closed-form approximate inverse
(:func:`bd09_to_gcj02`, within a few centimetres).

Everything is vectorised with numpy. Points outside a rough bounding box of China are
returned unchanged, as the public formula does not apply there.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = [
    "KRASOVSKY_A",
    "KRASOVSKY_EE",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "in_china",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

#: Semi-major axis (metres) of the Krasovsky 1940 ellipsoid used by the formula.
KRASOVSKY_A: float = 6378245.0
#: First eccentricity squared of the Krasovsky 1940 ellipsoid.
KRASOVSKY_EE: float = 0.00669342162296594323

# Rough bounding box of mainland China in which the offset applies.
_LON_MIN, _LON_MAX = 72.004, 137.8347
_LAT_MIN, _LAT_MAX = 0.8293, 55.8271

FloatArray = npt.NDArray[np.float64]


def in_china(lon: npt.ArrayLike, lat: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """Tell which points lie in the rough bounding box where GCJ-02 differs from WGS84.

    Parameters
    ----------
    lon, lat : array_like
        Longitudes and latitudes in degrees (broadcastable).

    Returns
    -------
    numpy.ndarray of bool
        True where the offset is applied.
    """
    x = np.asarray(lon, dtype=np.float64)
    y = np.asarray(lat, dtype=np.float64)
    return (x >= _LON_MIN) & (x <= _LON_MAX) & (y >= _LAT_MIN) & (y <= _LAT_MAX)


def _offset_lat(x: FloatArray, y: FloatArray) -> FloatArray:
    """Latitude polynomial of the GCJ-02 formula (x, y relative to 105E, 35N)."""
    pi = np.pi
    out = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    out = out + (20.0 * np.sin(6.0 * pi * x) + 20.0 * np.sin(2.0 * pi * x)) * 2.0 / 3.0
    out = out + (20.0 * np.sin(pi * y) + 40.0 * np.sin(pi * y / 3.0)) * 2.0 / 3.0
    out = out + (160.0 * np.sin(pi * y / 12.0) + 320.0 * np.sin(pi * y / 30.0)) * 2.0 / 3.0
    return out


def _offset_lon(x: FloatArray, y: FloatArray) -> FloatArray:
    """Longitude polynomial of the GCJ-02 formula (x, y relative to 105E, 35N)."""
    pi = np.pi
    out = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    out = out + (20.0 * np.sin(6.0 * pi * x) + 20.0 * np.sin(2.0 * pi * x)) * 2.0 / 3.0
    out = out + (20.0 * np.sin(pi * x) + 40.0 * np.sin(pi * x / 3.0)) * 2.0 / 3.0
    out = out + (150.0 * np.sin(pi * x / 12.0) + 300.0 * np.sin(pi * x / 30.0)) * 2.0 / 3.0
    return out


def _delta(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """GCJ-02 minus WGS84, in degrees, evaluated at the WGS84 point ``(lon, lat)``."""
    x = lon - 105.0
    y = lat - 35.0
    dlat = _offset_lat(x, y)
    dlon = _offset_lon(x, y)
    phi = np.radians(lat)
    sin_phi = np.sin(phi)
    w = 1.0 - KRASOVSKY_EE * sin_phi * sin_phi
    sqrt_w = np.sqrt(w)
    # Meridian radius of curvature M = a(1-e^2)/W^3 and prime-vertical N = a/W.
    m_radius = KRASOVSKY_A * (1.0 - KRASOVSKY_EE) / (w * sqrt_w)
    n_radius = KRASOVSKY_A / sqrt_w
    dlat_deg = dlat * 180.0 / (m_radius * np.pi)
    dlon_deg = dlon * 180.0 / (n_radius * np.cos(phi) * np.pi)
    mask = in_china(lon, lat)
    return np.where(mask, dlon_deg, 0.0), np.where(mask, dlat_deg, 0.0)


def wgs84_to_gcj02(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert WGS84 coordinates to GCJ-02 (the forward, published formula).

    Parameters
    ----------
    lon, lat : array_like
        WGS84 longitudes and latitudes in degrees (broadcastable).

    Returns
    -------
    tuple of numpy.ndarray
        GCJ-02 longitudes and latitudes in degrees, as float64 arrays of the broadcast shape.
    """
    x, y = np.broadcast_arrays(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))
    dlon, dlat = _delta(x, y)
    return x + dlon, y + dlat


def gcj02_to_wgs84(
    lon: npt.ArrayLike,
    lat: npt.ArrayLike,
    *,
    tol: float = 1e-7,
    max_iter: int = 50,
) -> tuple[FloatArray, FloatArray]:
    """Convert GCJ-02 coordinates to WGS84 by fixed-point iteration.

    Starting from ``p = q`` (the GCJ-02 point), repeat ``p <- p - (forward(p) - q)`` until the
    largest residual of any point is below ``tol`` degrees.

    Parameters
    ----------
    lon, lat : array_like
        GCJ-02 longitudes and latitudes in degrees (broadcastable).
    tol : float, optional
        Stopping tolerance in degrees on ``|forward(p) - q|`` (default 1e-7, about 1 cm).
    max_iter : int, optional
        Maximum number of iterations (default 50; 3 to 5 are typical).

    Returns
    -------
    tuple of numpy.ndarray
        WGS84 longitudes and latitudes in degrees.

    Raises
    ------
    RuntimeError
        If the iteration does not reach ``tol`` within ``max_iter`` steps.
    """
    q_lon, q_lat = np.broadcast_arrays(
        np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    )
    p_lon = q_lon.copy()
    p_lat = q_lat.copy()
    for _ in range(max_iter):
        f_lon, f_lat = wgs84_to_gcj02(p_lon, p_lat)
        r_lon = f_lon - q_lon
        r_lat = f_lat - q_lat
        if r_lon.size == 0 or max(np.max(np.abs(r_lon)), np.max(np.abs(r_lat))) < tol:
            return p_lon, p_lat
        p_lon = p_lon - r_lon
        p_lat = p_lat - r_lat
    raise RuntimeError(f"GCJ-02 inverse did not converge to {tol} degrees in {max_iter} steps")


_BD_X_PI: float = np.pi * 3000.0 / 180.0
"""The angular factor of the BD-09 formula."""


def gcj02_to_bd09(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """GCJ-02 -> BD-09 (the public Baidu formula)."""
    x = np.asarray(lon, dtype=np.float64)
    y = np.asarray(lat, dtype=np.float64)
    z = np.hypot(x, y) + 0.00002 * np.sin(y * _BD_X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _BD_X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_gcj02(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """BD-09 -> GCJ-02 (the public closed-form inverse, within a few centimetres)."""
    x = np.asarray(lon, dtype=np.float64) - 0.0065
    y = np.asarray(lat, dtype=np.float64) - 0.006
    z = np.hypot(x, y) - 0.00002 * np.sin(y * _BD_X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _BD_X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def bd09_to_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """BD-09 -> WGS84 (via GCJ-02)."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def wgs84_to_bd09(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """WGS84 -> BD-09 (via GCJ-02)."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))
