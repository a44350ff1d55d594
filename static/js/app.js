/* wsapp client: keeps a room page in step with the server over Socket.IO.
 * The server pushes rendered fragments ({v, html}); htmx swaps them out of band.
 * No inline script, no eval: the page's CSP forbids both. */
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  /* --- Facilitator link: the key travels in the #fragment, never to the server's logs --- */
  function claimFromFragment() {
    const form = document.getElementById("claim-form");
    if (!form || !location.hash) return;
    form.querySelector("[name=key]").value = decodeURIComponent(location.hash.slice(1));
    history.replaceState(null, "", location.pathname);
    form.submit();
  }

  /* --- Copy buttons --- */
  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-copy]");
    if (!button) return;
    const field = document.getElementById(button.dataset.copy);
    const done = function () {
      const label = button.textContent;
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = label; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done);
    } else {
      field.type = "text";
      field.select();
      document.execCommand("copy");
      done();
    }
  });

  /* --- Forms marked data-reset clear themselves once the server accepted them --- */
  document.addEventListener("htmx:afterRequest", function (event) {
    const form = event.detail.elt;
    if (event.detail.successful && form.matches && form.matches("form[data-reset]")) {
      form.reset();
    }
  });

  /* --- Timers: anchored on the server's clock, ticking on every screen alike --- */
  function formatSeconds(total) {
    const minutes = Math.floor(total / 60);
    const seconds = total % 60;
    return minutes + ":" + String(seconds).padStart(2, "0");
  }

  function initTimer(face) {
    face.wsOffset = Number(face.dataset.serverNow) - Date.now();
  }

  function tickTimers() {
    document.querySelectorAll("[data-timer][data-ends-at]").forEach(function (face) {
      if (face.wsOffset === undefined) initTimer(face);
      const left = Math.max(0, Math.round(
        (Number(face.dataset.endsAt) - (Date.now() + face.wsOffset)) / 1000));
      const clock = face.querySelector("[data-timer-clock]");
      const text = formatSeconds(left);
      if (clock.textContent !== text) clock.textContent = text;
      const state = face.querySelector("[data-timer-state]");
      const stateText = left === 0 ? "Time's up" : "Running";
      if (state.textContent !== stateText) state.textContent = stateText;
      face.classList.toggle("timer-done", left === 0);
    });
  }

  /* --- Live room --- */
  function connectRoom() {
    const body = document.body;
    const code = body.dataset.roomCode;
    if (!code || typeof io === "undefined") return;
    const status = document.getElementById("live-status");
    let version = Number(body.dataset.version);
    let resyncing = false;
    let deferredWhileTyping = false;

    function setLive(state, text) {
      body.dataset.live = state;
      status.textContent = text;
    }

    const socket = io({
      transports: ["websocket", "polling"],
      auth: function (send) { send({ code: code, view: body.dataset.view, v: version }); },
    });
    window.wsappSocket = socket;

    function apply(message) {
      if (message.html) htmx.swap("body", message.html, { swapStyle: "none" });
    }

    function resync() {
      if (resyncing) return;
      resyncing = true;
      socket.emit("resync", function (reply) {
        resyncing = false;
        if (reply && reply.ok) {
          version = Math.max(version, reply.v);
          apply(reply);
        }
      });
    }
    window.wsappResync = resync;

    socket.on("connect", function () { setLive("connected", "Live"); });
    socket.on("disconnect", function (reason) {
      if (body.dataset.live !== "removed") setLive("offline", "Reconnecting…");
      if (reason === "io server disconnect" && body.dataset.live !== "removed") socket.connect();
    });
    socket.on("connect_error", function (error) {
      if (!socket.active) setLive("refused", error.message);
      else setLive("offline", "Reconnecting…");
    });
    socket.on("removed", function (message) {
      setLive("removed", message.message);
      socket.disconnect();
    });
    socket.on("swap", function (message) {
      if (message.v < version) return;          // older than what is on screen
      const missed = message.v > version + 1;   // a change never reached us
      version = message.v;
      apply(message);
      if (missed) resync();
    });

    /* Never swap away the field someone is typing in; catch up when they leave it. */
    document.body.addEventListener("htmx:oobBeforeSwap", function (event) {
      const active = document.activeElement;
      const target = event.detail.target;
      if (!active || !target || !target.contains(active)) return;
      if (!active.matches("textarea, input[type=text], input:not([type])")) return;
      event.preventDefault();
      deferredWhileTyping = true;
    });
    document.addEventListener("focusout", function () {
      if (!deferredWhileTyping) return;
      deferredWhileTyping = false;
      setTimeout(resync, 0);
    });
  }

  ready(function () {
    claimFromFragment();
    connectRoom();
    htmx.onLoad(function (element) {
      element.querySelectorAll("[data-timer]").forEach(initTimer);
      if (element.matches && element.matches("[data-timer]")) initTimer(element);
    });
    setInterval(tickTimers, 250);
  });
})();
