// The approval page's view of learned drafts: a pending learn_accept approval shows its sections (confidence, operations, evidence)
// and what it changes in the real document; any approval that carries a learned confidence shows it. Adds to the cards index.html renders.
(() => {
  const box = document.getElementById("pending");
  if (!box) return;
  const esc = s => String(s ?? "").replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  // Drafted text may hold anything: control characters are shown as escapes, never interpreted.
  const text = s => esc(String(s ?? "").replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, c => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0")));
  const score = c => c == null ? "unknown" : Number(c).toFixed(2);
  const done = new Set();

  async function api(path) {
    const token = sessionStorage.getItem("kse.token") || "";
    const res = await fetch(path, { headers: { "Authorization": "Bearer " + token, "Accept": "application/json" } });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(body.message || ("HTTP " + res.status));
    return body;
  }

  function confidence(c) {
    return `<dt>Confidence</dt><dd data-testid="confidence"><strong>${score(c.score)}</strong> <span class="muted">${text(c.source)}: ${text(c.explanation || "")}</span>
      ${c.command ? `<div class="muted">matches <code>${text(c.command)}</code></div>` : ""}
      ${(c.evidence || []).length ? `<div class="muted" data-testid="confidence-evidence">evidence: ${(c.evidence || []).map(text).join(", ")}</div>` : ""}</dd>`;
  }

  function proposal(p) {
    const sections = p.sections.map(s => `<tr data-testid="learn-section">
        <td>${text(s.heading)}${s.edited ? ` <span class="muted">(edited after drafting)</span>` : ""}</td>
        <td data-testid="learn-confidence">${score(s.confidence)}</td>
        <td>${s.operations.map(o => `<div data-testid="learn-operation"><code>${text(o.name)}</code> ${score(o.confidence)}${o.command ? `<div class="muted"><code>${text(o.command)}</code></div>` : ""}</div>`).join("") || "—"}</td>
        <td class="muted" data-testid="learn-evidence">${s.evidence.map(text).join(", ") || "—"}</td></tr>`).join("");
    const diff = p.changes.map(c => [`@@ ${c.kind}: ## ${c.heading}`, ...(c.removed ? c.removed.split("\n").map(l => "- " + l) : []), ...(c.added ? c.added.split("\n").map(l => "+ " + l) : [])].map(text).join("\n")).join("\n\n");
    return `<section data-testid="learn-proposal">
      <div class="row"><span class="title">Learned draft for ${text(p.document)}</span><span class="muted">confidence ${score(p.confidence)}</span></div>
      ${p.stale ? `<div class="msg show" data-testid="learn-stale">${text(p.stale)}</div>` : ""}
      <table><thead><tr><th>Section</th><th>Confidence</th><th>Operations</th><th>Evidence</th></tr></thead><tbody>${sections}</tbody></table>
      <div class="muted" style="margin-top:.5rem">Change to ${text(p.document)} (sha256 ${text((p.documentSha256AtProposal || "absent").slice(0, 12))} when proposed)</div>
      <code class="cmd" data-testid="learn-diff">${diff}</code>
    </section>`;
  }

  async function enrich(card) {
    const id = card.dataset.id;
    if (!id || done.has(id)) return;
    done.add(id);
    try {
      const a = await api(`/api/approvals/${encodeURIComponent(id)}`);
      const dl = card.querySelector("dl");
      if (a.confidence && dl) dl.insertAdjacentHTML("beforeend", confidence(a.confidence));
      if (a.tool === "learn_accept") {
        const p = await api(`/api/drafts/proposals/${encodeURIComponent(id)}`);
        (dl || card).insertAdjacentHTML("afterend", proposal(p));
      }
    } catch (e) {
      card.insertAdjacentHTML("beforeend", `<p class="muted">Could not load the learned details: ${esc(e.message)}</p>`);
    }
  }

  new MutationObserver(() => box.querySelectorAll("article[data-id]").forEach(enrich)).observe(box, { childList: true });
})();
