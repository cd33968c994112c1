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
    style: function () { return { color: "#a9a493", weight: 0.7, fillOpacity: 0.4, fillColor: "#eeeeee" }; }
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
    var m = L.circleMarker([c[1], c[0]], { renderer: renderer, radius: 2.4, weight: 0.6 });
    m.feature = f;
    m.on("click", function () { showTownship(p); });
    m.addTo(map);
    townships[p.id] = m;
  });

  function centreRadius(area) {
    /* at least 4.5 px: a township station shows as a ring around its township's 2.4 px dot */
    if (!area || area <= 0) { return 4.5; }
    return 4.5 + 10 * Math.sqrt(area / data.style.max_area);
  }
  function styleCentre(m, i) {
    var p = m.feature.properties, action = data.actions[p.act[i]];
    var closed = action === "close" || action === "closed";
    var colour = i === 0 ? data.style.levels[p.level] : data.style.actions[action];
    m.setRadius(closed ? 4.5 : centreRadius(p.a[i]));
    m.setStyle({
      color: closed ? colour : "#333333", fillColor: colour, fillOpacity: closed ? 0 : 0.85,
      weight: closed ? 1.6 : 0.8, dashArray: action === "closed" ? "2 2" : null
    });
  }
  function styleTownship(m, i) {
    var p = m.feature.properties, phase = p.ph[i] === null ? null : data.phases[p.ph[i]];
    var unserved = p.ui ? p.ui[i] !== null && p.ui[i] > 0 : p.u[i] !== null && p.u[i] > 0;
    m.setStyle({
      fillColor: phase === null ? "#bdbdbd" : data.style.phases[phase], fillOpacity: 0.95,
      color: unserved ? "#b30000" : "#ffffff", weight: unserved ? 1.6 : 0.6
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
    /* draw order: larger centres first, then smaller ones, then the township dots on top */
    centreList.slice().sort(function (x, y) {
      var ax = x.feature.properties.a[i] || 0, ay = y.feature.properties.a[i] || 0;
      return ay - ax || (x.feature.properties.id < y.feature.properties.id ? -1 : 1);
    }).forEach(function (m) { m.bringToFront(); });
    Object.keys(townships).sort().forEach(function (id) { townships[id].bringToFront(); });
    Array.prototype.forEach.call(buttons.querySelectorAll("button"), function (b) {
      var on = Number(b.getAttribute("data-stage")) === i;
      b.setAttribute("aria-pressed", on ? "true" : "false");
    });
    root.setAttribute("data-stage", String(data.stages[i]));
    document.getElementById("olive-map-legend-levels").hidden = i !== 0;
    document.getElementById("olive-map-legend-actions").hidden = i === 0;
  }

  var MODES = { traditional: "传统", small_general: "小全科", big_general: "大全科" };
  var COUNTY_NAMES = {};
  data.counties.features.forEach(function (f) {
    COUNTY_NAMES[f.properties.code] = f.properties.name;
  });
  function county(code) {  // the county's name, its code on hover
    return short(COUNTY_NAMES[code] || "county " + code, "county " + code);
  }
  function short(text, value) {
    return '<span title="' + esc(value) + '">' + esc(text) + "</span>";
  }
  function shortLabel(i) {
    var year = /\((\d{4})\)/.exec(data.labels[i]);
    return (i === 0 && data.stages[0] === 0 ? "Today" : "S" + data.stages[i]) +
      (year ? "<br>" + year[1] : "");
  }
  /* One row per quantity, one column per stage (the current stage highlighted). */
  function table(columns, rows) {
    var head = "<th></th>" + columns.map(function (i) {
      return '<th class="num' + (i === current ? " now" : "") + '">' + shortLabel(i) + "</th>";
    }).join("");
    var body = rows.map(function (r) {
      return "<tr><th>" + r[0] + "</th>" + columns.map(function (i) {
        return '<td class="num' + (i === current ? " now" : "") + '">' + r[1](i) + "</td>";
      }).join("") + "</tr>";
    }).join("");
    return "<table><thead><tr>" + head + "</tr></thead><tbody>" + body + "</tbody></table>";
  }
  function all() { return data.stages.map(function (s, i) { return i; }); }
  function showCentre(p) {
    var why = [];
    for (var i = 1; i < nStages; i++) {
      if (p.r[i] !== null) {
        why.push("<li><b>" + esc(data.labels[i]) + "</b>: " + esc(data.reasons[p.r[i]]) + "</li>");
      }
    }
    var action = function (i) {
      var a = data.actions[p.act[i]], label = data.action_labels[a] || a;
      return short(label.split(" ")[0], label);
    };
    info.setAttribute("data-selected", p.id);
    info.innerHTML = "<h3>" + esc(p.name) + "</h3><p class='small'>" + esc(data.level_labels[p.level]) +
      " centre · <span class='id'>" + esc(p.id) + "</span>" +
      (p.county ? " · " + county(p.county) : "") + "</p>" +
      table(all(), [
        ["Area m²", function (i) { return num(p.a[i], 0); }],
        ["Δ m²", function (i) { return num(p.da[i], 0); }],
        ["Windows", function (i) { return num(p.w[i], 0); }],
        ["Desks", function (i) { return num(p.d[i], 0); }],
        ["Tx/day", function (i) { return num(p.td[i], 1); }],
        ["Mode", function (i) { var m = data.modes[p.m[i]]; return short(MODES[m] || m, m); }],
        ["Action", action]
      ]) +
      "<p class='small'>Mode: 传统 traditional, 小全科 small general, 大全科 big general " +
      "windows; hover a cell for its full name.</p>" +
      (why.length ? "<h4>Why</h4><ul>" + why.join("") + "</ul>" : "");
  }
  function showTownship(p) {
    var planned = all().filter(function (i) { return p.d[i] !== null; });
    info.setAttribute("data-selected", p.id);
    info.innerHTML = "<h3>" + esc(p.name) + "</h3><p class='small'>township · <span class='id'>" +
      esc(p.id) + "</span> · " + county(p.county) + "</p>" +
      table(planned, [
        ["Demand/yr", function (i) { return num(p.d[i], 0); }],
        ["Online", function (i) { return pct(p.o[i]); }],
        ["Unserved/yr", function (i) { return num(p.u[i], 0); }],
        ["Phase", function (i) {
          var ph = data.phases[p.ph[i]], label = data.phase_labels[ph] || "—";
          return short(label.slice(0, 2), label);
        }],
        ["Min province", function (i) { return num(p.mp[i], 0); }],
        ["Min city", function (i) { return num(p.mc[i], 0); }],
        ["Min county", function (i) { return num(p.mk[i], 0); }],
        ["Min township", function (i) { return num(p.mt[i], 0); }]
      ]) +
      "<p class='small'>Phase: 线下 physical primary, 并重 balanced, 线上 online primary. " +
      "Minutes: demand-weighted one-way travel to the centres of each level " +
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
