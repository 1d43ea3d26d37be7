/* The incident page: type, place, actors with roles, fatalities by source over time, articles, alerts. */
"use strict";

(async () => {
  const { el } = Radar;
  const $ = (id) => document.getElementById(id);
  const id = decodeURIComponent(location.pathname.split("/").filter(Boolean).pop() || "");
  let res;
  try {
    res = await Radar.api("/api/incidents/" + encodeURIComponent(id));
  } catch (err) {
    $("error").hidden = false;
    $("error").textContent = "Incident unavailable — " + err.message;
    return;
  }
  const inc = res.incident;
  document.title = `${Radar.plain(inc.title) || "Incident"} — Incident Radar`;

  const stat = (value, label) => el("div", { class: "stat" }, el("b", {}, value ?? "—"), el("span", {}, label));
  $("head").replaceChildren(
    el("div", { class: "result-top" }, Radar.badge(inc.event_type, inc.sub_event_type), el("span", { class: "hint" }, `status: ${inc.status || "new"}`)),
    el("h1", {}, inc.title || "(untitled incident)"),
    el("div", { class: "meta" }, `${Radar.place(inc.location)} · event date ${inc.event_date || "unknown"} · first seen ${Radar.when(inc.first_seen)} · updated ${Radar.when(inc.last_updated)}`),
    el("div", { class: "stats" }, stat(inc.fatalities, "killed"), stat(inc.injured, "injured"), stat(inc.n_sources, "sources"),
      stat(inc.n_articles, "articles"), stat(res.alerts.length, "alerts")));

  // map
  const map = Radar.baseMap("incident-map", { scrollWheelZoom: false });
  const loc = inc.location;
  if (loc && typeof loc.lat === "number" && typeof loc.lon === "number") {
    L.circleMarker([loc.lat, loc.lon], { radius: 10, weight: 2, color: "#ffffff", fillColor: Radar.color(inc.event_type), fillOpacity: 0.95 })
      .addTo(map).bindTooltip(Radar.place(loc), { permanent: true, direction: "right", offset: [10, 0] });
    map.setView([loc.lat, loc.lon], 5);
  }

  // actors
  const actors = inc.actors || [];
  $("actors").replaceChildren(actors.length ? el("table", {},
    el("thead", {}, el("tr", {}, el("th", {}, "actor"), el("th", {}, "category"), el("th", {}, "role"))),
    el("tbody", {}, actors.map((a) => el("tr", {}, el("td", {}, a.name), el("td", {}, a.category || "—"),
      el("td", {}, el("span", { class: "role role-" + String(a.role || "other").replace(/[^a-z]/g, "") }, a.role || "—"))))))
    : el("p", { class: "hint" }, "No actor identified."));

  // fatalities over time, one line per source
  fatalities(res.fatalities);

  // articles
  $("articles-title").textContent = `Articles (${res.articles.length})`;
  $("articles").replaceChildren(res.articles.length ? el("table", {},
    el("thead", {}, el("tr", {}, el("th", {}, "published"), el("th", {}, "source"), el("th", {}, "title"), el("th", {}, "killed"))),
    el("tbody", {}, res.articles.map((a) => el("tr", {}, el("td", {}, Radar.when(a.published_at)), el("td", {}, a.source || "—"),
      el("td", {}, Radar.safeUrl(a.url) ? el("a", { href: a.url, rel: "noopener noreferrer nofollow", target: "_blank" }, a.title || a.url) : (a.title || "—")),
      el("td", { class: "num" }, a.fatalities ?? "—")))))
    : el("p", { class: "hint" }, "No article indexed for this incident yet."));

  // alerts
  $("alerts").replaceChildren(...(res.alerts.length ? res.alerts.map((a) => el("li", { class: "alert t-" + Radar.slug(a.event_type) },
    el("div", { class: "alert-top" }, el("span", { class: "rule" }, a.rule), el("span", { class: "trigger" }, a.trigger || ""), el("time", {}, Radar.when(a.created_at))),
    el("div", { class: "alert-headline" }, a.headline || ""),
    el("div", { class: "meta" }, `status ${a.status || "—"} · delivered to ${(a.sinks || []).join(", ") || "—"}` +
      ((a.pending_sinks || []).length ? ` · pending ${a.pending_sinks.join(", ")}` : ""))))
    : [el("li", { class: "empty" }, "No alert was sent for this incident.")]));

  function fatalities(series) {
    const box = $("fatalities-chart");
    const NS = "http://www.w3.org/2000/svg";
    const s = (tag, attrs, text) => { const n = document.createElementNS(NS, tag); for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, String(v)); if (text !== undefined) n.textContent = text; return n; };
    const width = box.clientWidth || 560, height = 200, padL = 34, padR = 12, padT = 12, padB = 26;
    box.setAttribute("viewBox", `0 0 ${width} ${height}`);
    const pts = series.flatMap((x) => x.points);
    if (!pts.length) { box.append(s("text", { x: width / 2, y: height / 2, class: "axis", "text-anchor": "middle" }, "no source gave a figure")); return; }
    const times = pts.map((p) => Date.parse(p.at));
    let t0 = Math.min(...times), t1 = Math.max(...times);
    if (t1 - t0 < 3600e3) { t0 -= 1800e3; t1 += 1800e3; }
    const max = Math.max(...pts.map((p) => p.fatalities), 1);
    const x = (t) => padL + (t - t0) / (t1 - t0) * (width - padL - padR);
    const y = (v) => height - padB - v / max * (height - padB - padT);
    for (const v of [0, Math.round(max / 2), max]) {
      box.append(s("line", { x1: padL, x2: width - padR, y1: y(v), y2: y(v), class: "axis-line" }));
      box.append(s("text", { x: padL - 6, y: y(v) + 3, class: "axis", "text-anchor": "end" }, String(v)));
    }
    for (const t of [t0, (t0 + t1) / 2, t1]) box.append(s("text", { x: x(t), y: height - 8, class: "axis", "text-anchor": "middle" }, new Date(t).toISOString().slice(5, 16).replace("T", " ")));
    series.forEach((ser, i) => {
      const cls = "s" + (i % 8);
      const sorted = ser.points.slice().sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
      let d = "";
      sorted.forEach((p, j) => { const px = x(Date.parse(p.at)), py = y(p.fatalities); d += (j ? ` H${px} V${py}` : `M${px} ${py}`); });
      if (sorted.length > 1) box.append(s("path", { d, class: "line " + cls, fill: "none" }));
      for (const p of sorted) {
        const c = s("circle", { cx: x(Date.parse(p.at)), cy: y(p.fatalities), r: 4.5, class: "dot " + cls });
        c.append(s("title", {}, `${ser.source}: ${p.fatalities} killed (${Radar.when(p.at)})`));
        box.append(c);
      }
    });
    $("series-legend").replaceChildren(...series.map((ser, i) => el("span", { class: "legend-item" }, el("span", { class: "swatch s" + (i % 8) }), ser.source)));
  }
})();
