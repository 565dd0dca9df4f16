// ssonet console: a little progressive help; every page works without it.
// - a form's buttons are disabled once it is sent, so a double click sends once;
// - forms marked .confirm ask first (data-confirm).
document.addEventListener("submit", function (ev) {
  var form = ev.target;
  if (form.classList.contains("confirm") && !window.confirm(form.dataset.confirm)) {
    ev.preventDefault();
    return;
  }
  if (form.dataset.sent) {
    ev.preventDefault();
    return;
  }
  form.dataset.sent = "1";
  // Disable after the submitter's name/value is taken into the form data.
  setTimeout(function () {
    form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
  }, 0);
});
