// The design editor over a plain <textarea> (which stays the form's field and the thing
// a screen reader and the keyboard use): a gutter of line numbers and a highlighted copy
// of the text drawn behind it, both hidden from assistive technology, and the draft
// checked as you type by the same validation as POST /v1/config/validate, each problem
// marked at its line and listed with its line and column.
(function () {
  "use strict";
  var DELAY_MS = 400;

  function escapeHtml(text) {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  // One YAML line: indentation, an optional list dash, a key, then a value or a comment.
  var LINE = /^(\s*)(- )?(?:([A-Za-z0-9_.\-"' ]+?)(:)(?=\s|$))?(.*)$/;
  var VALUE = /("(?:[^"\\]|\\.)*"|'(?:[^']|'')*')|(#.*$)|(\b(?:true|false|null)\b)|(-?\b\d+(?:\.\d+)?\b)/g;

  function highlightValue(text) {
    var out = "";
    var last = 0;
    VALUE.lastIndex = 0;
    var match;
    while ((match = VALUE.exec(text)) !== null) {
      if (match[2] !== undefined && match.index > 0 && !/\s/.test(text[match.index - 1])) continue;
      out += escapeHtml(text.slice(last, match.index));
      var kind = match[1] !== undefined ? "str" : match[2] !== undefined ? "comment"
        : match[3] !== undefined ? "lit" : "num";
      out += '<span class="hl-' + kind + '">' + escapeHtml(match[0]) + "</span>";
      last = match.index + match[0].length;
    }
    return out + escapeHtml(text.slice(last));
  }

  function highlightLine(line) {
    if (/^\s*#/.test(line)) return '<span class="hl-comment">' + escapeHtml(line) + "</span>";
    var m = LINE.exec(line);
    if (!m) return escapeHtml(line);
    var out = escapeHtml(m[1]);
    if (m[2]) out += '<span class="hl-dash">- </span>';
    if (m[3] !== undefined) out += '<span class="hl-key">' + escapeHtml(m[3]) + "</span>:";
    return out + highlightValue(m[5]);
  }

  function attach(textarea) {
    var wrapper = textarea.parentNode;
    var gutter = document.createElement("div");
    gutter.className = "editor__gutter";
    gutter.setAttribute("aria-hidden", "true");
    var layer = document.createElement("pre");
    layer.className = "editor__highlight";
    layer.setAttribute("aria-hidden", "true");
    wrapper.insertBefore(gutter, textarea);
    wrapper.insertBefore(layer, textarea);
    wrapper.classList.add("editor--on");

    var problemsList = document.getElementById("problems");
    var statusLine = document.getElementById("check-status");
    var diffBox = document.getElementById("draft-diff");
    var csrf = document.querySelector('meta[name="csrf-token"]');
    var url = textarea.getAttribute("data-validate");
    var marked = {};  // line number -> messages
    var timer = null;
    var sent = 0;

    function problemsFromPage() {
      marked = {};
      if (!problemsList) return;
      problemsList.querySelectorAll("li[data-line]").forEach(function (item) {
        var line = Number(item.getAttribute("data-line"));
        if (line) (marked[line] = marked[line] || []).push(item.textContent.trim());
      });
    }

    function draw() {
      var lines = textarea.value.split("\n");
      var numbers = "";
      var html = "";
      for (var i = 0; i < lines.length; i++) {
        var n = i + 1;
        var bad = marked[n] ? " is-error" : "";
        numbers += '<span class="editor__num' + bad + '" data-line="' + n + '">' + n + "</span>";
        html += '<span class="editor__line' + bad + '">' + highlightLine(lines[i]) + "\n</span>";
      }
      gutter.innerHTML = numbers;
      layer.innerHTML = html;
      follow();
    }

    function follow() {
      layer.scrollTop = textarea.scrollTop;
      layer.scrollLeft = textarea.scrollLeft;
      gutter.scrollTop = textarea.scrollTop;
    }

    function goTo(line, column) {
      var lines = textarea.value.split("\n");
      var offset = 0;
      for (var i = 0; i < line - 1 && i < lines.length; i++) offset += lines[i].length + 1;
      offset += Math.max(0, (column || 1) - 1);
      textarea.focus();
      textarea.setSelectionRange(offset, offset);
      var lineHeight = parseFloat(window.getComputedStyle(textarea).lineHeight) || 20;
      textarea.scrollTop = Math.max(0, (line - 3) * lineHeight);
      follow();
    }

    function showProblems(problems) {
      marked = {};
      problemsList.innerHTML = "";
      problems.forEach(function (p) {
        if (p.line) (marked[p.line] = marked[p.line] || []).push(p.message);
        var item = document.createElement("li");
        item.className = "problem";
        if (p.line) {
          item.setAttribute("data-line", p.line);
          item.setAttribute("data-column", p.column || 1);
          var at = document.createElement("button");
          at.type = "button";
          at.className = "problem__at";
          at.textContent = "line " + p.line + ", column " + (p.column || 1);
          at.addEventListener("click", function () { goTo(p.line, p.column); });
          item.appendChild(at);
          item.appendChild(document.createTextNode(" "));
        }
        if (p.where) {
          var where = document.createElement("code");
          where.textContent = p.where;
          item.appendChild(where);
          item.appendChild(document.createTextNode(" "));
        }
        var message = document.createElement("span");
        message.className = "problem__message";
        message.textContent = p.message;
        item.appendChild(message);
        problemsList.appendChild(item);
      });
    }

    function showDiff(result) {
      if (!diffBox) return;
      diffBox.innerHTML = "";
      if (!result.valid) return;
      if (!result.diff) {
        var same = document.createElement("p");
        same.className = "muted";
        same.textContent = result.current_version ? "No changes from version " + result.current_version + "." : "Nothing is published yet.";
        diffBox.appendChild(same);
        return;
      }
      var pre = document.createElement("pre");
      pre.className = "diff";
      pre.tabIndex = 0;
      pre.setAttribute("aria-label", "Changes from the current version");
      result.diff.split("\n").forEach(function (line) {
        var span = document.createElement("span");
        var kind = /^(\+\+\+|---)/.test(line) ? "head" : /^@@/.test(line) ? "hunk"
          : /^\+/.test(line) ? "add" : /^-/.test(line) ? "remove" : "same";
        span.className = "diff__" + kind;
        span.textContent = line;
        pre.appendChild(span);
        pre.appendChild(document.createTextNode("\n"));
      });
      diffBox.appendChild(pre);
    }

    function check() {
      var ticket = ++sent;
      statusLine.textContent = "Checking…";
      statusLine.className = "check";
      fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json",
                   "X-CSRF-Token": csrf ? csrf.getAttribute("content") : "" },
        body: JSON.stringify({ source: textarea.value })
      }).then(function (response) {
        if (!response.ok) throw new Error("status " + response.status);
        return response.json();
      }).then(function (result) {
        if (ticket !== sent) return;  // an older answer, overtaken by the text since
        showProblems(result.problems);
        showDiff(result);
        statusLine.textContent = result.valid ? "Valid: " + result.summary
          : result.problems.length + " problem(s)";
        statusLine.className = "check check--" + (result.valid ? "ok" : "error");
        draw();
      }).catch(function () {
        if (ticket !== sent) return;
        statusLine.textContent = "Could not check the draft just now; it is checked again when you publish.";
        statusLine.className = "check";
      });
    }

    textarea.addEventListener("input", function () {
      draw();
      if (!url) return;
      window.clearTimeout(timer);
      timer = window.setTimeout(check, DELAY_MS);
    });
    textarea.addEventListener("scroll", follow);
    textarea.addEventListener("keydown", function (event) {
      // Tab indents by two spaces (YAML has no tabs); Escape then Tab leaves the editor.
      if (event.key === "Tab" && !event.shiftKey && !textarea.readOnly && textarea.dataset.escaped !== "1") {
        event.preventDefault();
        var start = textarea.selectionStart;
        textarea.setRangeText("  ", start, textarea.selectionEnd, "end");
        textarea.dispatchEvent(new Event("input"));
      }
      textarea.dataset.escaped = event.key === "Escape" ? "1" : "0";
    });
    if (problemsList) {
      problemsList.addEventListener("click", function (event) {
        var item = event.target.closest("li[data-line]");
        if (item && item.getAttribute("data-line") && event.target.tagName !== "BUTTON") {
          goTo(Number(item.getAttribute("data-line")), Number(item.getAttribute("data-column")));
        }
      });
    }
    problemsFromPage();
    draw();
  }

  window.QuestlineEditor = { attach: attach };
})();
