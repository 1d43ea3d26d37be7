/* Incident Radar: helpers shared by the pages. Every element is built with text nodes: article text
   (hostile by assumption) never reaches innerHTML, and only http(s) links become hrefs. */
"use strict";

const Radar = (() => {
  const TYPES = [
    ["Battles", "battles", "#c0392b"],
    ["Explosions/Remote violence", "explosions", "#e67e22"],
    ["Violence against civilians", "vac", "#8e44ad"],
    ["Protests", "protests", "#2e86de"],
    ["Riots", "riots", "#d4a20d"],
    ["Strategic developments", "strategic", "#27ae60"],
  ];
  const OTHER = ["Not an event", "other", "#7f8c8d"];
  const byName = new Map(TYPES.map((t) => [t[0], t]));
  const MARK_OPEN = "\ue000";
  const MARK_CLOSE = "\ue001";

  function type(name) { return byName.get(name) || OTHER; }
  function color(name) { return type(name)[2]; }
  function slug(name) { return type(name)[1]; }

  /** el("a", {class: "x", href: url}, "text", child…): attributes via setAttribute, children as text. */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "href") { const safe = safeUrl(v); if (safe) node.setAttribute("href", safe); continue; }
      if (k.startsWith("on")) { node.addEventListener(k.slice(2), v); continue; }
      node.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  /** Only absolute http(s) links and same-site paths; anything else (javascript:, data:) is dropped. */
  function safeUrl(value) {
    const s = String(value || "").trim();
    if (s.startsWith("/") && !s.startsWith("//")) return s;
    try {
      const u = new URL(s);
      return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
    } catch (e) { return null; }
  }

  /** A highlighted snippet: the server marks words with U+E000…U+E001; they become <mark> text. */
  function highlighted(text) {
    const frag = document.createDocumentFragment();
    const parts = String(text || "").split(MARK_OPEN);
    frag.append(document.createTextNode(parts[0]));
    for (const part of parts.slice(1)) {
      const [hit, ...rest] = part.split(MARK_CLOSE);
      frag.append(el("mark", {}, hit), document.createTextNode(rest.join("")));
    }
    return frag;
  }

  function plain(text) { return String(text || "").split(MARK_OPEN).join("").split(MARK_CLOSE).join(""); }

  function when(iso) {
    if (!iso) return "date unknown";
    const d = new Date(iso);
    if (isNaN(d)) return String(iso);
    return d.toISOString().slice(0, 16).replace("T", " ") + " UTC";
  }

  function place(loc) {
    if (!loc) return "place unknown";
    return [loc.name, loc.admin1 !== loc.name ? loc.admin1 : null, loc.country_code].filter(Boolean).join(", ");
  }

  function badge(eventType, sub) {
    return el("span", { class: "badge t-" + slug(eventType) }, eventType ? (sub ? `${eventType} · ${sub}` : eventType) : OTHER[0]);
  }

  async function api(path) {
    const resp = await fetch(path, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    const body = await resp.json().catch(() => ({}));
    if (!resp.ok) {
      const detail = typeof body.detail === "string" ? body.detail
        : Array.isArray(body.detail) ? body.detail.map((d) => `${(d.loc || []).slice(-1)[0]}: ${d.msg}`).join("; ") : resp.statusText;
      throw new Error(`${resp.status}: ${detail}`);
    }
    return body;
  }

  /** A Leaflet map with Natural Earth country boundaries from the bundled world-atlas file, and admin1
      boundaries when zoomed in. */
  function baseMap(id, options) {
    const map = L.map(id, Object.assign({ worldCopyJump: true, minZoom: 1, maxZoom: 12, zoomSnap: 0.5,
      attributionControl: true, preferCanvas: false }, options || {}));
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution("Boundaries: Natural Earth (public domain)");
    map.setView([20, 0], 2);
    fetch("/static/vendor/countries-50m.json").then((r) => r.json()).then((topo) => {
      const countries = topojson.feature(topo, topo.objects.countries);
      countries.features = countries.features.filter((f) => f.properties.name !== "Antarctica").map(unwrap);
      const layer = L.geoJSON(countries, { className: "country", interactive: false,
        style: { color: "#9aa8b6", weight: 0.6, fillColor: "#f4f1ea", fillOpacity: 1 } });
      layer.addTo(map);
      layer.bringToBack();
    });
    admin1Layer(map);
    return map;
  }

  /** First-level admin boundaries (Natural Earth 1:10m lines, built by `make web-assets`), drawn from
      zoom ADMIN1_ZOOM up and fetched the first time they are needed. */
  const ADMIN1_ZOOM = 4;
  function admin1Layer(map) {
    let layer = null;
    let loading = false;
    const update = () => {
      const want = map.getZoom() >= ADMIN1_ZOOM;
      if (want && !layer && !loading) {
        loading = true;
        fetch("/static/vendor/admin1-10m.json").then((r) => r.json()).then((topo) => {
          layer = L.geoJSON(topojson.feature(topo, topo.objects.admin1), { className: "admin1", interactive: false,
            style: { color: "#b3bcc6", weight: 0.6, dashArray: "3 2", fill: false } });
          update();
        });
      }
      if (layer && want && !map.hasLayer(layer)) layer.addTo(map);
      if (layer && !want && map.hasLayer(layer)) map.removeLayer(layer);
    };
    map.on("zoomend", update);
    map.whenReady(update);
  }

  /** Rings that cross the antimeridian (Russia, Fiji) continue past ±180° instead of drawing a line across
      the whole map. */
  function unwrap(feature) {
    const ring = (r) => {
      let shift = 0;
      return r.map((p, i) => {
        const d = i ? p[0] - r[i - 1][0] : 0;
        if (d > 180) shift -= 360; else if (d < -180) shift += 360;
        return [p[0] + shift, p[1]];
      });
    };
    const g = feature.geometry;
    if (g && g.type === "Polygon") g.coordinates = g.coordinates.map(ring);
    if (g && g.type === "MultiPolygon") g.coordinates = g.coordinates.map((poly) => poly.map(ring));
    return feature;
  }

  function legend(container) {
    container.replaceChildren(...TYPES.concat([OTHER]).map(([name, s]) =>
      el("span", { class: "legend-item" }, el("span", { class: "swatch t-" + s }), name)));
  }

  return { TYPES, OTHER, type, color, slug, el, safeUrl, highlighted, plain, when, place, badge, api, baseMap, legend };
})();
