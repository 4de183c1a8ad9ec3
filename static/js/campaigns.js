// Session form: add speaker / connection point rows from their <template>, and show the points only
// for online or hybrid sessions. The form works without this script (it always offers blank rows).
document.querySelectorAll(".js-add-row").forEach((button) => {
  button.addEventListener("click", () => {
    const prefix = button.dataset.prefix;
    const total = document.getElementById(`id_${prefix}-TOTAL_FORMS`);
    const template = document.getElementById(`${prefix}-template`);
    const rows = document.querySelector(`.formset-rows[data-prefix="${prefix}"]`);
    if (!total || !template || !rows) return;
    const index = Number(total.value);
    const html = template.innerHTML.replaceAll("__prefix__", String(index));
    rows.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    const first = rows.lastElementChild && rows.lastElementChild.querySelector("input, select");
    if (first) first.focus();
  });
});

const formatSelect = document.getElementById("id_format");
const pointsSection = document.querySelector(".points-section");
if (formatSelect && pointsSection) {
  const sync = () => { pointsSection.hidden = formatSelect.value === "in_person"; };
  formatSelect.addEventListener("change", sync);
  sync();
}
