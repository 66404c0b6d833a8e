// Small behaviours shared by every page. No inline scripts: pages opt in with data attributes.
document.addEventListener("change", function (event) {
  var target = event.target;
  if (target && target.hasAttribute && target.hasAttribute("data-autosubmit") && target.form) {
    target.form.submit();
  }
});

// Forms that ask before a destructive action: <form data-confirm="Question?">.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form && form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);

// Keep the newest message in view while a reply streams in.
document.addEventListener("htmx:wsAfterMessage", function () {
  var list = document.getElementById("messages");
  if (list) { list.scrollTop = list.scrollHeight; }
});

// Fields that apply to one choice of a select only: <p data-shown-for="id_partner=custom" hidden>.
function showDependentFields() {
  document.querySelectorAll("[data-shown-for]").forEach(function (field) {
    var rule = field.getAttribute("data-shown-for").split("=");
    var select = document.getElementById(rule[0]);
    if (select) { field.hidden = select.value !== rule[1]; }
  });
}
document.addEventListener("change", function (event) {
  if (event.target && event.target.tagName === "SELECT") { showDependentFields(); }
});

// Open on wide screens, folded on a phone: <details data-open-on-wide>.
document.addEventListener("DOMContentLoaded", function () {
  showDependentFields();
  if (window.matchMedia("(min-width: 641px)").matches) {
    document.querySelectorAll("details[data-open-on-wide]").forEach(function (details) { details.open = true; });
  }
});
