/* Public map of the partners' services. The list on the page is the primary way in: this
   script only adds a map when Leaflet loaded; markers come from the JSON endpoint named in
   data-points-url (same filters as the list). Text is inserted with textContent only. */
(function () {
  "use strict";

  function popup(point) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = point.u;
    link.textContent = point.n;
    var organisation = document.createElement("p");
    organisation.textContent = point.o;
    box.appendChild(link);
    box.appendChild(organisation);
    return box;
  }

  function show(container, points) {
    var status = document.getElementById("carte-etat");
    if (!points.length) {
      if (status) { status.textContent = "Aucun service localisé pour ces critères."; }
      return;
    }
    var map = L.map(container, { preferCanvas: true, scrollWheelZoom: false });
    map.attributionControl.setPrefix(false);
    var tiles = container.getAttribute("data-tiles-url");
    if (tiles) {
      L.tileLayer(tiles, { attribution: container.getAttribute("data-tiles-attribution") || "", maxZoom: 19 }).addTo(map);
    } else {
      container.classList.add("partners-map-plain");
    }
    var bounds = [];
    points.forEach(function (point) {
      var marker = L.circleMarker([point.lat, point.lon], { radius: 7, weight: 2, color: "#1d4e89", fillOpacity: 0.8 });
      marker.bindPopup(popup(point));
      marker.addTo(map);
      bounds.push([point.lat, point.lon]);
    });
    map.fitBounds(bounds, { padding: [24, 24], maxZoom: 16 });
    if (status) { status.textContent = points.length + " service(s) placé(s) sur la carte."; }
  }

  function init() {
    var container = document.getElementById("carte-partenaires");
    if (!container || typeof L === "undefined" || !window.fetch) { return; }
    container.hidden = false;
    fetch(container.getAttribute("data-points-url"), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : { points: [] }; })
      .then(function (data) { show(container, data.points || []); })
      .catch(function () { container.hidden = true; });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
