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
    """Return the polygons (lists of rings) of a GeoJSON Polygon, MultiPolygon, Feature or
    FeatureCollection (the shapes an online drawing tool exports)."""
    if not geojson:
        return []
    return _polygons(json.loads(geojson))


def _polygons(data) -> list:
    if not isinstance(data, dict):
        raise ValueError("GeoJSON attendu : un objet Polygon, MultiPolygon ou Feature.")
    kind = data.get("type")
    if kind == "FeatureCollection":
        return [polygon for feature in data.get("features") or [] for polygon in _polygons(feature)]
    if kind == "Feature":
        return _polygons(data.get("geometry"))
    if kind == "Polygon":
        return [data["coordinates"]]
    if kind == "MultiPolygon":
        return list(data["coordinates"])
    raise ValueError("GeoJSON attendu : Polygon, MultiPolygon ou Feature.")


def validate_polygons(geojson: str) -> list:
    """Parse and check a quartier boundary; ValueError with a French message when unusable."""
    try:
        polygons = polygons_of(geojson)
    except json.JSONDecodeError as exc:
        raise ValueError(f"ce n'est pas du JSON valide (ligne {exc.lineno}, colonne {exc.colno}).") from exc
    except (KeyError, TypeError) as exc:
        raise ValueError("il manque les coordonnées (« coordinates ») du polygone.") from exc
    if geojson and not polygons:
        raise ValueError("aucun polygone trouvé.")
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            raise ValueError("un polygone doit contenir au moins un contour.")
        for ring in polygon:
            if not isinstance(ring, list) or len(ring) < 4:
                raise ValueError("un contour doit avoir au moins 4 points (le dernier répète le premier).")
            for position in ring:
                if (
                    not isinstance(position, list)
                    or len(position) < 2
                    or not all(
                        isinstance(value, (int, float)) and not isinstance(value, bool) for value in position[:2]
                    )
                    or not all(math.isfinite(value) for value in position[:2])
                ):
                    raise ValueError("chaque point doit être une paire de nombres [longitude, latitude].")
                if not (-180 <= position[0] <= 180 and -90 <= position[1] <= 90):
                    raise ValueError(
                        f"le point {position[:2]} est hors des limites : "
                        "attendu [longitude, latitude] en degrés (WGS84)."
                    )
            if ring[0][:2] != ring[-1][:2]:
                raise ValueError("chaque contour doit être fermé : le dernier point doit répéter le premier.")
    return polygons


def centre_of(polygons) -> tuple[float, float] | None:
    """Mean of the outer rings' vertices as (latitude, longitude): a fair centre for a quartier."""
    points = [position for polygon in polygons for position in polygon[0][:-1]]
    if not points:
        return None
    return sum(p[1] for p in points) / len(points), sum(p[0] for p in points) / len(points)


def point_in_polygons(lon: float, lat: float, polygons) -> bool:
    for rings in polygons:
        if (
            rings
            and point_in_ring(lon, lat, rings[0])
            and not any(point_in_ring(lon, lat, hole) for hole in rings[1:])
        ):
            return True
    return False
