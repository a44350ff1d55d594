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

    function tabKey() {
      const bytes = new Uint8Array(8);
      crypto.getRandomValues(bytes);
      return Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
    }

    const socket = io({
      transports: ["websocket", "polling"],
      // Lets a proxy keep this tab's socket (every long-polling request of it) on one
      // process, and spread the tabs evenly over the processes (deploy/nginx.conf).
      query: { client: tabKey() },
      auth: function (send) { send({ code: code, view: body.dataset.view, v: version }); },
    });
    window.wsappSocket = socket;

    /* --- PRESENCE: this socket is alive, so its person stays online on every process.
     * The server counts a socket unheard of for WSAPP_PRESENCE_TTL (75 s) as gone. --- */
    setInterval(function () { if (socket.connected) socket.emit("heartbeat"); }, 25000);

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
          applyHeld();
        }
      });
    }

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
    /* Pushes can overtake each other (two changes finishing at once, or on two server
     * processes): one that arrives early waits, briefly, for the ones before it. A gap
     * still open after a second means a push was lost: then ask for the full state. */
    const held = new Map();  // version -> its pushes (the room's, and one's own)
    let gapTimer = null;
    function applyHeld() {
      while (held.has(version + 1)) {
        version += 1;
        held.get(version).forEach(apply);
        held.delete(version);
      }
      held.forEach(function (_pushes, v) { if (v <= version) held.delete(v); });
      if (held.size === 0) {
        clearTimeout(gapTimer);
        gapTimer = null;
      } else if (gapTimer === null) {
        gapTimer = setTimeout(function () { gapTimer = null; held.clear(); resync(); }, 1000);
      }
    }
    socket.on("swap", function (message) {
      if (message.v < version) return;          // older than what is on screen
      if (message.full || message.v <= version + 1) {  // the whole room, or the next change
        version = message.v;
        apply(message);
      } else {
        if (!held.has(message.v)) held.set(message.v, []);
        held.get(message.v).push(message);
      }
      applyHeld();
    });

    /* Never swap away the field someone is typing in; catch up when they leave it. But
       when the field itself is going (the facilitator moved the room on, or stopped the
       writing), a field that saves itself (quiet write, plan cell) is saved and let go,
       and so is an empty one: nobody should be left behind on an old phase. A note still
       being written keeps its phase until it is posted or left. */
    document.body.addEventListener("htmx:oobBeforeSwap", function (event) {
      const active = document.activeElement;
      const target = event.detail.target;
      if (!active || !target || !target.contains(active)) return;
      if (!active.matches("textarea, input[type=text], input:not([type])")) return;
      const fragment = event.detail.fragment;
      const incoming = active.id && fragment && fragment.querySelector
        ? fragment.querySelector("#" + CSS.escape(active.id)) : null;
      const going = !incoming || incoming.readOnly || incoming.disabled;
      if (going && (active.matches("[data-quiet-write], [data-plan-cell]") || !active.value.trim())) {
        active.blur();  // its focusout handlers save it first
        return;
      }
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

/* ===== DISCUSSION: every screen follows the spotlight; an open note editor stays open
 * when the team's notes are pushed around it. ===== */
(function () {
  "use strict";
  let followed = null;  // the spotlight this page last moved to
  let editorsOpen = [];

  function typing() {
    const active = document.activeElement;
    return active && active.matches("textarea, input[type=text], input:not([type])");
  }

  function followSpotlight() {
    const head = document.querySelector("[data-spotlight]");
    const key = head ? head.dataset.spotlight : null;
    if (key === followed) return;
    if (head && typing()) return;  // move once the person has finished typing
    followed = key;
    if (!head) return;
    const still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    (head.closest(".question") || head).scrollIntoView({ behavior: still ? "auto" : "smooth", block: "start" });
  }

  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    const target = event.detail.target;
    if (!target || !target.querySelectorAll) return;
    target.querySelectorAll("details.note-edit[open]").forEach(function (editor) {
      editorsOpen.push(editor.id);
    });
  });
  document.addEventListener("htmx:oobAfterSwap", function () {
    editorsOpen.forEach(function (id) {
      const editor = document.getElementById(id);
      if (editor) editor.open = true;
    });
    editorsOpen = [];
    followSpotlight();
  });

  document.addEventListener("focusout", function () { setTimeout(followSpotlight, 0); });

  if (document.readyState !== "loading") followSpotlight();
  else document.addEventListener("DOMContentLoaded", followSpotlight);
})();

