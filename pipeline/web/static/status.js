/* The status page: the facts of `radar status` (GET /api/status). */
"use strict";

(async () => {
  const { el } = Radar;
  const $ = (id) => document.getElementById(id);
  const table = (head, rows) => el("table", {}, el("thead", {}, el("tr", {}, head.map((h) => el("th", {}, h)))),
    el("tbody", {}, rows.map((r) => el("tr", {}, r.map((c) => c instanceof Node ? el("td", {}, c) : el("td", typeof c === "number" ? { class: "num" } : {}, c ?? "—"))))));
  try {
    const r = await Radar.api("/api/status");
    $("servers").textContent = `Kafka ${r.kafka} · search ${r.search}`;
    const c = r.consumers || {};
    if (c.error) $("consumers").replaceChildren(el("p", { class: "bad" }, "unreachable: " + c.error));
    else {
      const rows = Object.entries(c).filter(([, v]) => v && typeof v === "object")
        .map(([g, v]) => [g, v.topic, v.partitions, v.end, el("span", { class: v.lag ? "bad" : "ok" }, String(v.lag))]);
      $("consumers").replaceChildren(table(["group", "topic", "partitions", "end", "lag"], rows),
        el("p", { class: "hint" }, `dead letters: ${c.dead_letters ?? 0}`));
    }
    const idx = r.indices || {};
    $("indices").replaceChildren(idx.error ? el("p", { class: "bad" }, "unreachable: " + idx.error)
      : table(["alias", "count"], Object.entries(idx).map(([k, v]) => [k, v === null ? "missing" : v])));
    const feeds = Object.entries(r.feeds || {});
    $("feeds").replaceChildren(feeds.length ? table(["feed", "last run", "status", "sent", "total sent", "error"],
      feeds.map(([name, f]) => [name, Radar.when(f.last_run), el("span", { class: f.last_error ? "bad" : "ok" }, f.last_status || "—"),
        f.last_sent ?? 0, f.total_sent ?? 0, f.last_error || ""])) : el("p", { class: "hint" }, "No feed has run yet."));
  } catch (err) {
    $("error").hidden = false;
    $("error").textContent = "Status unavailable — " + err.message;
  }
})();
