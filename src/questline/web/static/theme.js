// Runs before the page paints: apply the theme the player chose on this device, if any
// (otherwise the system's preference applies through CSS).
(function () {
  try {
    var chosen = localStorage.getItem("questline-theme");
    if (chosen === "light" || chosen === "dark") {
      document.documentElement.setAttribute("data-theme", chosen);
    }
  } catch (e) { /* storage may be off: the system's theme applies */ }
})();
