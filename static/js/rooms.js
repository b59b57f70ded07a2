// Live rooms: mark this person's own votes after every swap (pushed HTML is shared by everyone),
// remove duplicates that a replayed insert may leave, and reset forms after a successful post.
(function () {
  "use strict";
  var mine = new Set();

  // Reconnect after a drop or a deploy with exponential backoff and full jitter, like htmx's
  // default, but capped at 8 s (its cap is 64 s): a restarted server is not hit by every client at
  // once, and nobody waits a minute for it.
  if (window.htmx) {
    htmx.config.wsReconnectDelay = function (retries) {
      return Math.random() * 1000 * Math.min(8, Math.pow(2, retries));
    };
  }

  function readMine() {
    var me = document.getElementById("room-me");
    if (me) mine = new Set((me.dataset.votes || "").split(" ").filter(Boolean));
  }

  function writeMine() {
    var me = document.getElementById("room-me");
    if (me) me.dataset.votes = Array.from(mine).join(" ");
  }

  function apply() {
    var seen = {};
    document.querySelectorAll("#question-list > li[id]").forEach(function (li) {
      if (seen[li.id]) li.remove(); else seen[li.id] = true;
    });
    document.querySelectorAll("form.vote-form").forEach(function (form) {
      var on = mine.has(form.dataset.question);
      var button = form.querySelector("button");
      var up = form.querySelector("input[name=up]");
      if (button) button.setAttribute("aria-pressed", on ? "true" : "false");
      if (up) up.value = on ? "0" : "1";
    });
  }

  document.addEventListener("htmx:wsAfterMessage", function () { readMine(); apply(); });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.target;
    if (!event.detail.successful || !(form instanceof HTMLFormElement)) return;
    if (form.classList.contains("vote-form")) {
      var up = form.querySelector("input[name=up]");
      if (up && up.value === "1") mine.add(form.dataset.question); else mine.delete(form.dataset.question);
      writeMine();
      apply();
    } else if (form.hasAttribute("data-reset")) {
      form.reset();
    }
  });
  document.addEventListener("DOMContentLoaded", function () { readMine(); apply(); });
})();
