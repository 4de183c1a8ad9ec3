// The report page: polls the status endpoint while the worker builds the report, moves the progress
// bar, then reloads to show the downloads (or shows the failure and the retry button).
(() => {
  const root = document.getElementById("report-progress");
  if (!root) return;
  const bar = document.getElementById("report-bar");
  // The CSP forbids style attributes: the bar's width is set from here.
  bar.style.width = `${bar.parentElement.getAttribute("aria-valuenow")}%`;
  if (root.dataset.done === "1") return;
  const el = (id) => document.getElementById(id);
  let finished = false;

  const render = (data) => {
    bar.style.width = `${data.progress}%`;
    bar.textContent = `${data.progress}%`;
    bar.parentElement.setAttribute("aria-valuenow", data.progress);
    el("report-label").textContent = data.label;
    el("report-stage").textContent = data.stage || "";
    if (data.status === "failed" || data.stuck) {
      bar.classList.remove("progress-bar-animated", "progress-bar-striped");
      bar.classList.add("bg-danger");
      el("report-error-text").textContent = data.error || "";
      el("report-error").classList.remove("d-none");
      finished = data.status === "failed";
    }
    if (data.done) {
      finished = true;
      window.location.reload();
    }
  };

  const poll = async () => {
    if (finished) return;
    try {
      const response = await fetch(root.dataset.statusUrl, { headers: { Accept: "application/json" }, cache: "no-store" });
      if (response.ok) render(await response.json());
    } catch (error) {
      // offline for a moment: try again at the next tick
    }
    if (!finished) window.setTimeout(poll, 1000);
  };
  window.setTimeout(poll, 500);
})();
