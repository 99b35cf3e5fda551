// Progressive enhancement of the console's pages (theme.js has the theme toggle): a
// confirmation before an action that changes what players get, a dry run's page that
// refreshes itself while it runs, and the design editor (line numbers, highlighting,
// checking as you type). Without JavaScript every page and form still works.
(function () {
  "use strict";

  // A button that says what it is about to do asks first.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  var status = document.getElementById("dry-run-status");
  if (status && status.hasAttribute("data-refresh")) {
    window.setTimeout(function () { window.location.reload(); },
      1000 * Number(status.getAttribute("data-refresh")));
  }

  var source = document.getElementById("source");
  if (source && window.QuestlineEditor) {
    window.QuestlineEditor.attach(source);
  }
})();
