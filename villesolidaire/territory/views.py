from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from villesolidaire.territory.geocoding import feature_collection, get_geocoder

MAX_QUERY_LENGTH = 200


@require_GET
def address_search(request: HttpRequest) -> HttpResponse:
    """Same parameters and answer as the national geocoder's /search (q, limit, citycode).

    htmx requests get <option> elements for the address field's <datalist>.
    """
    query = (request.GET.get("q") or request.GET.get("address") or "")[:MAX_QUERY_LENGTH]
    try:
        limit = max(1, min(int(request.GET.get("limit", 5)), 20))
    except ValueError:
        limit = 5
    results = (
        get_geocoder().search(query, limit=limit, citycode=request.GET.get("citycode", "")[:5])
        if len(query.strip()) >= 3
        else []
    )
    collection = feature_collection(query, results, limit)
    if request.htmx:
        return render(request, "territory/address_datalist.html", {"features": collection["features"]})
    return JsonResponse(collection, json_dumps_params={"ensure_ascii": False})
