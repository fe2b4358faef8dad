// The triage page's script. It never builds HTML from data: every text it sets goes through
// textContent (PR and model text are untrusted). Every request carries the page's token in a
// header; the server answers JSON.
"use strict";
(function () {
  const token = document.querySelector('meta[name="triage-token"]').content;
  const target = document.querySelector('meta[name="triage-target"]').content;
  const drafts = Array.from(document.querySelectorAll("article.draft"));
  const status = document.getElementById("status");
  const STATE = { keep: "kept", edit: "edited", drop: "dropped", undecided: "undecided" };
  let current = -1;

  function say(text, error) {
    status.textContent = text;
    status.classList.toggle("error", Boolean(error));
  }

  async function api(path, body) {
    const answer = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Reviewer-Token": token },
      body: JSON.stringify(body || {}),
      credentials: "omit",
      cache: "no-store",
    });
    let data = {};
    try { data = await answer.json(); } catch (e) { data = { error: "the server's answer was not JSON" }; }
    if (!answer.ok || data.ok === false) throw new Error(data.error || ("HTTP " + answer.status));
    return data;
  }

  function showCounts(counts) {
    for (const el of document.querySelectorAll("[data-count]")) {
      const value = counts[el.dataset.count];
      if (value !== undefined) el.textContent = String(value);
    }
  }

  function select(i, scroll) {
    if (!drafts.length) return;
    current = Math.max(0, Math.min(drafts.length - 1, i));
    for (const d of drafts) d.classList.toggle("current", d === drafts[current]);
    const card = drafts[current];
    const diff = card.closest("details.diff");
    if (diff && !diff.open) diff.open = true;
    card.focus({ preventScroll: true });
    if (scroll !== false) card.scrollIntoView({ block: "center" });
  }

  function show(card, draft) {
    card.dataset.state = draft.state;
    const promoted = draft.state === "keep" && card.dataset.kind === "left_out";
    card.querySelector(".state").textContent = promoted ? "promoted" : STATE[draft.state];
    card.querySelector(".body").textContent = draft.body;
    const pre = card.querySelector("pre.suggestion");
    pre.hidden = draft.suggestion === null;
    pre.querySelector("code").textContent = draft.suggestion === null ? "" : draft.suggestion;
  }

  async function decide(card, action, extra) {
    try {
      const data = await api("/api/decide", Object.assign({ id: card.dataset.id, action: action }, extra || {}));
      show(card, data.draft);
      showCounts(data.counts);
      say("");
      return true;
    } catch (e) {
      say("could not record the decision: " + e.message, true);
      return false;
    }
  }

  function editing(card) {
    const form = card.querySelector("form.edit");
    return form && !form.hidden;
  }

  function openEdit(card) {
    const form = card.querySelector("form.edit");
    card.classList.remove("collapsed");
    form.hidden = false;
    form.elements.body.focus();
  }

  function closeEdit(card) {
    card.querySelector("form.edit").hidden = true;
    card.focus({ preventScroll: true });
  }

  async function saveEdit(card) {
    const form = card.querySelector("form.edit");
    const extra = { body: form.elements.body.value };
    if (form.elements.suggestion) extra.suggestion = form.elements.suggestion.value;
    if (await decide(card, "edit", extra)) closeEdit(card);
  }

  async function post() {
    const button = document.getElementById("post");
    if (!button) { say("nothing to post to: this triage is of a local diff (save it instead)", true); return; }
    const n = document.querySelector('[data-count="posted"]').textContent;
    if (!window.confirm("Post " + n + " comment(s) to " + target + "?")) return;
    button.disabled = true;
    say("posting to " + target + "...");
    try {
      const data = await api("/api/post", {});
      say(data.message);
    } catch (e) {
      say("not posted: " + e.message, true);
    } finally {
      button.disabled = false;
    }
  }

  async function save(format) {
    try {
      const data = await api("/api/save", { format: format });
      say(data.message);
    } catch (e) {
      say("not saved: " + e.message, true);
    }
  }

  async function done() {
    try {
      await api("/api/done", {});
      say("done: the server has stopped; this tab can be closed");
      for (const b of document.querySelectorAll("button")) b.disabled = true;
    } catch (e) {
      say("could not stop the server: " + e.message, true);
    }
  }

  function toggleKeys() {
    const keys = document.getElementById("keys");
    keys.hidden = !keys.hidden;
    document.getElementById("help").setAttribute("aria-expanded", String(!keys.hidden));
  }

  for (const [i, card] of drafts.entries()) {
    card.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-action]");
      if (current !== i) select(i, false);
      if (!button) return;
      const action = button.dataset.action;
      if (action === "edit") openEdit(card);
      else if (action === "cancel") closeEdit(card);
      else if (action === "expand") card.classList.toggle("collapsed");
      else decide(card, action);
    });
    card.querySelector("form.edit").addEventListener("submit", (event) => {
      event.preventDefault();
      saveEdit(card);
    });
  }
  const postButton = document.getElementById("post");
  if (postButton) postButton.addEventListener("click", post);
  for (const b of document.querySelectorAll("button[data-format]")) b.addEventListener("click", () => save(b.dataset.format));
  document.getElementById("done").addEventListener("click", done);
  document.getElementById("help").addEventListener("click", toggleKeys);

  document.addEventListener("keydown", (event) => {
    const card = drafts[current];
    if (card && editing(card) && card.contains(document.activeElement)) {
      if (event.key === "Escape") { event.preventDefault(); closeEdit(card); }
      else if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); saveEdit(card); }
      return;
    }
    const tag = (document.activeElement && document.activeElement.tagName) || "";
    if (tag === "TEXTAREA" || tag === "INPUT" || event.ctrlKey || event.metaKey || event.altKey) return;
    const key = event.key;
    if (key === "j" || key === "n") { select(current + 1); }
    else if (key === "k" || key === "p") { select(current - 1); }
    else if (key === "P") { post(); }
    else if (key === "S") { save("markdown"); }
    else if (key === "?") { toggleKeys(); }
    else if (card && key === "y") { decide(card, "keep").then((ok) => { if (ok) select(current + 1); }); }
    else if (card && key === "d") { decide(card, "drop").then((ok) => { if (ok) select(current + 1); }); }
    else if (card && key === "u") { decide(card, "undo"); }
    else if (card && key === "e") { openEdit(card); }
    else return;
    event.preventDefault();
  });

  if (drafts.length) select(0, false);
})();
