"""Plain geometry for a town: distances and point-in-polygon. No GIS server needed."""

import json
import math
from collections.abc import Sequence

EARTH_RADIUS_KM = 6371.0
KM_PER_DEGREE_LAT = 110.574


def km_per_degree_lon(latitude: float) -> float:
    return 111.320 * math.cos(math.radians(latitude))


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Equirectangular distance: exact to a few metres at town scale, and the same formula
    the matching query computes in SQL, so ranking and explanations agree."""
    dx = (lon2 - lon1) * km_per_degree_lon(lat1)
    dy = (lat2 - lat1) * KM_PER_DEGREE_LAT
    return math.sqrt(dx * dx + dy * dy)


def point_in_ring(lon: float, lat: float, ring: Sequence[Sequence[float]]) -> bool:
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i][0], ring[i][1]
        xj, yj = ring[j][0], ring[j][1]
        if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / ((yj - yi) or 1e-12) + xi:
            inside = not inside
        j = i
    return inside


def polygons_of(geojson: str) -> list[list[list[list[float]]]]:
    """Return the polygons (lists of rings) of a GeoJSON Polygon, MultiPolygon or Feature."""
    if not geojson:
        return []
    data = json.loads(geojson)
    if data.get("type") == "Feature":
        data = data["geometry"]
    if data.get("type") == "Polygon":
        return [data["coordinates"]]
    if data.get("type") == "MultiPolygon":
        return list(data["coordinates"])
    raise ValueError("GeoJSON attendu : Polygon, MultiPolygon ou Feature.")


def point_in_polygons(lon: float, lat: float, polygons) -> bool:
    for rings in polygons:
        if rings and point_in_ring(lon, lat, rings[0]) and not any(point_in_ring(lon, lat, hole) for hole in rings[1:]):
            return True
    return False
