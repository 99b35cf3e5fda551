// Loaded by the player pages and the console alike. Runs before the page paints: apply
// the theme chosen on this device, if any (otherwise the system's preference applies
// through CSS); once the page is parsed, the theme toggle switches it and remembers it.
(function () {
  var root = document.documentElement;
  try {
    var chosen = localStorage.getItem("questline-theme");
    if (chosen === "light" || chosen === "dark") {
      root.setAttribute("data-theme", chosen);
    }
  } catch (e) { /* storage may be off: the system's theme applies */ }

  function currentTheme() {
    var shown = root.getAttribute("data-theme");
    if (shown) return shown;
    return window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  document.addEventListener("DOMContentLoaded", function () {
    var toggle = document.getElementById("theme-toggle");
    if (!toggle) return;
    var showState = function () { toggle.setAttribute("aria-pressed", String(currentTheme() === "dark")); };
    showState();
    toggle.addEventListener("click", function () {
      var next = currentTheme() === "dark" ? "light" : "dark";
      root.setAttribute("data-theme", next);
      try { localStorage.setItem("questline-theme", next); } catch (e) { /* not kept */ }
      showState();
    });
  });
})();
