// Watch mode: keep the newest turn in view and copy the share link. No inline scripts.
(function () {
  function nearBottom(list) {
    return list.scrollHeight - list.scrollTop - list.clientHeight < 120;
  }
  var follow = true;
  document.addEventListener("htmx:wsBeforeMessage", function () {
    var list = document.getElementById("watch-messages");
    follow = !list || nearBottom(list);
  });
  document.addEventListener("htmx:wsAfterMessage", function () {
    var list = document.getElementById("watch-messages");
    if (list && follow) { list.scrollTop = list.scrollHeight; }
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-copy]") : null;
    if (!button) { return; }
    var field = document.querySelector(button.getAttribute("data-copy"));
    if (!field) { return; }
    field.select();
    if (navigator.clipboard) { navigator.clipboard.writeText(field.value); }
  });
})();
