// Attendance sheet: live counts in the bottom bar, and the reason / point list focused when it appears.
// The page works without this file (the lists are then always shown, or shown by CSS :has()).
(() => {
  const form = document.querySelector("form.att-sheet");
  if (!form) return;
  const counters = {};
  form.querySelectorAll("[data-count]").forEach((el) => { counters[el.dataset.count] = el; });
  const recount = () => {
    const counts = {};
    form.querySelectorAll("input.btn-check:checked").forEach((input) => {
      counts[input.value] = (counts[input.value] || 0) + 1;
    });
    Object.entries(counters).forEach(([status, el]) => { el.textContent = counts[status] || 0; });
  };
  form.addEventListener("change", (event) => {
    const input = event.target;
    if (!input.classList.contains("btn-check")) return;
    recount();
    const row = input.closest(".att-row");
    const detail = input.value === "absent" ? ".att-reason select" : input.value === "elsewhere" ? ".att-point select" : null;
    const select = detail && row.querySelector(detail);
    if (select && !select.value) select.focus({ preventScroll: true });
  });
  const firstError = form.querySelector(".att-row-error");
  if (firstError) firstError.scrollIntoView({ block: "center" });
})();
