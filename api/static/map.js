// The map page of a zorgroute job: routes per shift, solo or pooled, and the comparison.
// It holds no data: it fetches the job with the key the user gives (or the URL fragment
// #key=..., which browsers never send to a server), and draws what that key may see.
"use strict";

(function () {
  const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf",
                   "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"];
  const $ = (id) => document.getElementById(id);
  const status = $("status");
  let map = null;
  let layers = {};
  let drawn = null; // { geo, colour } of the job shown
  let pollTimer = null;

  function say(text, isError) {
    status.textContent = text;
    status.classList.toggle("error", Boolean(isError));
  }

  function el(tag, text) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  async function getJSON(path, key) {
    const response = await fetch(path, { headers: { "X-API-Key": key }, cache: "no-store" });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      const error = new Error(body.detail || response.statusText);
      error.status = response.status;
      throw error;
    }
    return body;
  }

  function setupMap() {
    if (map) return;
    map = L.map("map", { preferCanvas: false, zoomSnap: 0.25 });
    const tiles = document.querySelector('meta[name="zorgroute-tiles"]').content;
    if (tiles) {
      const attribution = document.querySelector('meta[name="zorgroute-tiles-attribution"]').content;
      L.tileLayer(tiles, { attribution: attribution, maxZoom: 19 }).addTo(map);
    }
    L.control.scale({ imperial: false }).addTo(map);
    map.setView([52.2, 5.3], 7);
  }

  function popup(props) {
    const list = el("dl");
    list.className = "popup";
    for (const [name, value] of Object.entries(props)) {
      if (value === null || value === undefined || name === "kind") continue;
      list.appendChild(el("dt", name.replace(/_/g, " ")));
      list.appendChild(el("dd", value));
    }
    return list;
  }

  function colours(collections) {
    const shifts = [];
    for (const fc of collections) {
      for (const f of fc.features) {
        const id = f.properties.shift_id;
        if (f.properties.kind === "route" && !shifts.includes(id)) shifts.push(id);
      }
    }
    shifts.sort();
    const colour = {};
    shifts.forEach((id, n) => { colour[id] = PALETTE[n % PALETTE.length]; });
    return colour;
  }

  function planLayer(fc, colour) {
    return L.geoJSON(fc, {
      style: (f) => ({ color: colour[f.properties.shift_id] || "#555", weight: 4, opacity: 0.85 }),
      pointToLayer: (f, latlng) => {
        const p = f.properties;
        if (p.kind === "shift_start") {
          return L.circleMarker(latlng, { radius: 8, color: "#000", weight: 2, fillColor: "#fff", fillOpacity: 1 });
        }
        if (p.kind === "unplanned") {
          return L.circleMarker(latlng, { radius: 6, color: "#b00020", weight: 3, fillOpacity: 0 });
        }
        const fill = p.served_by_own === false ? "#999" : (colour[p.shift_id] || "#555");
        return L.circleMarker(latlng, { radius: 6, color: "#222", weight: 1, fillColor: fill, fillOpacity: 0.95 });
      },
      onEachFeature: (f, layer) => layer.bindPopup(popup(f.properties)),
    });
  }

  function legend(fc, colour) {
    const list = $("legend");
    list.replaceChildren();
    for (const f of fc.features) {
      if (f.properties.kind !== "route") continue;
      const item = el("li");
      const swatch = el("span");
      swatch.className = "swatch";
      swatch.style.background = colour[f.properties.shift_id];
      item.appendChild(swatch);
      const p = f.properties;
      item.appendChild(el("span", `${p.shift_id} (${p.provider}): ${p.visits} visits, ${p.km} km`));
      list.appendChild(item);
    }
    if (!list.children.length) list.appendChild(el("li", "no routes"));
  }

  function comparisonTable(part) {
    const table = $("comparison");
    table.replaceChildren();
    const head = el("tr");
    for (const name of ["", "solo km", "pooled km", "saved km", "saved €"]) head.appendChild(el("th", name));
    table.appendChild(head);
    const fmt = (x, digits) => (typeof x === "number" ? x.toFixed(digits) : "–");
    const row = (name, r, cls) => {
      const tr = el("tr");
      if (cls) tr.className = cls;
      tr.appendChild(el("td", name));
      tr.appendChild(el("td", fmt(r.solo_km, 1)));
      tr.appendChild(el("td", fmt(r.pooled_km, 1)));
      const saved = r.saved_km !== undefined ? r.saved_km : r.solo_km - r.pooled_km;
      tr.appendChild(el("td", fmt(saved, 1)));
      tr.appendChild(el("td", fmt(r.saved_eur, 2)));
      table.appendChild(tr);
    };
    const data = part.data;
    if (part.view === "coordinator") {
      for (const ledger of data.providers) row(ledger.name, ledger);
      row("total", data.total, "total");
    } else {
      row(data.ledger.name + " (you)", data.ledger);
      row(`all ${data.total.providers} providers`, data.total, "total");
    }
  }

  function show(which) {
    if (!map) return;
    for (const [name, layer] of Object.entries(layers)) {
      if (name === which) layer.addTo(map); else layer.remove();
    }
  }

  async function load(job, key) {
    clearTimeout(pollTimer);
    setupMap();
    say("Loading…");
    document.body.dataset.ready = "";
    try {
      const state = await getJSON(`/jobs/${encodeURIComponent(job)}`, key);
      if (state.status === "queued" || state.status === "running") {
        say(`Job ${state.status}: ${state.stage} (${Math.round(100 * state.progress)} %)`);
        pollTimer = setTimeout(() => load(job, key), 2000);
        return;
      }
      if (state.status !== "done") {
        say(`Job ${state.status}: ${state.message}`, true);
        return;
      }
      const [geo, comparison] = await Promise.all([
        getJSON(`/jobs/${encodeURIComponent(job)}/geojson`, key),
        getJSON(`/jobs/${encodeURIComponent(job)}/comparison`, key),
      ]);
      for (const layer of Object.values(layers)) layer.remove();
      const colour = colours([geo.data.solo, geo.data.pooled]);
      layers = { solo: planLayer(geo.data.solo, colour), pooled: planLayer(geo.data.pooled, colour) };
      const which = document.querySelector('input[name="plan"]:checked').value;
      drawn = { geo: geo.data, colour: colour };
      show(which);
      legend(geo.data[which], colour);
      comparisonTable(comparison);
      const bounds = L.featureGroup(Object.values(layers)).getBounds();
      if (bounds.isValid()) map.fitBounds(bounds, { padding: [20, 20] });
      const routes = geo.data[which].features.filter((f) => f.properties.kind === "route").length;
      say(`${comparison.view === "provider" ? comparison.provider + ": " : ""}${routes} routes (${which})`);
      document.body.dataset.routes = String(routes);
      document.body.dataset.ready = "1";
    } catch (error) {
      say(`Could not load the job: ${error.message}`, true);
      document.body.dataset.ready = "error";
    }
  }

  function start() {
    const params = new URLSearchParams(window.location.search);
    const fragment = new URLSearchParams(window.location.hash.slice(1));
    const job = params.get("job") || "";
    const key = fragment.get("key") || sessionStorage.getItem("zorgroute-key") || "";
    if (fragment.has("key")) {
      sessionStorage.setItem("zorgroute-key", key);
      history.replaceState(null, "", window.location.pathname + window.location.search);
    }
    $("job").value = job;
    $("key").value = key;
    $("pick").addEventListener("submit", (event) => {
      event.preventDefault();
      const j = $("job").value.trim();
      const k = $("key").value.trim();
      sessionStorage.setItem("zorgroute-key", k);
      history.replaceState(null, "", `${window.location.pathname}?job=${encodeURIComponent(j)}`);
      load(j, k);
    });
    document.querySelectorAll('input[name="plan"]').forEach((radio) => {
      radio.addEventListener("change", () => {
        show(radio.value);
        if (drawn) legend(drawn.geo[radio.value], drawn.colour);
      });
    });
    setupMap();
    if (job && key) load(job, key);
  }

  start();
})();
