/* Questline widgets: web components a host app drops into its own pages.
 *
 *   <script src="https://questline.example.com/widgets.js" defer></script>
 *   <questline-progress player="ana" token="…" currency="xp"></questline-progress>
 *   <questline-streak player="ana" token="…"></questline-streak>
 *   <questline-badges player="ana" token="…"></questline-badges>
 *   <questline-leaderboard player="ana" token="…"></questline-leaderboard>
 *   <questline-leaderboard player="ana" token="…" board="weekly_xp"></questline-leaderboard>
 *   <questline-toasts player="ana" token="…"></questline-toasts>
 *
 * `token` is a player token the host's backend mints (POST /v1/players/{id}/token);
 * `server` defaults to where this script came from; `locale` (en, he, …) chooses the
 * language, else the player's own locale, else English; Hebrew reads right to left. The
 * page's origin must be in the app's `cors_origins`. Styles live in each element's shadow
 * DOM, themed by CSS custom properties set on the element or any ancestor:
 * --questline-accent (default: the app's brand colour), --questline-bg,
 * --questline-surface, --questline-text, --questline-muted, --questline-border,
 * --questline-radius, --questline-font. No framework, no build step.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var DEFAULT_SERVER = script && script.src ? new URL(script.src).origin : window.location.origin;
  var NOTIFIED = "questline:notification";
  var DEFAULT_ACCENT = "#4338ca";
  // The pages' own texts (src/questline/web/locales), the widgets' part: the server writes
  // them in here when it serves this file.
  var MESSAGES = {};

  function language(wanted) {
    var code = String(wanted || "").split(",")[0].split(";")[0].trim().split(/[-_]/)[0].toLowerCase();
    return MESSAGES[code] ? code : null;
  }

  function translator(locale) {
    var own = MESSAGES[locale] || {};
    var english = MESSAGES.en || {};
    var t = function (key, values) {
      var text = own[key] || english[key] || key;
      return text.replace(/\{(\w+)\}/g, function (whole, name) {
        return values && values[name] !== undefined ? String(values[name]) : whole;
      });
    };
    t.locale = locale;
    t.dir = own.dir || "ltr";
    return t;
  }

  // What several widgets of a page ask once: the app's brand, and the player's locale.
  var shared = {};
  function once(server, token, path) {
    var key = server + " " + token + " " + path;
    if (!shared[key]) {
      shared[key] = fetch(server + path, { headers: { Authorization: "Bearer " + token } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .catch(function () { return null; });
    }
    return shared[key];
  }

  function surroundings(element, server, token, player) {
    var chosen = language(element.getAttribute("locale"));
    var locale = chosen ? Promise.resolve(chosen) : once(server, token, "/v1/players/" + encodeURIComponent(player))
      .then(function (state) { return language(state && state.locale) || "en"; });
    var brand = once(server, token, "/v1/branding");
    return Promise.all([locale, brand]).then(function (found) {
      var accent = found[1] && found[1].accent ? found[1].accent.light : DEFAULT_ACCENT;
      return { t: translator(found[0]), accent: accent };
    });
  }

  var STYLE_TEMPLATE = [
    ":host { display: block; font-family: var(--questline-font, system-ui, sans-serif);",
    "  color: var(--questline-text, #1a1d23); }",
    ".box { background: var(--questline-surface, #fff); border: 1px solid var(--questline-border, #d7dbe2);",
    "  border-radius: var(--questline-radius, 12px); padding: .75rem 1rem; }",
    ".muted { color: var(--questline-muted, #4a5261); font-size: .85em; }",
    ".row { display: flex; justify-content: space-between; align-items: baseline; gap: .5rem; }",
    ".big { font-size: 1.5em; font-weight: 700; font-variant-numeric: tabular-nums; }",
    "progress { appearance: none; width: 100%; height: .6rem; border: 0; border-radius: 999px;",
    "  background: var(--questline-track, #e3e6ec); overflow: hidden; }",
    "progress::-webkit-progress-bar { background: var(--questline-track, #e3e6ec); }",
    "progress::-webkit-progress-value { background: var(--questline-accent, #4338ca); }",
    "progress::-moz-progress-bar { background: var(--questline-accent, #4338ca); }",
    "ul, ol { list-style: none; margin: 0; padding: 0; display: grid; gap: .5rem; }",
    ".badges { grid-template-columns: repeat(auto-fill, minmax(9rem, 1fr)); }",
    ".badge { border: 1px solid var(--questline-border, #d7dbe2); border-radius: 8px; padding: .5rem; }",
    ".badge[data-unlocked='false'] { opacity: .75; }",
    ".flame { color: #ea580c; width: 1.6em; height: 1.6em; vertical-align: middle; }",
    ".flame[data-out] { color: var(--questline-muted, #4a5261); }",
    ".risk { color: #9a3412; font-weight: 600; }",
    ".error { color: #9a3412; }",
    ".standing { display: flex; align-items: center; gap: .5rem; padding: .25rem .4rem; border-radius: 8px; }",
    ".standing[aria-current] { background: var(--questline-highlight, #e6e6fb); font-weight: 600; }",
    ".standing .rank { min-inline-size: 2ch; font-variant-numeric: tabular-nums; }",
    ".standing .name { flex: 1; min-inline-size: 0; overflow-wrap: anywhere; }",
    ".standing .score { font-variant-numeric: tabular-nums; }",
    ".avatar { flex: none; inline-size: 28px; block-size: 28px; border-radius: 50%; object-fit: cover;",
    "  background: var(--questline-track, #e3e6ec); }",
    ".avatar-none { display: inline-grid; place-items: center; font-size: .8em; font-weight: 700;",
    "  color: var(--questline-muted, #4a5261); }",
    ".tag { font-size: .75em; padding: .05rem .45rem; border-radius: 999px;",
    "  background: var(--questline-surface, #fff); border: 1px solid var(--questline-border, #d7dbe2); }",
    ".toasts { position: fixed; inset-block-end: 1rem; inset-inline-end: 1rem; display: grid; gap: .5rem;",
    "  width: min(22rem, calc(100vw - 2rem)); z-index: 2147483000; }",
    ".toast { background: var(--questline-surface, #fff); border: 1px solid var(--questline-border, #d7dbe2);",
    "  border-inline-start: 4px solid var(--questline-accent, #4338ca); border-radius: 10px;",
    "  padding: .6rem .8rem; box-shadow: 0 6px 24px rgb(0 0 0 / 18%); animation: in .35s ease-out; }",
    ".toast[data-big] { border-inline-start-color: #d97706; animation: pop .6s cubic-bezier(.2, 1.4, .4, 1); }",
    ".toast strong { display: block; }",
    "@keyframes in { from { opacity: 0; transform: translateY(1rem); } }",
    "@keyframes pop { 0% { opacity: 0; transform: scale(.6); } 70% { transform: scale(1.05); } }",
    "@media (prefers-reduced-motion: reduce) { * { animation: none !important; transition: none !important; } }"
  ].join("\n");
  // The host's --questline-accent wins; the app's brand colour is the default.
  function style(accent) { return STYLE_TEMPLATE.split(DEFAULT_ACCENT).join(accent); }
  var FLAME = "M12 2c1 3.5 5 6 5 11a5 5 0 0 1-10 0c0-2.2 1-3.9 2.3-5.2.2 1.7 1 2.9 2.2 3.4C11 8.6 10.8 5.4 12 2z";

  function el(tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function flame(out) {
    var svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("class", "flame");
    svg.setAttribute("fill", "currentColor");
    svg.setAttribute("aria-hidden", "true");
    if (out) svg.setAttribute("data-out", "");
    var path = document.createElementNS("http://www.w3.org/2000/svg", "path");
    path.setAttribute("d", FLAME);
    svg.appendChild(path);
    return svg;
  }

  /* What every widget shares: attributes, its shadow root, reading the API, refreshing
     when the player is notified of something. */
  class QuestlineElement extends HTMLElement {
    static get observedAttributes() { return ["player", "token", "server", "locale"]; }

    constructor() {
      super();
      this.root = this.attachShadow({ mode: "open" });
      this.refresh = this.refresh.bind(this);
    }

    connectedCallback() {
      this.ready = true;
      document.addEventListener(NOTIFIED, this.refresh);
      this.refresh();
    }

    disconnectedCallback() {
      this.ready = false;
      document.removeEventListener(NOTIFIED, this.refresh);
    }

    // Before it is connected (while the element upgrades) the first load is still to come.
    attributeChangedCallback(name, old, value) { if (this.ready && old !== value) this.refresh(); }

    get server() { return (this.getAttribute("server") || DEFAULT_SERVER).replace(/\/$/, ""); }

    get player() { return this.getAttribute("player") || ""; }

    read(path) {
      return this.readUrl(this.server + "/v1/players/" + encodeURIComponent(this.player) + path);
    }

    // The answer's JSON; `missing` for a 404 when the caller has something to say of it.
    readUrl(url, missing) {
      var token = this.getAttribute("token");
      var t = this.t;
      return fetch(url, { headers: { Authorization: "Bearer " + token } }).then(function (response) {
        if (response.status === 404 && missing !== undefined) return missing;
        if (!response.ok) throw new Error(t("widget.failed", { status: response.status }));
        return response.json();
      });
    }

    show(nodes, label, around) {
      this.root.textContent = "";
      this.root.appendChild(el("style", {}, [style(around.accent)]));
      var box = el("section", { "class": "box", "aria-label": label, lang: around.t.locale, dir: around.t.dir }, nodes);
      box.setAttribute("part", "box");
      this.root.appendChild(box);
      this.setAttribute("data-locale", around.t.locale);
    }

    refresh() {
      var token = this.getAttribute("token");
      if (!this.player || !token) return;
      var self = this;
      var asked = this.asked = (this.asked || 0) + 1;
      surroundings(this, this.server, token, this.player).then(function (around) {
        self.t = around.t;
        return self.load(around.t).then(function (view) {
          if (asked === self.asked) self.show(view.nodes, view.label, around);  // the latest answer only
        }).catch(function (error) {
          if (asked === self.asked) self.show([el("p", { "class": "error" }, [String(error.message || error)])], "Questline", around);
        });
      });
    }
  }

  class QuestlineProgress extends QuestlineElement {
    static get observedAttributes() { return ["player", "token", "server", "locale", "currency"]; }

    load(t) {
      var self = this;
      return this.read("").then(function (state) {
        var keys = Object.keys(state.currencies);
        var wanted = self.getAttribute("currency") ||
          keys.find(function (k) { return state.currencies[k].level; }) || keys[0];
        var currency = state.currencies[wanted];
        if (!currency) throw new Error(t("widget.no_currency", { currency: wanted }));
        var nodes = [el("div", { "class": "row" }, [
          el("span", { "class": "muted" }, [wanted.toUpperCase()]),
          el("span", { "class": "big" }, [currency.balance.toLocaleString(t.locale)])
        ])];
        var level = currency.level;
        if (level) {
          var next = level.level + 1;
          nodes.push(el("div", {}, [t("widget.level", { level: level.level })]));
          if (level.next_level_at !== null) {
            nodes.push(el("progress", {
              max: "100", value: String(level.percent),
              "aria-label": t("widget.level.label", { next: next, percent: Math.round(level.percent) })
            }));
            nodes.push(el("div", { "class": "muted" }, [
              t("widget.level.remaining", { remaining: level.remaining.toLocaleString(t.locale), next: next })
            ]));
          }
        }
        return { nodes: nodes, label: t("widget.progress", { currency: wanted }) };
      });
    }
  }

  class QuestlineStreak extends QuestlineElement {
    static get observedAttributes() { return ["player", "token", "server", "locale", "streak"]; }

    load(t) {
      var self = this;
      return this.read("/streaks").then(function (page) {
        var wanted = self.getAttribute("streak");
        var streak = page.data.find(function (s) { return !wanted || s.key === wanted; });
        if (!streak) throw new Error(t("widget.no_streak") + (wanted ? " '" + wanted + "'" : ""));
        var nodes = [el("div", {}, [flame(streak.current === 0), " ",
          el("span", { "class": "big" }, [String(streak.current)]), " ",
          streak.name || streak.key])];
        nodes.push(el("div", { "class": "muted" }, [
          t("widget.streak.details", { longest: streak.longest, freezes: streak.freezes })
        ]));
        if (streak.at_risk) nodes.push(el("div", { "class": "risk" }, [t("widget.streak.at_risk")]));
        return { nodes: nodes, label: t("widget.streak", { name: streak.name || streak.key }) };
      });
    }
  }

  class QuestlineBadges extends QuestlineElement {
    load(t) {
      // Badge names in the widget's language, where the design gives them in it.
      return this.read("/achievements?locale=" + encodeURIComponent(t.locale)).then(function (page) {
        var items = page.data.map(function (a) {
          var next = a.tiers.find(function (t) { return !t.unlocked; });
          var children = [el("strong", {}, [a.name || a.id])];
          if (next && !a.retired) {
            children.push(el("progress", {
              max: "100", value: String(next.percent),
              "aria-label": t("widget.badge.label", { name: a.name || a.id, percent: Math.round(next.percent) })
            }));
            children.push(el("div", { "class": "muted" }, [next.current + " / " + next.target]));
          } else {
            children.push(el("div", { "class": "muted" }, [t("widget.badge.unlocked")]));
          }
          return el("li", { "class": "badge", "data-unlocked": String(a.unlocked) }, children);
        });
        return { nodes: [el("ul", { "class": "badges" }, items)], label: t("widget.badges") };
      });
    }
  }

  // A player's picture, from an https address only (as on the pages); else their initial.
  function avatar(t, name, url) {
    if (url && url.indexOf("https://") === 0) {
      return el("img", {
        "class": "avatar", src: url, alt: t("widget.avatar", { name: name }), width: "28", height: "28",
        loading: "lazy", decoding: "async", referrerpolicy: "no-referrer"
      });
    }
    return el("span", { "class": "avatar avatar-none", "aria-hidden": "true" }, [(Array.from(name)[0] || "").toUpperCase()]);
  }

  /* The player's rank on every board; with `board`, that board around the player: each
     neighbour's picture and name, the player's own row marked. */
  class QuestlineLeaderboard extends QuestlineElement {
    static get observedAttributes() { return ["player", "token", "server", "locale", "board", "radius"]; }

    load(t) {
      var board = this.getAttribute("board");
      return board ? this.around(t, board) : this.ranks(t);
    }

    ranks(t) {
      return this.read("/ranks").then(function (page) {
        var rows = page.data.map(function (rank) {
          return el("li", { "class": "row" }, [
            el("span", {}, [rank.board]),
            el("span", {}, [el("span", { "class": "big" }, ["#" + rank.rank]), " ",
              el("span", { "class": "muted" }, [
                t("widget.rank.of", { players: rank.players, score: rank.score.toLocaleString(t.locale) })
              ])])
          ]);
        });
        if (!rows.length) rows = [el("li", { "class": "muted" }, [t("widget.rank.none")])];
        return { nodes: [el("ul", {}, rows)], label: t("widget.ranks") };
      });
    }

    around(t, board) {
      var player = this.player;
      var radius = Math.min(Math.max(parseInt(this.getAttribute("radius"), 10) || 2, 0), 100);
      var url = this.server + "/v1/leaderboards/" + encodeURIComponent(board) +
        "?around=" + encodeURIComponent(player) + "&radius=" + radius;
      return this.readUrl(url, null).then(function (page) {
        var label = t("widget.board", { name: (page && page.name) || board });
        if (!page) return { nodes: [el("p", { "class": "muted" }, [t("widget.board.not_on")])], label: label };
        var rows = page.data.map(function (standing) {
          var name = standing.display_name || standing.player;
          var me = standing.player === player;
          var children = [
            el("span", { "class": "rank" }, [String(standing.rank)]),
            avatar(t, name, standing.avatar_url),
            el("span", { "class": "name" }, me ? [name, " ", el("span", { "class": "tag" }, [t("widget.you")])] : [name]),
            el("span", { "class": "score" }, [standing.score.toLocaleString(t.locale)])
          ];
          var row = el("li", { "class": "standing" }, children);
          if (me) row.setAttribute("aria-current", "true");
          return row;
        });
        return { nodes: [el("ol", {}, rows)], label: label };
      });
    }
  }

  var BIG = { level_reached: true, achievement_unlocked: true, quest_completed: true };

  /* Live toasts for the player's notifications; tells the other widgets to refresh. */
  class QuestlineToasts extends HTMLElement {
    static get observedAttributes() { return ["player", "token", "server", "locale"]; }

    constructor() {
      super();
      this.root = this.attachShadow({ mode: "open" });
      this.styles = el("style", {}, [style(DEFAULT_ACCENT)]);
      this.root.appendChild(this.styles);
      this.region = el("div", { "class": "toasts", "aria-live": "polite", "aria-label": translator("en")("widget.toasts") });
      this.root.appendChild(this.region);
    }

    connectedCallback() { this.ready = true; this.open(); }

    disconnectedCallback() { this.ready = false; this.close(); }

    attributeChangedCallback(name, old, value) { if (this.ready && old !== value) this.open(); }

    close() {
      if (this.source) this.source.close();
      this.source = null;
    }

    open() {
      this.close();
      var token = this.getAttribute("token");
      var player = this.getAttribute("player");
      if (!token || !player || !window.EventSource) return;
      var server = (this.getAttribute("server") || DEFAULT_SERVER).replace(/\/$/, "");
      var url = server + "/v1/players/" + encodeURIComponent(player) +
        "/notifications/stream?access_token=" + encodeURIComponent(token);
      var self = this;
      surroundings(this, server, token, player).then(function (around) {
        self.styles.textContent = style(around.accent);
        self.region.setAttribute("aria-label", around.t("widget.toasts"));
        self.region.setAttribute("lang", around.t.locale);
        self.region.setAttribute("dir", around.t.dir);
      });
      this.source = new EventSource(url);
      this.source.addEventListener("open", function () { self.setAttribute("data-live", "open"); });
      this.source.addEventListener("notification", function (event) {
        var notification;
        try { notification = JSON.parse(event.data); } catch (e) { return; }
        self.toast(notification);
        document.dispatchEvent(new CustomEvent(NOTIFIED, { detail: notification }));
      });
    }

    toast(notification) {
      var node = el("div", { "class": "toast", role: "status", "data-kind": notification.kind || "" }, [
        el("strong", {}, [notification.title || ""]),
        el("span", { "class": "muted" }, [notification.body || ""])
      ]);
      if (BIG[notification.kind]) node.setAttribute("data-big", "");
      this.region.appendChild(node);
      while (this.region.children.length > 4) this.region.removeChild(this.region.firstChild);
      var region = this.region;
      setTimeout(function () { if (node.parentNode === region) region.removeChild(node); }, 6000);
    }
  }

  var DEFINED = {
    "questline-progress": QuestlineProgress,
    "questline-streak": QuestlineStreak,
    "questline-badges": QuestlineBadges,
    "questline-leaderboard": QuestlineLeaderboard,
    "questline-toasts": QuestlineToasts
  };
  Object.keys(DEFINED).forEach(function (name) {
    if (!customElements.get(name)) customElements.define(name, DEFINED[name]);
  });
})();
