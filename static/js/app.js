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
