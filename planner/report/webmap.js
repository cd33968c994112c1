/* Olive Planner: the report's interactive map (Leaflet, vector layers only, no tiles).
   Reads the JSON of <script id="olive-map-data">, draws counties, city boundaries, centres
   and townships of one stage, switches stages with the buttons of #olive-map-stages and shows
   a clicked centre's or township's plan over every stage in #olive-map-info. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("olive-map-data").textContent);
  var root = document.getElementById("olive-map");
  var info = document.getElementById("olive-map-info");
  var buttons = document.getElementById("olive-map-stages");
  var nStages = data.stages.length;
  var current = nStages - 1;
  var renderer = L.canvas({ padding: 0.5, tolerance: 2 });
  var map = L.map(root, {
    renderer: renderer, preferCanvas: true, zoomSnap: 0.25, attributionControl: false,
    minZoom: 3, maxZoom: 16
  });
  L.control.scale({ imperial: false, position: "bottomleft" }).addTo(map);
  map.fitBounds(data.bounds, { padding: [12, 12] });

  function esc(v) {
    return String(v === null || v === undefined ? "—" : v).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function num(v, d) {
    if (v === null || v === undefined) { return "—"; }
    return Number(v).toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
  }
  function pct(v) { return v === null || v === undefined ? "—" : (100 * v).toFixed(1) + "%"; }
  function rampColour(v) {
    if (v === null || v === undefined) { return "#eeeeee"; }
    var ramp = data.style.ramp, i = Math.min(ramp.length - 1, Math.max(0, Math.floor(v * ramp.length)));
    return ramp[i];
  }

  var counties = L.geoJSON(data.counties, {
    renderer: renderer, interactive: false,
    style: function () { return { color: "#b9b4a5", weight: 0.7, fillOpacity: 0.75, fillColor: "#eeeeee" }; }
  }).addTo(map);
  L.geoJSON(data.boundaries, {
    renderer: renderer, interactive: false,
    style: function () { return { color: "#4d4d4d", weight: 1.4, fill: false }; }
  }).addTo(map);

  var centres = {};
  var centreList = [];
  data.centres.features.forEach(function (f) {
    var c = f.geometry.coordinates, p = f.properties;
    var m = L.circleMarker([c[1], c[0]], { renderer: renderer, weight: 1 });
    m.feature = f;
    m.base = L.latLng(c[1], c[0]);
    m.on("click", function () { showCentre(p); });
    m.addTo(map);
    centres[p.id] = m;
    centreList.push(m);
  });
  var townships = {};
  data.townships.features.forEach(function (f) {
    var c = f.geometry.coordinates, p = f.properties;
    var m = L.circleMarker([c[1], c[0]], { renderer: renderer, radius: 3.2, weight: 0.8 });
    m.feature = f;
    m.on("click", function () { showTownship(p); });
    m.addTo(map);
    townships[p.id] = m;
  });

  function centreRadius(area) {
    if (!area || area <= 0) { return 3; }
    return 3 + 11 * Math.sqrt(area / data.style.max_area);
  }
  function styleCentre(m, i) {
    var p = m.feature.properties, action = data.actions[p.act[i]];
    var closed = action === "close" || action === "closed";
    var colour = i === 0 ? data.style.levels[p.level] : data.style.actions[action];
    m.setRadius(closed ? 3 : centreRadius(p.a[i]));
    m.setStyle({
      color: closed ? colour : "#333333", fillColor: colour, fillOpacity: closed ? 0 : 0.85,
      weight: closed ? 1.6 : 0.8, dashArray: action === "closed" ? "2 2" : null
    });
  }
  function styleTownship(m, i) {
    var p = m.feature.properties, phase = p.ph[i] === null ? null : data.phases[p.ph[i]];
    var unserved = p.u[i] !== null && p.u[i] > 0;
    m.setStyle({
      fillColor: phase === null ? "#bdbdbd" : data.style.phases[phase], fillOpacity: 0.95,
      color: unserved ? "#b30000" : "#ffffff", weight: unserved ? 2 : 0.8
    });
  }
  function placeCentres() {
    centreList.forEach(function (m) {
      var off = m.feature.properties.off;
      if (!off) { return; }
      var pt = map.latLngToLayerPoint(m.base).add(L.point(off[0], off[1]));
      m.setLatLng(map.layerPointToLatLng(pt));
    });
  }

  function setStage(i) {
    current = i;
    counties.eachLayer(function (layer) {
      layer.setStyle({ fillColor: rampColour(layer.feature.properties.mat[i]) });
    });
    centreList.forEach(function (m) { styleCentre(m, i); });
    Object.keys(townships).forEach(function (id) { styleTownship(townships[id], i); });
    Array.prototype.forEach.call(buttons.querySelectorAll("button"), function (b) {
      var on = Number(b.getAttribute("data-stage")) === i;
      b.setAttribute("aria-pressed", on ? "true" : "false");
    });
    root.setAttribute("data-stage", String(data.stages[i]));
    document.getElementById("olive-map-legend-levels").hidden = i !== 0;
    document.getElementById("olive-map-legend-actions").hidden = i === 0;
  }

  function table(head, rows) {
    return "<table><thead><tr>" + head.map(function (h, k) {
      return "<th" + (k ? ' class="num"' : "") + ">" + h + "</th>";
    }).join("") + "</tr></thead><tbody>" + rows.map(function (r, j) {
      return '<tr' + (j === current ? ' class="now"' : "") + ">" + r.map(function (c, k) {
        return "<td" + (k ? ' class="num"' : "") + ">" + c + "</td>";
      }).join("") + "</tr>";
    }).join("") + "</tbody></table>";
  }
  function showCentre(p) {
    var rows = [], why = [];
    for (var i = 0; i < nStages; i++) {
      rows.push([esc(data.labels[i]), num(p.a[i], 0), num(p.da[i], 0), num(p.w[i], 0),
        num(p.d[i], 0), num(p.td[i], 1), esc(data.modes[p.m[i]]), esc(data.actions[p.act[i]])]);
      if (i > 0 && p.r[i] !== null) {
        why.push("<li><b>" + esc(data.labels[i]) + "</b>: " + esc(data.reasons[p.r[i]]) + "</li>");
      }
    }
    info.setAttribute("data-selected", p.id);
    info.innerHTML = "<h3>" + esc(p.name) + "</h3><p class='small'>" + esc(data.level_labels[p.level]) +
      " centre · <span class='id'>" + esc(p.id) + "</span>" +
      (p.county ? " · county " + esc(p.county) : "") + "</p>" +
      table(["Stage", "Area m²", "Δ m²", "Windows", "Desks", "Tx/day", "Mode", "Action"], rows) +
      (why.length ? "<h4>Why</h4><ul>" + why.join("") + "</ul>" : "");
  }
  function showTownship(p) {
    var rows = [];
    for (var i = 0; i < nStages; i++) {
      if (p.d[i] === null) { continue; }
      rows.push([esc(data.labels[i]), num(p.d[i], 0), pct(p.o[i]), num(p.u[i], 0),
        esc(data.phase_labels[data.phases[p.ph[i]]] || "—"),
        num(p.mp[i], 0), num(p.mc[i], 0), num(p.mk[i], 0), num(p.mt[i], 0)]);
    }
    info.setAttribute("data-selected", p.id);
    info.innerHTML = "<h3>" + esc(p.name) + "</h3><p class='small'>township · <span class='id'>" +
      esc(p.id) + "</span> · county " + esc(p.county) + "</p>" +
      table(["Stage", "Demand/yr", "Online", "Unserved", "Phase", "Min prov.", "Min city",
        "Min county", "Min town"], rows) +
      "<p class='small'>Minutes: demand-weighted one-way travel to the centres of each level " +
      "that serve the township (— where none does).</p>";
  }

  data.stages.forEach(function (s, i) {
    var b = document.createElement("button");
    b.type = "button";
    b.setAttribute("data-stage", String(i));
    b.textContent = data.labels[i];
    b.addEventListener("click", function () { setStage(i); });
    buttons.appendChild(b);
  });
  map.on("zoomend viewreset", placeCentres);
  placeCentres();
  setStage(current);
  window.oliveMap = { map: map, setStage: setStage, centres: centres, townships: townships,
    stage: function () { return current; } };
  root.setAttribute("data-ready", "1");
})();
