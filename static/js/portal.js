// Small progressive enhancements; every page works without them.
document.querySelectorAll(".js-autosubmit").forEach((el) => {
  el.addEventListener("change", () => el.form.submit());
});
// Disable submit buttons once a form is sent: a double tap does not send it twice.
document.querySelectorAll("form.js-once").forEach((form) => {
  form.addEventListener("submit", () => {
    form.querySelectorAll("button[type=submit], button:not([type])").forEach((b) => { b.disabled = true; });
  });
});
