// The approval page's Feedback view: open items by severity, and a project's analytics as inline SVG charts (no library, no CDN).
(() => {
  const $ = id => document.getElementById(id);
  const view = $("feedback-view");
  if (!view) return;
  const esc = s => String(s ?? "").replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  // Control characters in feedback text are shown as escapes, never interpreted.
  const text = s => esc(String(s ?? "").replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, c => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0")));
  const severities = ["critical", "high", "medium", "low"];
  const colours = { critical: "#b42318", high: "#b54708", medium: "#1d4ed8", low: "#067647" };
  let project = "";
  let timer = null;

  async function api(path, options = {}) {
    const token = sessionStorage.getItem("kse.token") || "";
    const res = await fetch(path, { ...options, headers: { ...(options.headers || {}), "Authorization": "Bearer " + token, "Accept": "application/json" } });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(body.message || ("HTTP " + res.status));
    return body;
  }

  view.innerHTML = `
    <div class="msg" id="fb-msg"></div>
    <h2>Open feedback by severity <span class="muted" id="fb-count"></span></h2>
    <div id="fb-open"></div>
    <h2>Analytics <select id="fb-project" aria-label="project" data-testid="fb-project"></select></h2>
    <div id="fb-analytics"></div>
    <p class="muted" id="fb-updated"></p>`;

  function bars(name, rows, valueOf, label) {
    const width = 320, barH = 22, gap = 6, labelW = 110;
    const max = Math.max(1, ...rows.map(valueOf));
    const h = Math.max(1, rows.length) * (barH + gap);
    const body = rows.map((r, i) => {
      const w = Math.round((width - labelW - 40) * valueOf(r) / max);
      const y = i * (barH + gap);
      return `<g data-key="${esc(r.key)}"><text x="0" y="${y + 15}" font-size="12">${esc(r.key)}</text>
        <rect x="${labelW}" y="${y}" width="${Math.max(w, 1)}" height="${barH}" rx="3" fill="${colours[r.key] || "#475569"}"><title>${esc(r.key)}: ${valueOf(r)}</title></rect>
        <text x="${labelW + Math.max(w, 1) + 4}" y="${y + 15}" font-size="12">${valueOf(r)}</text></g>`;
    }).join("");
    return `<figure class="card" style="margin:0"><figcaption class="muted">${esc(label)}</figcaption>
      <svg data-testid="chart-${esc(name)}" role="img" aria-label="${esc(label)}" width="100%" viewBox="0 0 ${width} ${h}" preserveAspectRatio="xMinYMin meet">${rows.length ? body : ""}</svg>
      ${rows.length ? "" : `<p class="empty">none</p>`}</figure>`;
  }

  function line(name, weeks, label) {
    const width = 320, height = 120, pad = 24;
    if (!weeks.length) return `<figure class="card" style="margin:0"><figcaption class="muted">${esc(label)}</figcaption><svg data-testid="chart-${esc(name)}" width="100%" viewBox="0 0 ${width} 20"></svg><p class="empty">no survey scores</p></figure>`;
    const x = i => pad + (weeks.length === 1 ? (width - 2 * pad) / 2 : i * (width - 2 * pad) / (weeks.length - 1));
    const y = v => height - pad - (v - 1) / 4 * (height - 2 * pad);
    const points = weeks.map((w, i) => `${x(i)},${y(w.averageScore)}`).join(" ");
    const dots = weeks.map((w, i) => `<circle data-week="${esc(w.week)}" cx="${x(i)}" cy="${y(w.averageScore)}" r="4" fill="#1d4ed8"><title>${esc(w.week)}: ${w.averageScore} from ${w.responses}</title></circle>
      <text x="${x(i)}" y="${height - 6}" font-size="10" text-anchor="middle">${esc(w.week)}</text>`).join("");
    return `<figure class="card" style="margin:0"><figcaption class="muted">${esc(label)}</figcaption>
      <svg data-testid="chart-${esc(name)}" role="img" aria-label="${esc(label)}" width="100%" viewBox="0 0 ${width} ${height}">
      <line x1="${pad}" y1="${y(1)}" x2="${width - pad}" y2="${y(1)}" stroke="#dde1e8"/><line x1="${pad}" y1="${y(5)}" x2="${width - pad}" y2="${y(5)}" stroke="#dde1e8"/>
      <polyline points="${points}" fill="none" stroke="#1d4ed8" stroke-width="2"/>${dots}</svg></figure>`;
  }

  const duration = s => s == null ? "—" : s >= 86400 ? `${(s / 86400).toFixed(1)} d` : s >= 3600 ? `${(s / 3600).toFixed(1)} h` : s >= 60 ? `${Math.round(s / 60)} min` : `${Math.round(s)} s`;

  function item(i) {
    const next = i.state === "new" ? "acknowledged" : i.state === "acknowledged" || i.state === "reopened" ? "investigating" : null;
    return `<article class="card" data-testid="feedback-item" data-id="${esc(i.id)}">
      <div class="row"><span class="title">${text(i.title)}</span><span class="risk" style="background:${colours[i.severity]}">${esc(i.severity)}</span>
        <span class="muted">${esc(i.id)} · ${esc(i.project)} · ${esc(i.type)} · ${esc(i.channel)} · ×${esc(i.occurrences)}</span></div>
      <div class="row muted"><span data-testid="fb-state">${esc(i.state)}</span><span>version ${esc(i.version || "unknown")}</span><span>${esc(i.environment || "")}</span>
        <span>reported by ${text((i.reporters || []).join(", "))}</span>${i.response && i.response.entry ? `<span>troubleshooting: ${text(i.response.entry)}</span>` : ""}</div>
      ${i.body ? `<div data-testid="fb-body">${text(i.body.length > 240 ? i.body.slice(0, 240) + "…" : i.body)}</div>` : ""}
      ${next ? `<div class="actions"><button type="button" data-move="${next}" data-id="${esc(i.id)}">Mark ${next}</button></div>` : ""}
    </article>`;
  }

  async function refresh() {
    try {
      const [open, all] = await Promise.all([api("/api/feedback?open=true&limit=500"), api("/api/feedback?limit=1000")]);
      const groups = severities.map(s => ({ s, items: open.items.filter(i => i.severity === s) }));
      $("fb-open").innerHTML = groups.map(g => `<section data-testid="severity-${g.s}"><h3 class="row"><span class="risk" style="background:${colours[g.s]}">${g.s}</span> <span data-testid="severity-count">${g.items.length}</span></h3>
        ${g.items.map(item).join("") || `<p class="empty">No open ${g.s} feedback.</p>`}</section>`).join("");
      $("fb-count").textContent = `(${open.count})`;
      const projects = [...new Set(all.items.map(i => i.project))].sort();
      const select = $("fb-project");
      if (!project || !projects.includes(project)) project = projects[0] || "";
      select.innerHTML = projects.map(p => `<option ${p === project ? "selected" : ""}>${esc(p)}</option>`).join("");
      if (project) {
        const a = await api(`/api/feedback/analytics?project=${encodeURIComponent(project)}`);
        $("fb-analytics").innerHTML = `<div style="display:grid;grid-template-columns:repeat(auto-fit,minmax(280px,1fr));gap:.8rem">
          ${bars("type", a.byType, r => r.items, "Items by type")}
          ${bars("severity", a.bySeverity, r => r.items, "Items by severity")}
          ${bars("channel", a.byChannel, r => r.items, "Items by channel")}
          ${bars("version", a.byVersion, r => r.occurrences, "Reports by version")}
          ${line("satisfaction", a.surveySatisfaction, "Survey satisfaction by week (1–5)")}
          <div class="card" data-testid="fb-times"><div class="muted">Time to acknowledge</div><div>median ${duration(a.timeToAcknowledge.medianSeconds)}, p90 ${duration(a.timeToAcknowledge.p90Seconds)}</div>
            <div class="muted">Time to resolve</div><div>median ${duration(a.timeToResolve.medianSeconds)}, p90 ${duration(a.timeToResolve.p90Seconds)}</div>
            <div class="muted">Top recurring</div>${a.topRecurring.map(r => `<div>×${r.occurrences} ${text(r.title)}</div>`).join("") || `<div class="empty">none</div>`}</div>
        </div>`;
      } else {
        $("fb-analytics").innerHTML = `<p class="empty">No feedback yet.</p>`;
      }
      $("fb-updated").textContent = "Updated " + new Date().toLocaleTimeString();
      show("");
    } catch (e) { show("Could not refresh feedback: " + e.message); }
  }

  function show(message) { const m = $("fb-msg"); m.textContent = message; m.classList.toggle("show", !!message); }

  view.addEventListener("click", async ev => {
    const b = ev.target.closest("button[data-move]");
    if (!b) return;
    b.disabled = true;
    try {
      await api(`/api/feedback/${encodeURIComponent(b.dataset.id)}/transition`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ to: b.dataset.move, reason: "from the feedback view" }) });
      await refresh();
    } catch (e) { show(`Could not move ${b.dataset.id}: ${e.message}`); b.disabled = false; }
  });
  view.addEventListener("change", ev => { if (ev.target.id === "fb-project") { project = ev.target.value; refresh(); } });

  document.getElementById("views")?.addEventListener("click", ev => {
    const b = ev.target.closest("button[data-view]");
    if (!b) return;
    for (const other of document.querySelectorAll("#views button")) {
      other.setAttribute("aria-pressed", String(other === b));
      $(other.dataset.view).hidden = other !== b;
    }
    clearInterval(timer); timer = null;
    if (b.dataset.view === "feedback-view") {
      refresh();
      timer = setInterval(() => { if (document.visibilityState === "visible" && !view.hidden) refresh(); }, 5000);
    }
  });
})();
