// The play's countdown (a scenario with a time limit): when it runs out, the play ends with feedback.
(function () {
  "use strict";
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function start() {
    var timer = document.getElementById("countdown");
    if (!timer) { return; }
    var deadline = Date.parse(timer.getAttribute("data-deadline"));
    if (isNaN(deadline)) { return; }
    var done = false;
    function finish() {
      done = true;
      timer.textContent = timer.getAttribute("data-expired-text") || "0:00";
      var composer = document.getElementById("composer");
      if (composer) { composer.querySelectorAll("textarea, button").forEach(function (el) { el.disabled = true; }); }
      var end = document.getElementById("end-button");
      if (end && !end.disabled) { end.click(); }
    }
    function tick() {
      if (done) { return; }
      var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      timer.textContent = Math.floor(left / 60) + ":" + pad(left % 60);
      timer.classList.toggle("low", left <= 60);
      if (left <= 0) { finish(); } else { window.setTimeout(tick, 1000); }
    }
    tick();
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
