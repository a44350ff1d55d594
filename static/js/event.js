/* wsapp event pages: the lead's roll-up kept live over Socket.IO, its actions list
 * filtered on the page, and the facilitators' link's key put into its forms.
 * No inline script, no eval: the page's CSP forbids both. */
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  /* The facilitators' link: its key travels in the #fragment, never to the server's logs. */
  function keyFromFragment() {
    const fields = document.querySelectorAll("[data-key-from-fragment]");
    if (!fields.length || !location.hash) return;
    const key = decodeURIComponent(location.hash.slice(1));
    fields.forEach(function (field) { field.value = key; });
    history.replaceState(null, "", location.pathname);
  }

  /* Two pushes about one room (or two summaries) can cross: each row carries its room's
     version (the summary, when it was read), and the newer one stays. */
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    const detail = event.detail;
    const target = detail.target;
    if (!target || !target.dataset || target.dataset.v === undefined) return;
    const fragment = detail.fragment;
    const incoming = fragment.nodeType === Node.DOCUMENT_FRAGMENT_NODE
      ? fragment.firstElementChild : fragment;
    if (incoming && Number(incoming.dataset.v) < Number(target.dataset.v)) {
      detail.shouldSwap = false;
    }
  });

  /* The actions list's filter: the same test as events.domain.action_matches, applied to
     every row on screen, again after every push. */
  function filterActions() {
    const form = document.getElementById("action-filter");
    if (!form) return;
    const team = form.elements.team.value;
    const status = form.elements.status.value;
    const words = form.elements.q.value.toLowerCase();
    let shown = 0;
    let all = 0;
    document.querySelectorAll("[id^=event-actions-] tr").forEach(function (row) {
      const match = (!team || row.dataset.team === team) &&
        (!status || row.dataset.status === status) &&
        row.dataset.text.indexOf(words) !== -1;
      row.hidden = !match;
      all += 1;
      if (match) shown += 1;
    });
    const count = document.getElementById("actions-shown");
    if (count) count.textContent = shown + " of " + all + " actions shown.";
  }

  document.addEventListener("input", function (event) {
    if (event.target.closest && event.target.closest("#action-filter")) filterActions();
  });
  document.addEventListener("submit", function (event) {
    if (event.target.id !== "action-filter") return;
    event.preventDefault();
    filterActions();
  });

  function connectEvent() {
    const body = document.body;
    const code = body.dataset.eventCode;
    if (!code || typeof io === "undefined") return;
    const status = document.getElementById("live-status");
    function setLive(state, text) {
      body.dataset.live = state;
      status.textContent = text;
    }
    const socket = io({
      transports: ["websocket", "polling"],
      auth: { kind: "event", event: code },
    });
    window.wsappSocket = socket;
    socket.on("connect", function () { setLive("connected", "Live"); });
    socket.on("disconnect", function () { setLive("offline", "Reconnecting…"); });
    socket.on("connect_error", function (error) {
      if (!socket.active) setLive("refused", error.message);
      else setLive("offline", "Reconnecting…");
    });
    /* The whole roll-up on connecting (it missed whatever came while it was away), then
       each changed room's rows and the event's summary. */
    socket.on("swap", function (message) {
      if (message.html) htmx.swap("body", message.html, { swapStyle: "none" });
      filterActions();
    });
  }

  ready(function () {
    keyFromFragment();
    filterActions();
    connectEvent();
  });
})();
