// Cairn's page behaviour, loaded on every page. No inline scripts anywhere
// (the Content-Security-Policy forbids them): pages declare behaviour with
// data- attributes and this file wires it up.
(function () {
  "use strict";

  // Select a read-only field's text on focus (new token secrets).
  document.addEventListener("focusin", function (e) {
    if (e.target.matches && e.target.matches("[data-select-on-focus]")) e.target.select();
  });

  // Ask before destructive form submissions: <form data-confirm="…">.
  document.addEventListener("submit", function (e) {
    var msg = e.target.getAttribute && e.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) e.preventDefault();
  });

  // Boards: every <ul data-board-list="value"> inside <div data-board
  // data-move-url="…"> is a drop target. Dropping a card posts the move
  // (issue, from, to, after_id, before_id); the server answers with the
  // card's new HTML, or a plain-text refusal (422: the rules refuse, as the
  // ready gate does; 403: not allowed) that is shown on the card, and the
  // card goes back. Sortable's fallback mode drags with mouse and touch
  // events rather than HTML5 drag and drop: it behaves the same in every
  // browser, and a click on the title still opens the issue.
  function initBoards(root) {
    if (typeof Sortable === "undefined") return;
    root.querySelectorAll("[data-board]").forEach(function (board) {
      if (board.dataset.wired) return;
      board.dataset.wired = "1";
      board.querySelectorAll("[data-board-list]").forEach(function (list) {
        Sortable.create(list, {
          group: board.dataset.board, animation: 120, ghostClass: "sortable-ghost", chosenClass: "sortable-chosen",
          forceFallback: true, fallbackClass: "sortable-fallback", fallbackTolerance: 4,
          filter: "button, input, select", preventOnFilter: false,
          onEnd: function (ev) { if (ev.from !== ev.to || ev.oldIndex !== ev.newIndex) move(board, ev); }
        });
      });
    });
  }

  function listTitle(list) {
    return list.getAttribute("aria-label") || list.dataset.boardList || "the list";
  }

  function announce(board, text) {
    var status = board.parentElement.querySelector("[data-board-status]");
    if (status) status.textContent = text;
  }

  function move(board, ev) {
    var card = ev.item, body = new URLSearchParams(), hadFocus = card.contains(document.activeElement);
    var title = (card.querySelector(".card-title") || card).textContent.trim();
    body.set("issue", card.dataset.issue);
    body.set("from", ev.from.dataset.boardList);
    body.set("to", ev.to.dataset.boardList);
    var before = card.previousElementSibling, after = card.nextElementSibling;
    if (before) body.set("after_id", before.dataset.issueId || "");
    if (after) body.set("before_id", after.dataset.issueId || "");
    var old = card.querySelector(".refusal");
    if (old) old.remove();
    card.setAttribute("aria-busy", "true");
    fetch(board.dataset.moveUrl, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true" }
    }).then(function (res) {
      // A session that ended sends the sign-in page: go there.
      if (res.redirected) { window.location.reload(); return; }
      return res.text().then(function (text) {
        if (res.ok) {
          var tpl = document.createElement("template");
          tpl.innerHTML = text.trim();
          var fresh = tpl.content.firstElementChild;
          if (fresh) {
            card.replaceWith(fresh);
            if (hadFocus) fresh.focus();
          }
          if (ev.from !== ev.to) {
            count(ev.from, -1); count(ev.to, 1);
            announce(board, "Moved “" + title + "” to " + listTitle(ev.to) + ".");
          }
          return;
        }
        putBack(card, ev);
        var p = document.createElement("p");
        p.className = "refusal"; p.setAttribute("role", "alert");
        var plain = (res.headers.get("Content-Type") || "").indexOf("text/plain") === 0;
        p.textContent = plain && text ? text : "The move failed (" + res.status + "). Try again.";
        card.appendChild(p);
        if (hadFocus) card.focus();
      });
    }).catch(function () {
      putBack(card, ev);
      announce(board, "The move failed: the server did not answer.");
    }).finally(function () { card.removeAttribute("aria-busy"); });
  }

  // putBack returns a refused card to where it was.
  function putBack(card, ev) {
    ev.from.insertBefore(card, ev.from.children[ev.oldIndex] || null);
  }

  // count adds delta to a list's total (the header shows the total, which
  // may be more than the cards shown).
  function count(list, delta) {
    var el = list.closest(".board-list").querySelector("[data-count]");
    if (!el) return;
    var n = parseInt(el.textContent, 10);
    if (!isNaN(n)) el.textContent = String(Math.max(0, n + delta)) + (el.textContent.indexOf("+") >= 0 ? "+" : "");
  }

  // Keyboard moves on boards: focus a card and press Alt+→ / Alt+← to
  // move it to the top of the next or previous list.
  document.addEventListener("keydown", function (e) {
    if (!e.altKey || (e.key !== "ArrowRight" && e.key !== "ArrowLeft")) return;
    var card = e.target.closest && e.target.closest("[data-issue]");
    var board = card && card.closest("[data-board]");
    if (!board) return;
    var lists = Array.prototype.slice.call(board.querySelectorAll("[data-board-list]"));
    var from = card.parentElement, i = lists.indexOf(from), to = lists[i + (e.key === "ArrowRight" ? 1 : -1)];
    if (!to) return;
    e.preventDefault();
    var oldIndex = Array.prototype.indexOf.call(from.children, card);
    to.insertBefore(card, to.firstChild);
    card.focus();
    move(board, { item: card, from: from, to: to, oldIndex: oldIndex, newIndex: 0 });
  });

  // Filter forms that apply on change: <form data-autosubmit>.
  document.addEventListener("change", function (e) {
    var form = e.target.form;
    if (form && form.hasAttribute("data-autosubmit") && e.target.matches("select")) form.requestSubmit();
  });

  // Controls only needed without htmx (the new issue form's "Use
  // template" button, which htmx's template picker replaces): hidden once
  // htmx has loaded.
  document.addEventListener("DOMContentLoaded", function () {
    if (!window.htmx) return;
    document.querySelectorAll("[data-without-htmx]").forEach(function (el) { el.hidden = true; });
  });

  // A link to a collapsed section opens it: the status pages and My work
  // link to an issue's status update form (<details id="status-update">),
  // which is only open by itself for the issue's assignees.
  function openTarget() {
    var id = window.location.hash.slice(1), el;
    try { el = id && document.getElementById(decodeURIComponent(id)); } catch (err) { return; }
    if (el && el.tagName === "DETAILS" && !el.open) { el.open = true; el.scrollIntoView(); }
  }
  document.addEventListener("DOMContentLoaded", openTarget);
  window.addEventListener("hashchange", openTarget);

  document.addEventListener("DOMContentLoaded", function () { initBoards(document); });
  document.addEventListener("htmx:afterSwap", function (e) { initBoards(e.target); });
})();
