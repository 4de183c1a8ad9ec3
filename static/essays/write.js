// The essay editor: live word count, autosave with a version guard, a copy on this device, saves on leaving.
// The page works without this file (the buttons save and submit); with it, nothing typed is lost:
// - every keystroke is copied to localStorage (with the version it was typed on) until the server has it;
// - a save is sent a few seconds after typing stops, every ~10 s during long typing, when the connection
//   comes back, when the tab is hidden (fetch keepalive) and when the page goes away (sendBeacon);
// - failed saves are retried with a growing delay; the status line says when it last saved;
// - the server refuses a save made from an older version (another tab or device saved since): 409. The page
//   then says so, keeps this page's text visible and offers to load the newer text or to keep its own.
(() => {
  "use strict";

  // The confirmation page: once the essay is submitted, this device's copy of the draft is not needed.
  const confirmForm = document.querySelector("form.essay-confirm[data-clear-key]");
  if (confirmForm) {
    confirmForm.addEventListener("submit", () => {
      try { localStorage.removeItem(confirmForm.dataset.clearKey); } catch (e) { /* storage unavailable */ }
    });
  }

  const form = document.querySelector("form[data-essay-editor]");
  if (!form) return;
  const cfg = form.dataset;
  const textarea = form.querySelector("textarea[name=body]");
  const versionInput = form.querySelector("input[name=version]");
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const status = document.getElementById("essay-save-status");
  const words = document.getElementById("essay-words");
  const notice = document.getElementById("essay-notice");
  const conflictBox = document.getElementById("essay-conflict");
  const localBox = document.getElementById("essay-local");
  const localText = document.getElementById("essay-local-text");
  const closedBox = document.getElementById("essay-closed");
  const minWords = parseInt(cfg.minWords || "0", 10);
  const key = cfg.storageKey;

  const QUIET_MS = 3000; // save this long after typing stops
  const PERIOD_MS = 10000; // and at least this often while typing goes on
  const RETRY_MIN_MS = 5000;
  const RETRY_MAX_MS = 60000;

  let version = parseInt(versionInput.value, 10) || 0;
  let saved = textarea.defaultValue; // the text the server holds at `version` (what the page was served with)
  let sending = null; // the save in flight (a promise)
  let timer = null;
  let retryMs = RETRY_MIN_MS;
  let conflict = null; // the server's draft while a conflict is shown
  let stopped = false; // nothing is accepted any more (closed campaign, submitted elsewhere)
  let submitting = false; // the page's own form is on its way: no autosave races it
  let beaconText = null; // text sent by sendBeacon (no answer): our own save if the server holds it later

  const fmt = (template, values) => template.replace(/\{(\w+)\}/g, (_, name) => values[name]);
  const countWords = (text) => (text.trim() ? text.trim().split(/\s+/).length : 0);
  const number = (n) => n.toLocaleString("vi-VN");
  const dirty = () => textarea.value !== saved;

  function setStatus(kind, time) {
    const text = {
      saved: fmt(cfg.textSaved, { time }),
      saving: cfg.textSaving,
      unsaved: cfg.textUnsaved,
      failed: navigator.onLine === false ? cfg.textOffline : cfg.textFailed,
      session: cfg.textSession,
    }[kind];
    status.textContent = text;
    status.classList.toggle("is-saved", kind === "saved");
    status.classList.toggle("is-failed", kind === "failed" || kind === "session");
    status.dataset.state = kind;
  }

  function updateCount() {
    const n = countWords(textarea.value);
    words.textContent = fmt(cfg.textWords, { count: number(n) });
    words.classList.toggle("is-short", minWords > 0 && n < minWords);
  }

  // This device's copy: {text, version (the server version it was typed on), at}.
  function readBackup() {
    try { return JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { return null; }
  }
  function writeBackup() {
    try { localStorage.setItem(key, JSON.stringify({ text: textarea.value, version, at: Date.now() })); } catch (e) { /* full or disabled */ }
  }
  function clearBackup() {
    try { localStorage.removeItem(key); } catch (e) { /* disabled */ }
  }

  function adopt(newVersion, text) {
    version = newVersion;
    saved = text;
    versionInput.value = String(newVersion);
  }

  function schedule(ms) {
    if (timer || stopped || submitting || conflict) return;
    timer = setTimeout(() => { timer = null; save(); }, ms);
  }

  function params(text) {
    return new URLSearchParams({ csrfmiddlewaretoken: csrf, version: String(version), body: text });
  }

  function showConflict(data) {
    conflict = data;
    conflictBox.querySelector("[data-conflict-message]").textContent = data.message;
    conflictBox.hidden = false;
    setStatus("unsaved");
    writeBackup();
  }

  function stop(message) {
    stopped = true;
    closedBox.textContent = message;
    closedBox.hidden = false;
    setStatus("unsaved");
    writeBackup();
  }

  async function save(options = {}) {
    if (sending || stopped || submitting || conflict || !dirty()) return sending;
    const text = textarea.value;
    setStatus("saving");
    const run = async () => {
      let response;
      let data = null;
      try {
        response = await fetch(cfg.autosaveUrl, {
          method: "POST",
          body: params(text),
          credentials: "same-origin",
          headers: { Accept: "application/json", "X-Requested-With": "fetch" },
          keepalive: Boolean(options.keepalive),
        });
        if (response.redirected || !(response.headers.get("Content-Type") || "").includes("json")) {
          setStatus("session"); // sent to the login page
          throw new Error("session");
        }
        data = await response.json();
      } catch (error) {
        if (status.dataset.state !== "session") setStatus("failed");
        schedule(retryMs);
        retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
        return;
      }
      if (response.ok) {
        retryMs = RETRY_MIN_MS;
        adopt(data.version, text);
        setStatus("saved", data.saved_at_display);
        if (!dirty()) clearBackup(); else schedule(QUIET_MS);
      } else if (response.status === 409 && data.error === "conflict") {
        if (data.body === text || (beaconText !== null && data.body === beaconText)) {
          // The newer version is our own save (a beacon sent when the page was left): carry on from it.
          beaconText = null;
          adopt(data.version, data.body);
          if (dirty()) schedule(0); else { setStatus("saved", data.saved_at_display); clearBackup(); }
        } else {
          showConflict(data);
        }
      } else if (response.status === 409) {
        stop(data.message);
      } else {
        setStatus("failed");
        schedule(retryMs);
        retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
      }
    };
    sending = run().finally(() => { sending = null; });
    return sending;
  }

  // Leaving the page: the browser may not wait for a normal request, a beacon is delivered anyway.
  function flushOnLeave() {
    if (stopped || submitting || conflict || !dirty()) return;
    writeBackup();
    if (sending) return; // the request in flight (keepalive) carries on
    const text = textarea.value;
    const body = params(text);
    let sent = false;
    try { sent = navigator.sendBeacon && navigator.sendBeacon(cfg.autosaveUrl, body); } catch (e) { sent = false; }
    if (!sent) {
      try {
        fetch(cfg.autosaveUrl, { method: "POST", body, credentials: "same-origin", keepalive: true });
        sent = true;
      } catch (e) { /* nothing more can be done: the copy on this device remains */ }
    }
    if (sent) beaconText = text;
  }

  // Coming back (a tab shown again, a page restored from the back/forward cache): learn what the server holds.
  async function resync() {
    if (stopped) return;
    try {
      const response = await fetch(cfg.autosaveUrl, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!response.ok || response.redirected) return;
      const data = await response.json();
      if (data.version === version) return;
      if (data.body === textarea.value || (beaconText !== null && data.body === beaconText)) {
        beaconText = null;
        adopt(data.version, data.body);
        if (dirty()) schedule(QUIET_MS); else { setStatus("saved", data.saved_at_display); clearBackup(); }
      }
      // otherwise the next save meets the conflict and shows it
    } catch (e) { /* offline: the next save retries */ }
  }

  // Restore what this device kept but the server does not have.
  const backup = readBackup();
  if (textarea.value !== saved) {
    schedule(QUIET_MS); // typed before this script ran
  } else if (backup && typeof backup.text === "string") {
    if (backup.text === textarea.value) {
      clearBackup();
    } else if (backup.version >= version) {
      textarea.value = backup.text;
      notice.textContent = cfg.textRestored;
      notice.hidden = false;
      setStatus("unsaved");
      schedule(500);
    } else {
      // The server moved on since this copy was typed (another device): do not overwrite, show both.
      localText.value = backup.text;
      localBox.hidden = false;
    }
  }
  updateCount();

  textarea.addEventListener("input", () => {
    updateCount();
    writeBackup();
    if (!conflict && !stopped) setStatus("unsaved");
    clearTimeout(timer);
    timer = null;
    schedule(QUIET_MS);
  });
  setInterval(() => { if (dirty() && !sending) save(); }, PERIOD_MS);
  window.addEventListener("online", () => { retryMs = RETRY_MIN_MS; save(); });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") {
      writeBackup();
      if (dirty() && !sending) save({ keepalive: true });
    } else {
      resync();
    }
  });
  window.addEventListener("pagehide", flushOnLeave);
  window.addEventListener("pageshow", (event) => {
    if (!event.persisted) return;
    submitting = false; // back from the next page: the editor is live again
    resync();
  });

  conflictBox.querySelector("[data-conflict-load]").addEventListener("click", () => {
    localText.value = textarea.value; // this page's text stays visible to copy from
    localBox.hidden = false;
    const newer = conflict;
    conflict = null;
    conflictBox.hidden = true;
    textarea.value = newer.body;
    adopt(newer.version, newer.body);
    updateCount();
    clearBackup();
    setStatus("saved", newer.saved_at_display);
  });
  conflictBox.querySelector("[data-conflict-keep]").addEventListener("click", () => {
    version = conflict.version; // overwrite the newer draft with this page's text
    conflict = null;
    conflictBox.hidden = true;
    save();
  });

  // The page's own buttons post the text with the version: wait for a save in flight, then send.
  form.addEventListener("submit", (event) => {
    if (sending) {
      event.preventDefault();
      const submitter = event.submitter;
      sending.then(() => form.requestSubmit(submitter));
      return;
    }
    submitting = true;
    clearTimeout(timer);
    timer = null;
    versionInput.value = String(version);
    writeBackup();
  });
})();
