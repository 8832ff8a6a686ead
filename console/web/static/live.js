// Live alerts for the alerts page: new revisions arrive over Server-Sent Events (/events) as
// rows the server rendered and escaped; this inserts them at the top of #alerts and keeps
// the page title counting unread critical/high alerts: "(3) Wirewatch". Without JavaScript
// the page still lists, filters and pages; it just does not update by itself.
(function () {
  "use strict";
  var table = document.getElementById("alerts");
  if (!table || table.getAttribute("data-live") !== "on" || !window.EventSource) {
    return;
  }
  var body = table.tBodies[0];
  var status = document.getElementById("live-status");
  var markRead = document.getElementById("mark-read");
  var base = document.title.replace(/^\(\d+\) /, "");
  var unread = 0;
  var wasHidden = document.hidden;

  function showCount() {
    document.title = (unread > 0 ? "(" + unread + ") " : "") + base;
    if (markRead) {
      markRead.hidden = unread === 0;
    }
  }

  function readAll() {
    unread = 0;
    var rows = body.querySelectorAll("tr.unread");
    for (var i = 0; i < rows.length; i++) {
      rows[i].classList.remove("unread");
    }
    showCount();
  }

  function setStatus(text) {
    if (status) {
      status.textContent = text;
    }
  }

  var params = new URLSearchParams(window.location.search);
  params.delete("page");
  // what was stored after this page was rendered comes first (reconnects use Last-Event-ID)
  var cursor = table.getAttribute("data-cursor");
  if (cursor) {
    params.set("cursor", cursor);
  }
  var query = params.toString();
  var source = new EventSource("/events" + (query ? "?" + query : ""));

  source.addEventListener("open", function () {
    setStatus("live");
  });
  source.addEventListener("error", function () {
    setStatus("reconnecting…");
  });
  source.addEventListener("reload", function () {
    window.location.reload();
  });
  source.addEventListener("alert", function (event) {
    var data;
    try {
      data = JSON.parse(event.data);
    } catch (e) {
      return;
    }
    var rows = body.querySelectorAll("tr.alert");
    for (var i = 0; i < rows.length; i++) {
      if (rows[i].getAttribute("data-alert-id") === data.alert_id) {
        return;
      }
    }
    var holder = document.createElement("tbody");
    holder.innerHTML = data.html; // rendered and escaped by the server
    var row = holder.querySelector("tr.alert");
    if (!row) {
      return;
    }
    row.classList.add("unread");
    body.insertBefore(row, body.firstChild);
    var empty = document.getElementById("no-alerts");
    if (empty) {
      empty.remove();
    }
    if (data.severity === "critical" || data.severity === "high") {
      unread += 1;
      showCount();
    }
  });

  if (markRead) {
    markRead.addEventListener("click", readAll);
  }
  // Coming back to a tab that was hidden counts as having seen what arrived meanwhile.
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) {
      wasHidden = true;
    } else if (wasHidden) {
      wasHidden = false;
      readAll();
    }
  });
})();
