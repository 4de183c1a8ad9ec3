// Copy buttons of the cell link lists: the message goes to the clipboard, ready for the cell's chat group.
document.querySelectorAll(".js-copy").forEach((button) => {
  button.addEventListener("click", async () => {
    const source = document.getElementById(button.dataset.target);
    if (!source) return;
    const text = source.textContent;
    try {
      await navigator.clipboard.writeText(text);
    } catch (error) {
      const range = document.createRange();
      range.selectNodeContents(source);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      document.execCommand("copy");
    }
    const label = button.querySelector(".label");
    if (label) {
      const before = label.textContent;
      label.textContent = button.dataset.done || before;
      setTimeout(() => { label.textContent = before; }, 2000);
    }
  });
});
// Confirmation of dangerous actions (delete, mark secret): the question is in data-confirm.
document.querySelectorAll("form.js-confirm").forEach((form) => {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
});
// Marking a material secret revokes its links at once: ask first.
document.querySelectorAll("form.js-confirm-secret").forEach((form) => {
  form.addEventListener("submit", (event) => {
    const select = form.querySelector("select[name=classification]");
    if (select && select.value === "secret" && !window.confirm(form.dataset.confirm)) event.preventDefault();
  });
});
