"""Coordinates at the residents' doors: distances, and GCJ-02 back to WGS84. Pure functions.

Open311 speaks WGS84 (GPS). Chinese map SDKs (AMap/Gaode, Tencent; Baidu after its own
BD-09 step) hand out GCJ-02, the obfuscated datum that is a few hundred metres off; a
client that says `coordinate_system=gcj02` gets its point converted here, at the boundary,
so cases and grids only ever hold WGS84.
"""

from math import asin, cos, pi, radians, sin, sqrt

EARTH_RADIUS_M = 6_371_008.8

# Krasovsky 1940 ellipsoid, as the GCJ-02 algorithm uses it.
_A = 6378245.0
_EE = 0.00669342162296594323


def distance_m(lat1: float, long1: float, lat2: float, long2: float) -> float:
    """Great-circle distance in metres (haversine): exact enough for a grid's few hundred metres."""
    dlat = radians(lat2 - lat1)
    dlong = radians(long2 - long1)
    h = sin(dlat / 2) ** 2 + cos(radians(lat1)) * cos(radians(lat2)) * sin(dlong / 2) ** 2
    return 2 * EARTH_RADIUS_M * asin(min(1.0, sqrt(h)))


def _outside_china(lat: float, long: float) -> bool:
    # GCJ-02 only shifts points inside mainland China's bounding box.
    return not (72.004 <= long <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _shift_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt(abs(x))
    ret += (20.0 * sin(6.0 * x * pi) + 20.0 * sin(2.0 * x * pi)) * 2.0 / 3.0
    ret += (20.0 * sin(y * pi) + 40.0 * sin(y / 3.0 * pi)) * 2.0 / 3.0
    ret += (160.0 * sin(y / 12.0 * pi) + 320.0 * sin(y * pi / 30.0)) * 2.0 / 3.0
    return ret


def _shift_long(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt(abs(x))
    ret += (20.0 * sin(6.0 * x * pi) + 20.0 * sin(2.0 * x * pi)) * 2.0 / 3.0
    ret += (20.0 * sin(x * pi) + 40.0 * sin(x / 3.0 * pi)) * 2.0 / 3.0
    ret += (150.0 * sin(x / 12.0 * pi) + 300.0 * sin(x / 30.0 * pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(lat: float, long: float) -> tuple[float, float]:
    if _outside_china(lat, long):
        return lat, long
    dlat = _shift_lat(long - 105.0, lat - 35.0)
    dlong = _shift_long(long - 105.0, lat - 35.0)
    radlat = lat / 180.0 * pi
    magic = 1 - _EE * sin(radlat) ** 2
    sqrt_magic = sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * pi)
    dlong = (dlong * 180.0) / (_A / sqrt_magic * cos(radlat) * pi)
    return lat + dlat, long + dlong


def gcj02_to_wgs84(lat: float, long: float) -> tuple[float, float]:
    """Invert the shift by fixed-point iteration; converges to well under a centimetre."""
    if _outside_china(lat, long):
        return lat, long
    wlat, wlong = lat, long
    for _ in range(20):
        glat, glong = wgs84_to_gcj02(wlat, wlong)
        dlat, dlong = lat - glat, long - glong
        wlat, wlong = wlat + dlat, wlong + dlong
        if abs(dlat) < 1e-9 and abs(dlong) < 1e-9:
            break
    return wlat, wlong
