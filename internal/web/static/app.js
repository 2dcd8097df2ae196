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
  // data-move-url="…"> is a drop target. Dropping a card posts the move;
  // the server answers with the card's new HTML, or a refusal (422) that is
  // shown on the card and the card goes back.
  function initBoards(root) {
    if (typeof Sortable === "undefined") return;
    root.querySelectorAll("[data-board]").forEach(function (board) {
      if (board.dataset.wired) return;
      board.dataset.wired = "1";
      board.querySelectorAll("[data-board-list]").forEach(function (list) {
        Sortable.create(list, {
          group: board.dataset.board, animation: 120, ghostClass: "sortable-ghost",
          filter: "a, button, input", preventOnFilter: false,
          onEnd: function (ev) { if (ev.from !== ev.to || ev.oldIndex !== ev.newIndex) move(board, ev); }
        });
      });
    });
  }

  function move(board, ev) {
    var card = ev.item, body = new URLSearchParams();
    body.set("issue", card.dataset.issue);
    body.set("from", ev.from.dataset.boardList);
    body.set("to", ev.to.dataset.boardList);
    var before = card.previousElementSibling, after = card.nextElementSibling;
    if (before) body.set("after_id", before.dataset.issueId || "");
    if (after) body.set("before_id", after.dataset.issueId || "");
    card.setAttribute("aria-busy", "true");
    fetch(board.dataset.moveUrl, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true" }
    }).then(function (res) {
      return res.text().then(function (html) {
        if (res.ok) {
          card.outerHTML = html;
        } else {
          ev.from.insertBefore(card, ev.from.children[ev.oldIndex] || null);
          var old = card.querySelector(".refusal");
          if (old) old.remove();
          var p = document.createElement("p");
          p.className = "refusal"; p.setAttribute("role", "alert");
          p.textContent = res.status === 422 || res.status === 400 ? html : "The move failed (" + res.status + "). Try again.";
          card.appendChild(p);
        }
        updateCounts(board);
      });
    }).catch(function () {
      ev.from.insertBefore(card, ev.from.children[ev.oldIndex] || null);
    }).finally(function () { card.removeAttribute("aria-busy"); });
  }

  function updateCounts(board) {
    board.querySelectorAll("[data-board-list]").forEach(function (list) {
      var count = list.closest(".board-list").querySelector("[data-count]");
      if (count) count.textContent = list.querySelectorAll("[data-issue]").length;
    });
  }

  // Keyboard moves on boards: focus a card and press Alt+→ / Alt+← to
  // move it to the next or previous list.
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
    move(board, { item: card, from: from, to: to, oldIndex: oldIndex, newIndex: 0 });
    card.focus();
  });

  document.addEventListener("DOMContentLoaded", function () { initBoards(document); });
  document.addEventListener("htmx:afterSwap", function (e) { initBoards(e.target); });
})();
