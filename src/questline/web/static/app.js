// Progressive enhancement of the player pages (theme.js has the theme toggle): live
// toasts for every notification (Server-Sent Events, with the page's own cookie), and a
// refresh of the page's numbers when something happened. Without JavaScript the pages
// still work.
(function () {
  "use strict";
  var body = document.body;

  // The shop's forms work without JavaScript (each carries its own purchase id, so a form
  // sent twice buys once); here a second click does not even send it again.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || !form.hasAttribute || !form.hasAttribute("data-buy")) return;
    if (form.getAttribute("data-sent")) { event.preventDefault(); return; }
    form.setAttribute("data-sent", "true");
    var button = form.querySelector("button");
    if (button) button.setAttribute("aria-disabled", "true");
  });
  // What a purchase came to is read first: focus moves to it.
  var outcome = document.getElementById("outcome");
  if (outcome) outcome.focus();

  // The same 24×24 paths as the pages' icons (templates/_icons.html).
  var PATHS = {
    star: "M12 2.5l2.9 6.1 6.6.8-4.9 4.6 1.3 6.6L12 17.3l-5.9 3.3 1.3-6.6-4.9-4.6 6.6-.8L12 2.5z",
    flame: "M12 2c1 3.5 5 6 5 11a5 5 0 0 1-10 0c0-2.2 1-3.9 2.3-5.2.2 1.7 1 2.9 2.2 3.4C11 8.6 10.8 5.4 12 2z",
    medal: "M7 2h4l1 4 1-4h4l-3 7.2A6 6 0 1 1 10 9.2L7 2zm5 9.5a4 4 0 1 0 0 8 4 4 0 0 0 0-8z"
  };
  var ICONS = {
    level_reached: "star", achievement_unlocked: "medal", achievement_progressed: "medal",
    quest_completed: "medal", streak_extended: "flame", streak_frozen: "flame",
    streak_broken: "flame", streak_freezes_granted: "flame", score_tier_changed: "medal"
  };
  function iconOf(kind) {
    var svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("class", "icon");
    svg.setAttribute("fill", "currentColor");
    svg.setAttribute("aria-hidden", "true");
    var path = document.createElementNS("http://www.w3.org/2000/svg", "path");
    path.setAttribute("d", PATHS[ICONS[kind] || "star"]);
    svg.appendChild(path);
    return svg;
  }
  var BIG = { level_reached: true, achievement_unlocked: true, quest_completed: true };
  var MAX_SHOWN = 4;
  var SHOWN_MS = 6000;
  var region = document.getElementById("toasts");

  function dismiss(toast) {
    if (!toast.parentNode) return;
    toast.classList.add("toast--leaving");
    setTimeout(function () { if (toast.parentNode) toast.parentNode.removeChild(toast); }, 300);
  }

  function showToast(notification) {
    if (!region) return;
    var toast = document.createElement("div");
    toast.className = "toast" + (BIG[notification.kind] ? " toast--big" : "");
    toast.setAttribute("role", "status");
    toast.setAttribute("data-kind", notification.kind || "");
    var icon = document.createElement("span");
    icon.className = "toast__icon";
    icon.appendChild(iconOf(notification.kind));
    var text = document.createElement("div");
    text.className = "toast__text";
    var title = document.createElement("div");
    title.className = "toast__title";
    title.textContent = notification.title || "";
    text.appendChild(title);
    if (notification.body) {
      var line = document.createElement("div");
      line.className = "toast__body";
      line.textContent = notification.body;
      text.appendChild(line);
    }
    var close = document.createElement("button");
    close.type = "button";
    close.className = "toast__close";
    close.setAttribute("aria-label", body.getAttribute("data-close-label") || "Dismiss");
    close.textContent = "×";
    close.addEventListener("click", function () { dismiss(toast); });
    toast.appendChild(icon);
    toast.appendChild(text);
    toast.appendChild(close);
    region.appendChild(toast);
    while (region.children.length > MAX_SHOWN) region.removeChild(region.firstChild);
    var timer = setTimeout(function () { dismiss(toast); }, SHOWN_MS);
    // Someone reading or about to click keeps it.
    toast.addEventListener("mouseenter", function () { clearTimeout(timer); });
    toast.addEventListener("focusin", function () { clearTimeout(timer); });
  }

  // The page's numbers, fetched again and swapped in (the same HTML the server renders).
  var refreshing = null;
  function refresh() {
    if (refreshing) clearTimeout(refreshing);
    refreshing = setTimeout(function () {
      refreshing = null;
      fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (!html) return;
          var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("content");
          var main = document.getElementById("content");
          if (fresh && main) {
            main.innerHTML = fresh.innerHTML;
            body.setAttribute("data-refreshed", String(Number(body.getAttribute("data-refreshed") || 0) + 1));
          }
        })
        .catch(function () { /* the next notification tries again */ });
    }, 250);
  }

  var player = body.getAttribute("data-player");
  if (player && window.EventSource) {
    var source = new EventSource("/v1/players/" + encodeURIComponent(player) + "/notifications/stream");
    source.addEventListener("open", function () { body.setAttribute("data-live", "open"); });
    source.addEventListener("notification", function (event) {
      var notification;
      try { notification = JSON.parse(event.data); } catch (e) { return; }
      showToast(notification);
      refresh();
    });
    source.addEventListener("error", function () {
      // EventSource reconnects by itself (with Last-Event-ID); a closed one means the
      // token expired: the page keeps what it shows.
      if (source.readyState === EventSource.CLOSED) body.setAttribute("data-live", "closed");
    });
  }
})();