/* ===== PLAN: co-edited plan cells, and the quiet write saved as it is typed =====
 * A plan cell is saved over the socket shortly after typing pauses, against the revision
 * its text came from; the server merges edits made at the same time. Its answer says what
 * the cell now holds, onto which the page carries whatever was typed meanwhile, keeping the
 * caret where it was among the words. A change pushed for the cell someone is typing in
 * is merged the same way instead of replacing their text. A quiet-write answer is saved
 * as it is typed and kept on the device until the server has it. */
(function () {
  "use strict";

  const CELL_DELAY = 500;
  const QUIET_DELAY = 800;
  const CELL_FIELD = "textarea[data-plan-cell]";
  const QUIET_FIELD = "textarea[data-quiet-write]";

  function emit(name, args, reply) {
    if (!window.wsappSocket) return;
    window.wsappSocket.emit("act", { name: name, args: args }, reply || function () {});
  }

  function flash(message) {
    const box = document.getElementById("flash");
    if (!box) return;
    const line = document.createElement("p");
    line.className = "flash-message";
    line.setAttribute("role", "alert");
    line.textContent = message;
    box.replaceChildren(line);
  }

  /* The one stretch that differs between two texts, as the lengths of the same start and end. */
  function difference(before, after) {
    const limit = Math.min(before.length, after.length);
    let head = 0;
    while (head < limit && before[head] === after[head]) head++;
    let tail = 0;
    while (tail < limit - head &&
           before[before.length - 1 - tail] === after[after.length - 1 - tail]) tail++;
    return { head: head, tail: tail };
  }

  /* Where a position in `before` lands in `after`. At the start of the change it stays put,
     so someone typing where another person's words arrive keeps typing before them. */
  function mapPosition(position, before, after, change) {
    if (position <= change.head) return position;
    if (position >= before.length - change.tail) return position + after.length - before.length;
    return after.length - change.tail;
  }

  /* Put new text in a field without moving the caret relative to the words around it. */
  function replaceText(field, text) {
    const before = field.value;
    if (before === text) return;
    if (document.activeElement !== field) {
      field.value = text;
      return;
    }
    const change = difference(before, text);
    const start = mapPosition(field.selectionStart, before, text, change);
    const end = mapPosition(field.selectionEnd, before, text, change);
    field.value = text;
    field.setSelectionRange(start, end);
  }

  /* What was typed between `sent` and `typed`, applied to the server's `saved` text. */
  function rebase(sent, typed, saved) {
    const mine = difference(sent, typed);
    const theirs = difference(sent, saved);
    const start = mapPosition(mine.head, sent, saved, theirs);
    const end = Math.max(start, mapPosition(sent.length - mine.tail, sent, saved, theirs));
    return saved.slice(0, start) + typed.slice(mine.head, typed.length - mine.tail) +
      saved.slice(end);
  }

  /* --- Plan cells --- */
  /* Per cell: the server's text at `revision`, what this person has `typed` on top of it,
     whether a save is on its way, and the newest text pushed meanwhile (`pushed`: someone
     else's save that may come after this one's). `typed` outlives the field: a swap may
     replace it. */
  const cells = new Map();

  function fieldOf(id) { return document.getElementById("plan-cell-" + id + "-text"); }

  /* The field's server text is its default value (what the page was sent) at data-revision. */
  function stateOf(field) {
    const id = Number(field.dataset.planCell);
    const revision = Number(field.dataset.revision);
    let state = cells.get(id);
    if (!state || (!state.busy && !dirty(state) && revision > state.revision)) {
      state = { id: id, revision: revision, text: field.defaultValue, typed: field.defaultValue,
                busy: false, again: false, timer: null, pushed: null };
      cells.set(id, state);
    }
    return state;
  }

  function dirty(state) { return state.typed !== state.text; }

  function show(state) {
    const field = fieldOf(state.id);
    if (!field) return;
    field.dataset.revision = String(state.revision);
    field.defaultValue = state.text;
    replaceText(field, state.typed);
  }

  function schedule(state) {
    clearTimeout(state.timer);
    state.timer = setTimeout(function () { save(state); }, CELL_DELAY);
  }

  function save(state) {
    clearTimeout(state.timer);
    state.timer = null;
    if (state.busy) { state.again = true; return; }
    if (!dirty(state)) return;
    const sent = state.typed;
    state.busy = true;
    emit("plan.cell.edit", { cell_id: state.id, base_revision: state.revision, text: sent },
      function (reply) {
        state.busy = false;
        if (!reply || !reply.ok) {
          flash((reply && reply.error) || "Not saved yet: the connection dropped.");
          return;
        }
        adopt(state, reply.cell, sent);
        const later = state.pushed;
        state.pushed = null;
        if (later && later.revision > state.revision) {
          if (dirty(state)) { save(state); return; }  // the server merges it in
          state.revision = later.revision;
          state.text = state.typed = later.text;
          show(state);
        }
        if (state.again || dirty(state)) { state.again = false; schedule(state); }
      });
  }

  /* The cell as saved, with whatever was typed since `sent` carried over onto it. */
  function adopt(state, saved, sent) {
    state.typed = state.typed === sent ? saved.text : rebase(sent, state.typed, saved.text);
    state.revision = saved.revision;
    state.text = saved.text;
    show(state);
  }

  document.addEventListener("input", function (event) {
    const field = event.target;
    if (!field.matches || !field.matches(CELL_FIELD)) return;
    const state = stateOf(field);
    state.typed = field.value;
    schedule(state);
  });

  /* A pushed cell: a field someone is typing in (or has unsaved words in) is never replaced.
     Newer text goes into it around the caret; typed words are merged on the server first. */
  document.body.addEventListener("htmx:oobBeforeSwap", function (event) {
    const target = event.detail.target;
    if (!target || !target.matches || !target.matches(CELL_FIELD)) return;
    const state = cells.get(Number(target.dataset.planCell));
    const focused = document.activeElement === target;
    if (!focused && (!state || (!state.busy && !dirty(state)))) {
      cells.delete(Number(target.dataset.planCell));
      return;
    }
    event.preventDefault();
    const next = event.detail.fragment.firstElementChild;
    if (!next) return;
    target.readOnly = next.readOnly;
    const current = state || stateOf(target);
    const revision = Number(next.dataset.revision);
    if (current.busy && revision > current.revision &&
        (!current.pushed || revision > current.pushed.revision)) {
      current.pushed = { revision: revision, text: next.value };  // dealt with once saved
    }
    if (revision <= current.revision || current.busy) return;
    if (dirty(current)) { save(current); return; }
    current.revision = revision;
    current.text = current.typed = next.value;
    show(current);
  });

  /* A cell field put back by a bigger swap (the grid, the phase) gets its unsaved words. */
  function restoreCells(root) {
    root.querySelectorAll(CELL_FIELD).forEach(function (field) {
      const state = cells.get(Number(field.dataset.planCell));
      if (state && (state.busy || dirty(state))) field.value = state.typed;
    });
  }

  /* Who is editing: tell the room when a cell gains or loses this person's caret. */
  let editing = null;
  function setEditing(id) {
    if (editing === id) return;
    editing = id;
    emit("plan.editing", { cell_id: id });
  }

  document.addEventListener("focusin", function (event) {
    const field = event.target;
    if (!field.matches || !field.matches(CELL_FIELD) || field.readOnly) return;
    stateOf(field);
    setEditing(Number(field.dataset.planCell));
  });

  document.addEventListener("focusout", function (event) {
    const field = event.target;
    if (!field.matches || !field.matches(CELL_FIELD)) return;
    const state = cells.get(Number(field.dataset.planCell));
    if (state) save(state);
    setTimeout(function () {
      const active = document.activeElement;
      if (!active || !active.matches(CELL_FIELD) || active.readOnly) setEditing(null);
    }, 0);
  });

  /* --- A cell's history, opened as a dialog --- */
  function openHistory(root) {
    const dialog = root.id === "plan-history" ? root : null;
    if (!dialog || !dialog.hasAttribute("data-open") || dialog.open) return;
    dialog.querySelectorAll("time[data-local-time]").forEach(function (time) {
      time.textContent = new Date(time.dateTime).toLocaleTimeString([], {
        hour: "2-digit", minute: "2-digit" });
    });
    dialog.showModal();
  }

  document.addEventListener("htmx:afterRequest", function (event) {
    const form = event.detail.elt;
    if (!event.detail.successful || !form.matches || !form.matches("form[data-close-dialog]")) {
      return;
    }
    const dialog = form.closest("dialog");
    if (dialog) dialog.close();
  });

  /* --- Quiet write: saved as it is typed, kept on the device until the server has it --- */
  let quietTimer = null;

  function quietKey(field) { return "wsapp:quiet:" + field.dataset.quietWrite; }

  function readLocal(field) {
    try {
      return JSON.parse(localStorage.getItem(quietKey(field)) || "null");
    } catch (error) {
      return null;
    }
  }

  function keepLocal(field, text, synced) {
    try {
      localStorage.setItem(quietKey(field), JSON.stringify({ text: text, synced: synced }));
    } catch (error) { /* private browsing: the server copy is the only one */ }
  }

  function quietStatus(text) {
    const line = document.getElementById("quiet-saved");
    if (line) line.textContent = text;
  }

  function saveQuiet(field) {
    clearTimeout(quietTimer);
    quietTimer = null;
    const text = field.value;
    emit("quiet.save", { text: text }, function (reply) {
      if (!reply || !reply.ok) {
        quietStatus((reply && reply.error) || "Not saved yet: it is kept on this device.");
        return;
      }
      const stored = readLocal(field);
      if (stored && stored.text === text) keepLocal(field, text, true);
      const current = document.querySelector(QUIET_FIELD);
      if (current && current !== document.activeElement && current.value !== text &&
          (!stored || stored.text === text)) current.value = text;
      quietStatus("Saved");
    });
  }

  document.addEventListener("input", function (event) {
    const field = event.target;
    if (!field.matches || !field.matches(QUIET_FIELD)) return;
    keepLocal(field, field.value, false);
    quietStatus("Saving…");
    clearTimeout(quietTimer);
    quietTimer = setTimeout(function () { saveQuiet(field); }, QUIET_DELAY);
  });

  function flushQuiet() {
    const field = document.querySelector(QUIET_FIELD);
    if (field && quietTimer) saveQuiet(field);
  }
  document.addEventListener("focusout", function (event) {
    if (event.target.matches && event.target.matches(QUIET_FIELD)) flushQuiet();
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") flushQuiet();
  });
  window.addEventListener("pagehide", flushQuiet);

  /* Typed but never saved (the phone slept, the page reloaded): put it back and save it. */
  function restoreQuiet(root) {
    const field = root.matches && root.matches(QUIET_FIELD) ? root : root.querySelector(QUIET_FIELD);
    if (!field) return;
    const stored = readLocal(field);
    if (!stored || stored.synced || stored.text === field.value) return;
    if (field.readOnly) {
      quietStatus("Words you typed earlier were not saved before the writing stopped.");
      return;
    }
    field.value = stored.text;
    quietStatus("Restored what you typed on this device; saving…");
    saveQuiet(field);
  }

  /* "Ana is editing" is for the others: each screen leaves its own person out. */
  function leaveOutMe(root) {
    const me = document.body.dataset.me;
    if (!me) return;
    const lines = root.matches && root.matches(".plan-cell-editing")
      ? [root] : root.querySelectorAll(".plan-cell-editing");
    lines.forEach(function (line) {
      const editors = Array.from(line.querySelectorAll(".editor"));
      const others = editors.filter(function (editor) { return editor.dataset.who !== me; });
      if (others.length === editors.length) return;
      line.textContent = "";
      if (!others.length) return;
      const pen = document.createElement("span");
      pen.setAttribute("aria-hidden", "true");
      pen.textContent = "✎ ";
      others.forEach(function (editor, index) {
        if (index) line.append(", ");
        line.append(editor);
      });
      line.prepend(pen);
      line.append(others.length === 1 ? " is editing" : " are editing");
    });
  }

  function onLoad(root) {
    leaveOutMe(root);
    restoreCells(root);
    restoreQuiet(root);
    openHistory(root);
  }

  function start() {
    htmx.onLoad(onLoad);
    if (window.wsappSocket) {
      window.wsappSocket.on("connect", function () {  // a new connection is not editing yet
        const active = document.activeElement;
        editing = null;
        if (active && active.matches(CELL_FIELD) && !active.readOnly) {
          setEditing(Number(active.dataset.planCell));
        }
      });
    }
  }

  if (document.readyState !== "loading") start();
  else document.addEventListener("DOMContentLoaded", start);
})();
