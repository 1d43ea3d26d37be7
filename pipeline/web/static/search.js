/* The search page: state lives in the URL (?q=…&type=…), so every view can be shared as a link. */
"use strict";

(() => {
  const { el } = Radar;
  const FACETS = [
    ["type", "event_type", "Event type"],
    ["sub_type", "sub_event_type", "Sub-type"],
    ["country", "country", "Country"],
    ["admin1", "admin1", "Admin area"],
    ["actor", "actor", "Actor"],
    ["actor_category", "actor_category", "Actor category"],
    ["source", "source", "Source"],
  ];
  const LISTS = FACETS.map((f) => f[0]);
  const SINGLE = ["q", "sort", "from", "to", "near", "violent", "since"];
  const $ = (id) => document.getElementById(id);

  let state = readState();
  let next = null;
  const markers = new Map();  // map point -> its place marker

  // ---- state <-> URL -------------------------------------------------------------------------
  function readState() {
    const p = new URLSearchParams(location.search);
    const st = { sort: "relevance" };
    for (const k of SINGLE) if (p.get(k)) st[k] = p.get(k);
    for (const k of LISTS) st[k] = p.getAll(k);
    return st;
  }

  function params(st) {
    const p = new URLSearchParams();
    for (const k of SINGLE) if (st[k] && !(k === "sort" && st[k] === "relevance")) p.set(k, st[k]);
    for (const k of LISTS) for (const v of st[k] || []) p.append(k, v);
    return p;
  }

  function update(change, push = true) {
    state = Object.assign({}, state, change);
    const qs = params(state).toString();
    if (push) history.pushState(null, "", qs ? "?" + qs : "/");
    run();
  }

  window.addEventListener("popstate", () => { state = readState(); run(); });

  // ---- form ----------------------------------------------------------------------------------
  $("search-form").addEventListener("submit", (e) => {
    e.preventDefault();
    update({ q: $("q").value.trim(), sort: $("sort").value });
  });
  $("sort").addEventListener("change", () => update({ sort: $("sort").value, q: $("q").value.trim() }));
  $("violent").addEventListener("change", () => update({ violent: $("violent").checked ? "true" : "" }));
  $("from").addEventListener("change", () => update({ from: $("from").value }));
  $("to").addEventListener("change", () => update({ to: $("to").value }));
  $("near").addEventListener("change", () => update({ near: $("near").value.trim() }));
  $("clear-filters").addEventListener("click", () => {
    const clean = { q: state.q, sort: state.sort };
    for (const k of LISTS) clean[k] = [];
    state = {};
    update(clean);
  });
  $("clear-range").addEventListener("click", () => update({ from: "", to: "" }));
  $("more").addEventListener("click", () => loadMore());

  function syncForm() {
    $("q").value = state.q || "";
    $("sort").value = state.sort === "newest" ? "newest" : "relevance";
    $("violent").checked = state.violent === "true";
    $("from").value = state.from || "";
    $("to").value = state.to || "";
    $("near").value = state.near || "";
    $("clear-range").hidden = !(state.from || state.to);
    const chips = [];
    for (const [key, , label] of FACETS) {
      for (const v of state[key] || []) {
        chips.push(el("button", { type: "button", class: "chip", title: `Remove ${label}: ${v}`,
          onclick: () => update({ [key]: state[key].filter((x) => x !== v) }) }, `${label}: ${v}`, el("span", { class: "x" }, "×")));
      }
    }
    for (const [key, label] of [["from", "from"], ["to", "to"], ["near", "near"], ["since", "since"]]) {
      if (state[key]) chips.push(el("button", { type: "button", class: "chip", onclick: () => update({ [key]: "" }) },
        `${label} ${state[key]}`, el("span", { class: "x" }, "×")));
    }
    $("active-filters").replaceChildren(...chips);
  }

  // ---- search --------------------------------------------------------------------------------
  let seq = 0;
  async function run() {
    syncForm();
    const mine = ++seq;
    const p = params(state);
    p.set("size", "20");
    $("error").hidden = true;
    document.body.classList.add("loading");
    try {
      const res = await Radar.api("/api/search?" + p.toString());
      if (mine !== seq) return;
      renderCount(res);
      renderResults(res.hits, false);
      renderFacets(res.facets);
      renderMap(res.places, res.hits);
      renderTimeline(res.timeline);
      next = res.next_after ? { after: res.next_after } : null;
      $("more").hidden = !next;
    } catch (err) {
      if (mine !== seq) return;
      $("error").hidden = false;
      $("error").textContent = "Search failed — " + err.message;
      $("results").replaceChildren();
    } finally {
      if (mine === seq) document.body.classList.remove("loading");
    }
  }

  async function loadMore() {
    if (!next) return;
    const p = params(state);
    p.set("size", "20"); p.set("facets", "false"); p.set("map", "false");
    for (const [k, v] of Object.entries(next)) p.set(k, v);
    const res = await Radar.api("/api/search?" + p.toString());
    renderResults(res.hits, true);
    pageHits = pageHits.concat(res.hits);
    next = res.next_after ? { after: res.next_after } : null;
    $("more").hidden = !next;
  }

  function renderCount(res) {
    const n = res.total;
    $("result-count").textContent = `${n.toLocaleString("en")} article${n === 1 ? "" : "s"}`;
    $("took").textContent = `${res.took_ms} ms server time`;
  }

  function renderResults(hits, append) {
    const items = hits.map((h) => {
      const hl = h.highlight || {};
      const title = (hl.title && hl.title[0]) || h.title || "(untitled)";
      const snippet = (hl.body || []).join(" … ") || (h.body || "").slice(0, 220);
      const meta = [Radar.when(h.published_at), h.source || "source unknown", Radar.place(h.location)];
      if (h.fatalities !== null && h.fatalities !== undefined) meta.push(`${h.fatalities} killed`);
      const titleNode = Radar.safeUrl(h.url)
        ? el("a", { href: h.url, rel: "noopener noreferrer nofollow", target: "_blank", class: "title" }, Radar.highlighted(title))
        : el("span", { class: "title" }, Radar.highlighted(title));
      const actors = (h.actors || []).slice(0, 4).map((a) => el("span", { class: "actor" }, a.name, el("small", {}, ` ${a.role || ""}`)));
      const li = el("li", { class: "result", "data-place": h._place || "" },
        el("div", { class: "result-top" }, Radar.badge(h.event_type, h.sub_event_type),
          el("span", { class: "result-actions" },
            h._place ? el("button", { type: "button", class: "link show-on-map", onclick: () => showOnMap(h) }, "Show on map") : null,
            h.incident_id ? el("a", { class: "incident-link", href: "/incident/" + encodeURIComponent(h.incident_id) }, "Incident →") : null)),
        el("h3", {}, titleNode),
        el("div", { class: "meta" }, meta.join(" · ")),
        snippet ? el("p", { class: "snippet" }, Radar.highlighted(snippet)) : null,
        actors.length ? el("div", { class: "actors" }, actors) : null);
      li.addEventListener("mouseenter", () => focusMarker(h._place));
      li.addEventListener("mouseleave", () => focusMarker(null));
      return li;
    });
    if (append) $("results").append(...items); else $("results").replaceChildren(...items);
    if (!append && !hits.length) $("results").append(el("li", { class: "empty" }, "No article matches. Try fewer words or remove a filter."));
  }

  function renderFacets(facets) {
    const blocks = [];
    for (const [key, name, label] of FACETS) {
      const values = (facets || {})[name] || [];
      const selected = new Set(state[key] || []);
      for (const v of selected) if (!values.some((b) => String(b.value) === v)) values.push({ value: v, count: 0 });
      if (!values.length) continue;
      const list = el("ul", { class: "facet", "data-facet": key }, values.map((b) => {
        const v = String(b.value);
        const box = el("input", { type: "checkbox", checked: selected.has(v), "aria-label": `${label}: ${v}` });
        box.addEventListener("change", () => {
          const cur = new Set(state[key] || []);
          if (box.checked) cur.add(v); else cur.delete(v);
          update({ [key]: [...cur] });
        });
        return el("li", {}, el("label", {}, box,
          key === "type" ? el("span", { class: "swatch t-" + Radar.slug(v) }) : null,
          el("span", { class: "facet-name" }, v), el("span", { class: "count" }, b.count.toLocaleString("en"))));
      }));
      blocks.push(el("section", { class: "filter-block" }, el("h3", {}, label), list));
    }
    $("facets").replaceChildren(...blocks);
    const violent = ((facets || {}).violent || []).find((b) => String(b.value) === "true");
    $("violent").parentElement.querySelector(".count")?.remove();
    $("violent").parentElement.append(el("span", { class: "count" }, violent ? violent.count.toLocaleString("en") : "0"));
  }

  // ---- map -----------------------------------------------------------------------------------
  /* One marker per place of all matching articles (not only this page): sized by its article count,
     coloured by its commonest event type; nearby places cluster and add up their counts. */
  const map = Radar.baseMap("map");
  Radar.legend($("legend"));
  const commonest = (types) => Object.entries(types || {}).sort((a, b) => b[1] - a[1]).map((e) => e[0])[0] || null;
  const compact = (n) => (n >= 10000 ? `${Math.round(n / 1000)}k` : n >= 1000 ? `${(n / 1000).toFixed(1)}k` : String(n));
  const clusters = L.markerClusterGroup({
    showCoverageOnHover: false, maxClusterRadius: 40, spiderfyOnMaxZoom: true,
    iconCreateFunction: (cluster) => {
      const types = {};
      let n = 0;
      for (const m of cluster.getAllChildMarkers()) {
        n += m.options.place.count;
        for (const [t, c] of Object.entries(m.options.place.types)) types[t] = (types[t] || 0) + c;
      }
      const size = n < 10 ? 30 : n < 100 ? 36 : n < 1000 ? 44 : 50;
      return L.divIcon({ html: el("span", {}, compact(n)), className: `cluster t-${Radar.slug(commonest(types))}`,
        iconSize: L.point(size, size) });
    },
  }).addTo(map);
  map.on("click", (e) => {
    if (!e.originalEvent.shiftKey) return;
    update({ near: `${e.latlng.lat.toFixed(3)},${e.latlng.lng.toFixed(3)},50` });
  });

  let pageHits = [];
  let focused = null;
  const radius = (place) => 6 + 2 * Math.log10(Math.max(place.count, 1));

  function placeMarker(place) {
    const top = commonest(place.types);
    const m = L.circleMarker([place.lat, place.lon], { radius: radius(place), weight: 1.5, color: "#ffffff",
      fillColor: Radar.color(top), fillOpacity: 0.92, place, className: "marker" });
    m.bindPopup(() => popup(place));
    m.on("click", () => focusResult(place.point));
    m.on("mouseover", () => focusResult(place.point, false));
    markers.set(place.point, m);
    return m;
  }

  function renderMap(places, hits) {
    clusters.clearLayers();
    markers.clear();
    focused = null;
    pageHits = hits || [];
    const layers = (places || []).filter((p) => Number.isFinite(p.lat) && Number.isFinite(p.lon)).map(placeMarker);
    clusters.addLayers(layers);
    if (layers.length) {
      const bounds = L.latLngBounds(layers.map((m) => m.getLatLng()));
      map.fitBounds(bounds.pad(0.3), { maxZoom: 6, animate: false });
    } else {
      map.setView([20, 0], 2, { animate: false });
    }
  }

  function popup(place) {
    const here = pageHits.filter((h) => h._place === place.point);
    const types = Object.entries(place.types).sort((a, b) => b[1] - a[1]);
    const other = place.count - types.reduce((n, t) => n + t[1], 0);
    return el("div", { class: "popup" },
      el("strong", {}, place.label || place.point),
      el("div", { class: "meta" }, `${place.count.toLocaleString("en")} matching article${place.count === 1 ? "" : "s"}`),
      el("ul", { class: "popup-types" }, types.map(([t, n]) => el("li", {}, el("span", { class: "swatch t-" + Radar.slug(t) }), `${t} ${n}`)),
        other > 0 ? el("li", {}, el("span", { class: "swatch t-other" }), `no event ${other}`) : null),
      here.length ? el("ul", { class: "popup-hits" }, here.slice(0, 5).map((h) => el("li", {},
        h.incident_id ? el("a", { href: "/incident/" + encodeURIComponent(h.incident_id) }, Radar.plain(h.title))
          : Radar.plain(h.title)))) : null,
      el("button", { type: "button", class: "link", onclick: () => update({ near: `${place.lat},${place.lon},25` }) },
        "Only articles within 25 km"));
  }

  function focusMarker(point) {
    for (const key of [focused, point]) {
      const m = key && markers.get(key);
      if (!m) continue;
      const on = key === point;
      m.setStyle({ radius: radius(m.options.place) + (on ? 4 : 0), weight: on ? 3 : 1.5, color: on ? "#0f1b2d" : "#ffffff" });
      if (on && clusters.getVisibleParent(m) === m) m.bringToFront();
    }
    focused = point;
  }

  function showOnMap(h) {
    let m = markers.get(h._place);
    if (!m) {  // a place past the busiest ones drawn: add it for this hit
      const [lat, lon] = h._place.split(",").map(Number);
      m = placeMarker({ point: h._place, lat, lon, label: Radar.place(h.location), count: 1,
        types: h.event_type ? { [h.event_type]: 1 } : {} });
      clusters.addLayer(m);
    }
    clusters.zoomToShowLayer(m, () => {
      map.setView(m.getLatLng(), Math.max(map.getZoom(), 7), { animate: false });
      focusMarker(h._place);
      m.openPopup();
    });
  }

  /** Mark the listed articles at map point ``point``; scroll the first into view. */
  function focusResult(point, scroll = true) {
    for (const li of document.querySelectorAll(".result")) li.classList.toggle("focused", li.dataset.place === point);
    const li = document.querySelector(`.result[data-place="${CSS.escape(point)}"]`);
    if (li && scroll) li.scrollIntoView({ block: "nearest", behavior: "smooth" });
  }

  // ---- timeline ------------------------------------------------------------------------------
  const SVGNS = "http://www.w3.org/2000/svg";
  function svg(tag, attrs) {
    const n = document.createElementNS(SVGNS, tag);
    for (const [k, v] of Object.entries(attrs || {})) n.setAttribute(k, String(v));
    return n;
  }

  function dayList(days) {
    if (!days.length) return [];
    const out = [];
    const last = new Date(days[days.length - 1].day + "T00:00:00Z");
    // at least two weeks, so a single busy day still reads as a day
    const first = new Date(Math.min(Date.parse(days[0].day + "T00:00:00Z"), last.getTime() - 13 * 86400000));
    for (let d = first; d <= last && out.length < 400; d = new Date(d.getTime() + 86400000)) out.push(d.toISOString().slice(0, 10));
    return out;
  }

  let lastDays = [];
  function renderTimeline(days) {
    lastDays = days || [];
    const box = $("timeline");
    const width = box.clientWidth || 600, height = 120, padL = 34, padB = 22, padT = 8;
    box.setAttribute("viewBox", `0 0 ${width} ${height}`);
    box.replaceChildren();
    const byDay = new Map((days || []).map((d) => [d.day, d]));
    const all = dayList(days || []);
    if (!all.length) { const t = svg("text", { x: width / 2, y: height / 2, class: "axis", "text-anchor": "middle" }); t.textContent = "no dated articles"; box.append(t); return; }
    const max = Math.max(...(days || []).map((d) => d.count), 1);
    const bw = (width - padL - 4) / all.length;
    const y = (v) => (height - padB) - (v / max) * (height - padB - padT);
    box.append(svg("line", { x1: padL, x2: width - 2, y1: height - padB, y2: height - padB, class: "axis-line" }));
    const maxLabel = svg("text", { x: padL - 6, y: padT + 8, class: "axis", "text-anchor": "end" }); maxLabel.textContent = String(max); box.append(maxLabel);
    all.forEach((day, i) => {
      const d = byDay.get(day);
      let base = 0;
      const x = padL + i * bw;
      if (d) {
        const order = Radar.TYPES.map((t) => t[0]).concat(Object.keys(d.types).filter((t) => !Radar.TYPES.some((x) => x[0] === t)));
        const typed = Object.values(d.types).reduce((a, b) => a + b, 0);
        const stack = order.filter((t) => d.types[t]).map((t) => [t, d.types[t]]).concat(d.count > typed ? [[null, d.count - typed]] : []);
        for (const [t, n] of stack) {
          const r = svg("rect", { x: x + 0.5 + Math.max(0, bw - 1 - 26) / 2, width: Math.min(26, Math.max(1, bw - 1)), y: y(base + n), height: y(base) - y(base + n), class: "bar t-" + Radar.slug(t) });
          const title = svg("title"); title.textContent = `${day}: ${n} ${t || "not an event"}`; r.append(title);
          box.append(r);
          base += n;
        }
      }
      const every = Math.ceil(all.length / Math.max(1, Math.floor(width / 70)));
      if (i % every === 0) { const t = svg("text", { x: x + bw / 2, y: height - 6, class: "axis", "text-anchor": "middle" }); t.textContent = day.slice(5); box.append(t); }
    });
    if (state.from || state.to) {
      const i0 = state.from ? Math.max(0, all.indexOf(state.from)) : 0;
      const i1 = state.to && all.indexOf(state.to) >= 0 ? all.indexOf(state.to) : all.length - 1;
      box.append(svg("rect", { x: padL + i0 * bw, y: padT, width: (i1 - i0 + 1) * bw, height: height - padB - padT, class: "range" }));
    }
    brush(box, all, padL, bw, height - padB, padT);
  }

  function brush(box, all, padL, bw, bottom, top) {
    let start = null, sel = null;
    const idx = (ev) => {
      const r = box.getBoundingClientRect();
      const x = (ev.clientX - r.left) * (box.viewBox.baseVal.width / r.width);
      return Math.min(all.length - 1, Math.max(0, Math.floor((x - padL) / bw)));
    };
    box.onpointerdown = (ev) => {
      start = idx(ev);
      sel = svg("rect", { y: top, height: bottom - top, class: "brush" });
      box.append(sel);
      box.setPointerCapture(ev.pointerId);
      box.onpointermove(ev);
    };
    box.onpointermove = (ev) => {
      if (start === null) return;
      const i = idx(ev), a = Math.min(start, i), b = Math.max(start, i);
      sel.setAttribute("x", padL + a * bw); sel.setAttribute("width", (b - a + 1) * bw);
    };
    box.onpointerup = (ev) => {
      if (start === null) return;
      const i = idx(ev), a = Math.min(start, i), b = Math.max(start, i);
      start = null;
      update({ from: all[a], to: all[b] });
    };
  }
  let resizeTimer = null;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => renderTimeline(lastDays), 150);
  });

  // ---- alerts (live) -------------------------------------------------------------------------
  function headline(a) {
    const text = a.headline || a.incident_id || "alert";
    const prefix = `[${a.rule}] `;
    return text.startsWith(prefix) ? text.slice(prefix.length) : text;
  }

  function alertItem(a, fresh) {
    const sinks = (a.sinks || []).join(", ") || "—";
    const pending = (a.pending_sinks || []).length ? ` · pending: ${a.pending_sinks.join(", ")}` : "";
    return el("li", { class: "alert t-" + Radar.slug(a.event_type) + (fresh ? " fresh" : ""), "data-id": a.id },
      el("div", { class: "alert-top" }, el("span", { class: "rule" }, a.rule || "rule"), el("span", { class: "trigger" }, a.trigger || ""),
        el("time", {}, Radar.when(a.created_at))),
      el("a", { class: "alert-headline", href: "/incident/" + encodeURIComponent(a.incident_id || "") }, headline(a)),
      el("div", { class: "meta" }, `sinks: ${sinks}${pending}`));
  }

  async function startAlerts() {
    let since = null;
    try {
      const res = await Radar.api("/api/alerts?size=25");
      since = res.now;
      $("alerts").replaceChildren(...res.alerts.map((a) => alertItem(a, false)));
      if (!res.alerts.length) $("alerts").append(el("li", { class: "empty" }, "No alert yet. New ones appear here as the alert worker sends them."));
    } catch (err) {
      $("alerts").replaceChildren(el("li", { class: "empty" }, "Alerts unavailable — " + err.message));
    }
    const src = new EventSource("/api/alerts/stream" + (since ? "?since=" + encodeURIComponent(since) : ""));
    src.addEventListener("open", () => $("live").classList.add("on"));
    src.addEventListener("error", () => $("live").classList.remove("on"));
    src.addEventListener("alert", (ev) => {
      const a = JSON.parse(ev.data);
      if (document.querySelector(`.alert[data-id="${CSS.escape(a.id)}"]`)) return;
      $("alerts").querySelector(".empty")?.remove();
      $("alerts").prepend(alertItem(a, true));
    });
  }

  run();
  startAlerts();
})();
