// The approval page's rollouts: every rollout that is running, paused or halted, its waves, and the step waiting for approval,
// which is also marked on its approval card. Read-only: the decision is taken on the card, as for any approval.
(() => {
  const $ = id => document.getElementById(id);
  const box = $("rollouts");
  if (!box) return;
  const esc = s => String(s ?? "").replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  const colour = { completed: "var(--ok)", running: "var(--accent)", paused: "var(--norm)", failed: "var(--bad)", aborted: "var(--muted)", pending: "#94a3b8" };

  async function api(path) {
    const token = sessionStorage.getItem("kse.token") || "";
    const res = await fetch(path, { headers: { "Authorization": "Bearer " + token, "Accept": "application/json" } });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(body.message || ("HTTP " + res.status));
    return body;
  }

  function step(s) {
    const waiting = s.status === "queued";
    return `<li data-testid="rollout-step" data-step="${esc(s.number)}" data-status="${esc(s.status)}"${waiting ? '' : ""}>
      <span class="state ${esc(s.status)}">${esc(s.status)}</span> ${esc(s.number)}. ${esc(s.operation)} on ${esc(s.project)}/${esc(s.instance)}${s.canary ? ' <span class="muted">(canary)</span>' : ""}
      ${waiting && s.approvalId ? ` — <a href="#" data-approval="${esc(s.approvalId)}" data-testid="waiting-approval">waits for approval ${esc(s.approvalId)}</a>` : ""}
      ${s.message && !waiting ? ` <span class="muted">${esc(s.message)}</span>` : ""}</li>`;
  }

  function rollout(r) {
    const current = r.steps.find(s => s.status === "queued") || r.steps.find(s => s.status === "pending") || r.steps[r.steps.length - 1];
    const waves = r.waves.map(w => `<li data-testid="rollout-wave" data-wave="${esc(w.number)}" data-status="${esc(w.status)}">
        <span class="risk" style="background:${colour[w.status] || "#475569"}">${esc(w.status)}</span>
        wave ${esc(w.number)} · ${esc(w.phase)} · ${esc(w.projects.join(", "))}
        ${current && current.wave === w.number ? `<ul>${r.steps.filter(s => s.wave === w.number).map(step).join("")}</ul>` : ""}</li>`).join("");
    return `<article class="card" data-testid="rollout" data-id="${esc(r.id)}">
      <div class="row"><span class="title">Rollout ${esc(r.id)}</span><span class="state ${esc(r.state)}" data-testid="rollout-state">${esc(r.state)}</span>
        <span class="muted">${esc(r.project)} → ${esc(r.environment)}${r.toVersion ? ", to " + esc(r.toVersion) : ""} · started by ${esc(r.startedBy)} · ${r.steps.filter(s => s.status === "succeeded").length}/${r.steps.length} steps</span></div>
      ${r.stoppedAt ? `<div class="muted" data-testid="rollout-stopped">${esc(r.stoppedAt)}</div>` : ""}
      <ol class="waves">${waves}</ol>
    </article>`;
  }

  // The approval card of a rollout's waiting step says which rollout and step it is.
  function mark(r) {
    for (const s of r.steps.filter(s => s.status === "queued" && s.approvalId)) {
      const card = document.querySelector(`#pending article[data-id="${CSS.escape(s.approvalId)}"]`);
      if (!card || card.querySelector("[data-testid=rollout-of]")) continue;
      card.querySelector(".row")?.insertAdjacentHTML("beforeend",
        `<span class="muted" data-testid="rollout-of">step ${esc(s.number)} of rollout ${esc(r.id)} (wave ${esc(s.wave)}); approving it continues the rollout</span>`);
    }
  }

  async function refresh() {
    if (!sessionStorage.getItem("kse.token") || $("app")?.hidden) return;
    try {
      const list = await api("/api/rollouts?limit=20");
      const active = list.rollouts.filter(r => r.state === "running" || r.state === "paused" || r.state === "failed");
      const full = await Promise.all(active.map(r => api(`/api/rollouts/${encodeURIComponent(r.id)}`)));
      box.innerHTML = full.length
        ? `<h2>Rollouts in progress <span class="muted">(${full.length})</span></h2>${full.map(rollout).join("")}`
        : "";
      full.forEach(mark);
    } catch (e) {
      box.innerHTML = `<p class="msg show">Could not read rollouts: ${esc(e.message)}</p>`;
    }
  }

  box.addEventListener("click", ev => {
    const a = ev.target.closest("a[data-approval]");
    if (!a) return;
    ev.preventDefault();
    const card = document.querySelector(`#pending article[data-id="${CSS.escape(a.dataset.approval)}"]`);
    if (card) { card.scrollIntoView({ block: "center" }); card.querySelector("input[name=reason]")?.focus(); }
  });

  refresh();
  setInterval(() => { if (document.visibilityState === "visible") refresh(); }, 3000);
})();
