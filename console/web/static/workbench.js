// The watchlist workbench: CodeMirror over the YAML textarea, `watchlist check` messages at
// their line as the analyst types (debounced, checked by the server), the try and preview
// panels without a page load, and an apply followed until the workers run it. Every form
// still posts without this script; the server renders the same results.
(function () {
  "use strict";
  var form = document.getElementById("workbench");
  var area = document.getElementById("editor");
  if (!form || !area) {
    return;
  }
  var csrf = form.querySelector("input[name=csrf_token]").value;
  var readOnly = area.hasAttribute("readonly");
  var editor = null;
  if (window.CodeMirror) {
    editor = window.CodeMirror.fromTextArea(area, {
      mode: "yaml",
      lineNumbers: true,
      indentUnit: 2,
      tabSize: 2,
      readOnly: readOnly,
      extraKeys: {
        Tab: function (cm) { cm.replaceSelection("  "); },
        // Esc then Tab leaves the editor: keyboard users are never trapped in it
        Esc: function (cm) { cm.getInputField().blur(); }
      }
    });
    editor.getWrapperElement().setAttribute("aria-label", "Watchlist YAML editor");
  }

  function text() {
    if (editor) {
      editor.save();
    }
    return area.value;
  }

  function post(url, fields) {
    var body = new URLSearchParams();
    body.set("csrf_token", csrf);
    Object.keys(fields).forEach(function (k) { body.set(k, fields[k]); });
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded" },
      body: body.toString()
    }).then(function (r) {
      return r.text().then(function (t) {
        var data;
        try { data = JSON.parse(t); } catch (e) { data = { detail: t }; }
        data._status = r.status;
        return data;
      });
    });
  }

  function el(tag, cls, content) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (content !== undefined) { e.textContent = content; }
    return e;
  }

  // -- live check --------------------------------------------------------------------------
  var issues = document.getElementById("issues");
  var summary = document.getElementById("check-summary");
  var marked = [];
  var timer = null;
  var asked = 0;

  function mark(list, cls) {
    list.forEach(function (i) {
      if (editor && i.line) {
        var handle = editor.addLineClass(i.line - 1, "background", cls);
        marked.push(handle);
      }
    });
  }

  function showCheck(result) {
    marked.forEach(function (h) { editor.removeLineClass(h, "background"); });
    marked = [];
    issues.textContent = "";
    if (result._status >= 400 && !result.errors) {
      summary.className = "error";
      summary.textContent = result.detail || "the check failed";
      return;
    }
    result.errors.forEach(function (i) {
      var li = el("li", "issue error", i.text);
      li.setAttribute("data-line", i.line || "");
      issues.appendChild(li);
    });
    result.warnings.forEach(function (i) {
      var li = el("li", "issue warning", "warning: " + i.text);
      li.setAttribute("data-line", i.line || "");
      issues.appendChild(li);
    });
    mark(result.errors, "line-error");
    mark(result.warnings, "line-warning");
    summary.className = result.ok ? "ok" : "error";
    summary.textContent = result.ok ? "ok — " + result.summary : result.errors.length + " error(s): not applicable";
  }

  function check() {
    var mine = ++asked;
    post("/watchlist/check", { text: text() }).then(function (result) {
      if (mine === asked) {
        showCheck(result);
      }
    });
  }

  if (editor && !readOnly) {
    editor.on("change", function () {
      clearTimeout(timer);
      timer = setTimeout(check, 400);
    });
  }
  issues.addEventListener("click", function (event) {
    var line = event.target.getAttribute && event.target.getAttribute("data-line");
    if (editor && line) {
      editor.focus();
      editor.setCursor({ line: Number(line) - 1, ch: 0 });
    }
  });

  // -- try ---------------------------------------------------------------------------------
  var tryButton = document.getElementById("try-button");
  var tried = document.getElementById("tried");

  function side(label, id, r) {
    var s = el("section", "try-side");
    s.id = id;
    s.appendChild(el("h3", "", label));
    if (!r.ok) {
      s.appendChild(el("p", "error", r.error));
      return s;
    }
    var p = el("p", "try-text");
    r.segments.forEach(function (piece) {
      p.appendChild(piece[1] ? el("mark", "evidence", piece[0]) : document.createTextNode(piece[0]));
    });
    s.appendChild(p);
    s.appendChild(el("pre", "explanation", r.explanation));
    return s;
  }

  if (tryButton) {
    tryButton.addEventListener("click", function (event) {
      event.preventDefault();
      tried.textContent = "trying…";
      post("/watchlist/try", {
        text: text(),
        try_text: document.getElementById("try-text").value,
        lang: document.getElementById("try-lang").value
      }).then(function (r) {
        tried.textContent = "";
        if (r._status >= 400) {
          tried.appendChild(el("p", "error", r.detail));
          return;
        }
        tried.appendChild(side("Live", "try-live", r.live));
        tried.appendChild(side("Edited", "try-edited", r.edited));
      });
    });
  }

  // -- preview -----------------------------------------------------------------------------
  var previewButton = document.getElementById("preview-button");
  var cancelButton = document.getElementById("preview-cancel");
  var bar = document.getElementById("preview-progress");
  var status = document.getElementById("preview-status");
  var result = document.getElementById("preview-result");
  var job = null;

  function describe(c) {
    if (!c.alert) { return "—"; }
    return c.severity + " · " + c.rules.join(", ") + " · " + c.actors.concat(c.regions, c.escalations).join(", ");
  }

  function showPreview(p) {
    if (p.total) {
      bar.max = p.total;
      bar.value = p.done;
    }
    status.textContent = p.state + ": " + p.done + (p.total ? " of " + p.total : "") + " items read in " + p.seconds + " s";
    if (p.state === "running") {
      return;
    }
    bar.hidden = true;
    cancelButton.hidden = true;
    previewButton.disabled = false;
    result.textContent = "";
    var box = el("div", "preview-result");
    box.id = "preview";
    box.setAttribute("data-state", p.state);
    if (p.error) { box.appendChild(el("p", "error", p.error)); }
    if (p.summary) {
      var s = p.summary;
      var line = el("p", "", "alerts " + s.alerts_before + " → " + s.alerts_after + ": " + s.added + " added, " +
        s.removed + " removed, " + s.changed + " changed" + (s.stopped ? " — stopped early (" + s.stopped + ")" : ""));
      line.id = "preview-summary";
      box.appendChild(line);
    }
    if (p.changes.length) {
      var table = el("table", "changes");
      table.id = "preview-changes";
      var head = table.createTHead().insertRow();
      ["Change", "Item", "Before", "After"].forEach(function (h) { head.appendChild(el("th", "", h)); });
      var body = table.createTBody();
      p.changes.forEach(function (c) {
        var row = body.insertRow();
        row.className = "change change-" + c.change;
        [c.change, c.title || c.id, describe(c.before), describe(c.after)].forEach(function (v) {
          row.insertCell().textContent = v;
        });
        row.cells[1].title = c.id;
      });
      box.appendChild(table);
    }
    result.appendChild(box);
  }

  function poll() {
    if (!job) { return; }
    fetch("/watchlist/previews/" + encodeURIComponent(job), {
      credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(function (r) { return r.json(); }).then(function (p) {
      if (p.id !== job) { return; }
      showPreview(p);
      if (p.state === "running") {
        setTimeout(poll, 500);
      }
    });
  }

  if (previewButton) {
    previewButton.addEventListener("click", function (event) {
      event.preventDefault();
      result.textContent = "";
      post("/watchlist/preview", { text: text(), hours: document.getElementById("preview-hours").value })
        .then(function (p) {
          if (p._status >= 400) {
            status.textContent = p.detail;
            return;
          }
          job = p.id;
          bar.hidden = false;
          bar.removeAttribute("value");
          cancelButton.hidden = false;
          previewButton.disabled = true;
          showPreview(p);
          setTimeout(poll, 300);
        });
    });
    cancelButton.addEventListener("click", function () {
      if (job) {
        post("/watchlist/previews/" + encodeURIComponent(job) + "/cancel", {}).then(showPreview);
      }
    });
  }

  // -- apply: follow the rollout -------------------------------------------------------------
  var rollout = document.getElementById("rollout");
  if (rollout && rollout.getAttribute("data-follow") === "on") {
    var started = Date.now();
    var follow = function () {
      fetch("/watchlist/status", { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (s) {
          rollout.textContent = s.text;
          var done = s.of > 0 && s.on === s.of;
          if (!done && Date.now() - started < 120000) {
            setTimeout(follow, 500);
          }
        });
    };
    follow();
  }

  // keep the editor's text in the form for the buttons that still post (apply, no-JS paths)
  form.addEventListener("submit", function () { text(); });
})();
