// The QR check-in screen: polls the status endpoint, swaps the QR code when its time window changes,
// shows the countdown and the live counts per cell. Numbers are grouped the page's way (vi: 1.234).
(() => {
  const root = document.getElementById("checkin-screen");
  if (!root) return;
  const statusUrl = root.dataset.statusUrl;
  const period = Number(root.dataset.windowSeconds) || 30;
  let windowId = root.dataset.window;
  let deadline = Date.now() + Number(root.dataset.secondsLeft) * 1000;
  const el = (id) => document.getElementById(id);
  const lang = document.documentElement.lang || "vi";
  const fmt = (n) => Number(n).toLocaleString(lang === "vi" ? "vi-VN" : "en-GB");
  let busy = false;

  const render = (data) => {
    if (data.qr) {
      el("checkin-qr").innerHTML = data.qr.svg; // markup built by the server from the URL (portal.lib.qr)
    }
    windowId = String(data.window);
    deadline = Date.now() + data.seconds_left * 1000;
    el("checkin-total").textContent = fmt(data.checked_in);
    el("checkin-expected").textContent = fmt(data.expected);
    const body = el("checkin-cells");
    const rows = data.cells.map((cell) => {
      const tr = document.createElement("tr");
      const name = document.createElement("td");
      name.textContent = cell.name;
      const count = document.createElement("td");
      count.className = "text-end text-nowrap";
      count.textContent = `${fmt(cell.checked_in)} / ${fmt(cell.expected)}`;
      tr.append(name, count);
      return tr;
    });
    body.replaceChildren(...rows);
    el("checkin-partial").classList.toggle("d-none", !data.partial);
  };

  const poll = async () => {
    if (busy) return;
    busy = true;
    try {
      const response = await fetch(`${statusUrl}?window=${encodeURIComponent(windowId)}`, {
        headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store",
      });
      if (!response.ok || response.redirected) throw new Error(String(response.status));
      render(await response.json());
      el("checkin-offline").classList.add("d-none");
    } catch (error) {
      el("checkin-offline").classList.remove("d-none");
    } finally {
      busy = false;
    }
  };

  const tick = () => {
    const left = Math.max(0, deadline - Date.now());
    el("checkin-countdown").style.width = `${Math.min(100, (left / (period * 1000)) * 100)}%`;
    if (left <= 0) poll();
  };

  setInterval(poll, 3000);
  setInterval(tick, 500);
  tick();
  const full = el("checkin-fullscreen");
  if (full && document.documentElement.requestFullscreen) {
    full.addEventListener("click", () => document.documentElement.requestFullscreen());
  } else if (full) {
    full.classList.add("d-none");
  }
})();
