/* wsapp client: keeps a room page in step with the server over Socket.IO.
 * The server pushes rendered fragments ({v, html}); htmx swaps them out of band.
 * No inline script, no eval: the page's CSP forbids both.
 *
 * Sections, one per feature:
 *   PAGE        facilitator link, copy buttons, forms that clear themselves
 *   LIVE ROOM   the socket, pushes put in version order, a gap resynced, presence
 *   TYPING      the one swap policy: what a push does to what someone is typing
 *   TIMER       one clock on every screen
 *   POSTERS     (dot buttons and forms are plain htmx; a phone's one poster at a time is
 *               static/js/posters.js)
 *   DISCUSSION  notes: every screen follows the spotlight
 *   PLAN        co-edited plan cells, a cell's history
 *   QUIET WRITE saved as it is typed, kept on the device until the server has it
 *   EXPORT      (no script: downloads are links)
 *   PROJECTOR   each phase a slide: what does not fit is paged, never scrolled; a
 *               high-contrast theme remembered on the projector
 * What a screen reader is told after a push, and where the focus goes, is
 * static/js/announce.js for every feature. Each feature's style is its section of the same
 * name in static/css/app.css. */
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  /* ===== PAGE ===== */

  /* Facilitator link: the key travels in the #fragment, never to the server's logs. */
  function claimFromFragment() {
    const form = document.getElementById("claim-form");
    if (!form || !location.hash) return;
    form.querySelector("[name=key]").value = decodeURIComponent(location.hash.slice(1));
    history.replaceState(null, "", location.pathname);
    form.submit();
  }

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

  /* Forms marked data-reset clear themselves once the server accepted them. */
  document.addEventListener("htmx:afterRequest", function (event) {
    const form = event.detail.elt;
    if (event.detail.successful && form.matches && form.matches("form[data-reset]")) {
      form.reset();
    }
  });

  /* ===== LIVE ROOM: the socket, pushes in version order, presence ===== */
  let socket = null;

  /* Send an action over the socket; `reply` gets its answer. */
  function act(name, args, reply) {
    if (!socket) return;
    socket.emit("act", { name: name, args: args }, reply || function () {});
  }

  function connectRoom() {
    const body = document.body;
    const code = body.dataset.roomCode;
    if (!code || typeof io === "undefined") return;
    const status = document.getElementById("live-status");
    let version = Number(body.dataset.version);
    let resyncing = false;

    function setLive(state, text) {
      body.dataset.live = state;
      status.textContent = text;
    }

    function tabKey() {
      const bytes = new Uint8Array(8);
      crypto.getRandomValues(bytes);
      return Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
    }

    socket = io({
      transports: ["websocket", "polling"],
      // Lets a proxy keep this tab's socket (every long-polling request of it) on one
      // process, and spread the tabs evenly over the processes (deploy/nginx.conf).
      query: { client: tabKey() },
      auth: function (send) { send({ code: code, view: body.dataset.view, v: version }); },
    });
    window.wsappSocket = socket;

    /* --- PRESENCE: this socket is alive, so its person stays online on every process.
     * The server counts a socket unheard of for WSAPP_PRESENCE_TTL (75 s) as gone. Its
     * answer carries the room's version: pushes lost while the message queue was away
     * leave no gap to see in a quiet room, so a screen still behind a second later
     * (its pushes were not merely on their way) asks for the full state. --- */
    setInterval(function () {
      if (!socket.connected) return;
      socket.emit("heartbeat", function (reply) {
        if (!reply || !(reply.v > version)) return;
        setTimeout(function () { if (version < reply.v) resync(); }, 1000);
      });
    }, 25000);

    function apply(message) {
      if (message.html) htmx.swap("body", message.html, { swapStyle: "none" });
    }

    /* The whole room as it is now: only when a push went missing (a gap that stays open). */
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
  }

  /* ===== TYPING: the one swap policy =====
   * A push never takes away what someone is typing, whatever they type in: a plan cell, the
   * quiet write, a note, a note being edited, their name. Every push goes through the one
   * htmx:oobBeforeSwap listener below, and leaving a field through the one focusout path.
   *
   * - A push that would replace the field being typed in waits ("held"), and the field says
   *   so ("Updated while you were typing"). Once the person has left the field (and its
   *   form: tapping its button posts the note first), the held pushes are applied as they
   *   came, in order. No resync: they are the pushes themselves. Pushes inside or around a
   *   held one wait behind it, so nothing lands out of order.
   * - A kind of field that takes a push into itself (a plan cell merges the words around the
   *   caret) does so instead of waiting.
   * - A field that a push takes away (the room moved on, the writing stopped) is let go at
   *   once when it saves itself (it is saved as it leaves) or holds nothing unsent: nobody
   *   is left behind on an old phase for a field with nothing to lose.
   * - Any other swap carries unsent words into the same field of the new content. Words
   *   whose field is gone are kept and put back when the field returns (the facilitator
   *   goes back to that phase).
   *
   * Each feature says what its fields are with `editable({...})`:
   *   selector      which fields
   *   savesItself   saved as typed: its feature keeps and restores its unsaved words
   *   takePush(field, detail)  a push for this very field; true when taken in, not swapped
   *   leave(field)  the person left the field (save it now) */
  const TEXT_FIELD = "textarea, input[type=text], input:not([type])";
  const kinds = [];
  const afterLeaving = [];       // run once focus has settled after leaving a field
  let held = [];                 // [{target, html}]: pushes waiting, in the order they came
  let heldFor = null;            // the form (or field) being typed in when the first waited
  const drafts = new Map();      // field id -> unsent words whose field a push took away
  const sent = new Map();        // field id -> words a form's request carried
  let pointerDown = false;

  function editable(kind) { kinds.push(kind); }

  function kindOf(field) {
    return kinds.find(function (kind) { return field.matches(kind.selector); }) || {};
  }

  /* The field this person is typing in, if any. */
  function typingField() {
    const active = document.activeElement;
    if (!active || !active.matches || !active.matches(TEXT_FIELD)) return null;
    return active.readOnly || active.disabled ? null : active;
  }

  /* Words typed into a field and not yet sent: the page was given its defaultValue. */
  function unsent(field) {
    return field.value !== field.defaultValue && sent.get(field.id) !== field.value;
  }

  function incomingOf(detail, field) {
    if (!field.id) return null;
    return detail.fragment.querySelector("#" + CSS.escape(field.id));
  }

  /* The pushed element again, as a push, to apply later. The server's pushes replace their
     element (hx-swap-oob="true": htmx hands over a fragment holding it) or add to a list
     ("beforeend:#list": htmx hands over the element whose children are added). */
  function asPush(detail) {
    const fragment = detail.fragment;
    let element;
    if (fragment.nodeType === Node.DOCUMENT_FRAGMENT_NODE) {
      element = fragment.firstElementChild.cloneNode(true);
      element.setAttribute("hx-swap-oob", "true");
    } else {
      element = fragment.cloneNode(true);
      element.setAttribute("hx-swap-oob", "beforeend:#" + CSS.escape(detail.target.id));
    }
    return "<template>" + element.outerHTML + "</template>";  // table parts travel too
  }

  function notice() { return document.getElementById("typing-notice"); }

  function hold(detail, field) {
    held.push({ target: detail.target, html: asPush(detail) });
    if (!field || heldFor) return;
    heldFor = field.form || field;
    const line = document.createElement("p");
    line.id = "typing-notice";
    line.className = "typing-notice";
    line.setAttribute("role", "status");
    field.insertAdjacentElement("afterend", line);
    // Filled once in the page, so screen readers announce it.
    requestAnimationFrame(function () {
      line.textContent = "Updated while you were typing: the changes show when you leave this box.";
    });
  }

  /* Apply the held pushes once the person is no longer typing in what they replace. */
  function releaseHeld() {
    if (!held.length || pointerDown) return;
    const active = document.activeElement;
    if (heldFor && heldFor.isConnected && heldFor.contains(active)) return;
    const field = typingField();
    if (field && held.some(function (push) { return push.target.contains(field); })) return;
    const pushes = held;
    held = [];
    heldFor = null;
    if (notice()) notice().remove();
    pushes.forEach(function (push) { htmx.swap("body", push.html, { swapStyle: "none" }); });
  }

  /* A swap is about to replace `detail.target`: its unsent words go into the new content
     (or are kept for when their field comes back), and open editors stay open. */
  function keepDrafts(detail) {
    const target = detail.target;
    const fragment = detail.fragment;
    if (fragment.nodeType !== Node.DOCUMENT_FRAGMENT_NODE) return;  // only adds to a list
    const fields = target.matches(TEXT_FIELD) ? [target] : target.querySelectorAll(TEXT_FIELD);
    fields.forEach(function (field) {
      if (!field.id || kindOf(field).savesItself || !unsent(field)) return;
      const incoming = incomingOf(detail, field);
      if (incoming && !incoming.readOnly && !incoming.disabled) incoming.value = field.value;
      else if (field.value.trim()) drafts.set(field.id, field.value);
    });
    target.querySelectorAll("details[open][id]").forEach(function (details) {
      const incoming = fragment.querySelector("#" + CSS.escape(details.id));
      if (incoming) incoming.open = true;
    });
  }

  /* Kept words go back into their field when it is on the page again. */
  function restoreDrafts(root) {
    drafts.forEach(function (text, id) {
      const field = document.getElementById(id);
      if (!field || !root.contains(field) || field.readOnly || field.disabled) return;
      if (field.value === field.defaultValue) field.value = text;
      drafts.delete(id);
    });
  }

  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    const detail = event.detail;
    const target = detail.target;
    if (!target || !target.matches) return;
    const behind = held.some(function (push) {
      return push.target.contains(target) || target.contains(push.target);
    });
    const own = kinds.find(function (kind) {
      return kind.takePush && target.matches(kind.selector);
    });
    if (own && own.takePush(target, detail)) {
      event.preventDefault();
      if (behind) hold(detail, null);  // and again after the push it is inside
      return;
    }
    if (behind) {
      event.preventDefault();
      hold(detail, null);
      return;
    }
    const field = typingField();
    if (field && target.contains(field)) {
      const incoming = incomingOf(detail, field);
      const going = !incoming || incoming.readOnly || incoming.disabled;
      if (going && (kindOf(field).savesItself || !unsent(field))) {
        field.blur();  // leaving saves it first
      } else {
        event.preventDefault();
        hold(detail, field);
        return;
      }
    }
    keepDrafts(detail);
  });

  document.addEventListener("focusout", function (event) {
    const field = event.target;
    if (field.matches && field.matches(TEXT_FIELD)) {
      const kind = kindOf(field);
      if (kind.leave) kind.leave(field);
    }
    setTimeout(function () {
      afterLeaving.forEach(function (fn) { fn(); });
      releaseHeld();
    }, 0);
  });

  /* A tap that takes the focus lands before the held pushes change the page under it. */
  document.addEventListener("pointerdown", function () { pointerDown = true; }, true);
  ["pointerup", "pointercancel"].forEach(function (name) {
    document.addEventListener(name, function () {
      pointerDown = false;
      setTimeout(releaseHeld, 0);
    }, true);
  });

  /* What a form sends is no longer unsent; posted, its kept words are done with. */
  document.addEventListener("htmx:beforeRequest", function (event) {
    const form = event.detail.elt;
    if (!form.matches || !form.matches("form")) return;
    form.querySelectorAll(TEXT_FIELD).forEach(function (field) {
      if (field.id) sent.set(field.id, field.value);
    });
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    const form = event.detail.elt;
    if (!form.matches || !form.matches("form")) return;
    form.querySelectorAll(TEXT_FIELD).forEach(function (field) {
      sent.delete(field.id);
      if (event.detail.successful) drafts.delete(field.id);
    });
    if (event.detail.successful && heldFor === form) {
      heldFor = null;
      releaseHeld();
    }
  });

  /* ===== TIMER: anchored on the server's clock, ticking on every screen alike ===== */
  function formatSeconds(total) {
    const minutes = Math.floor(total / 60);
    const seconds = total % 60;
    return minutes + ":" + String(seconds).padStart(2, "0");
  }

  function initTimer(face) {
    face.wsOffset = Number(face.dataset.serverNow) - Date.now();
  }

  function tickTimers() {
    let up = false;
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
      if (left === 0) {
        up = true;
        timeUp(face);
      }
    });
    const alert = document.getElementById("timer-alert");
    if (!up && alert && alert.textContent) alert.textContent = "";  // stopped, more time, new phase
  }

  /* Once per countdown, every screen shows and announces that the time is up (in a live
   * region that stays in the page); a screen whose timer was set to end the writing tells
   * the server, which checks its own clock. */
  let announcedEnd = null;
  function timeUp(face) {
    if (announcedEnd === face.dataset.endsAt) return;
    announcedEnd = face.dataset.endsAt;
    const label = face.dataset.label;
    const alert = document.getElementById("timer-alert");
    if (alert) alert.textContent = "Time's up" + (label ? ": " + label : "") + ".";
    if (face.hasAttribute("data-ends-writing")) act("timer.expire", {});
  }

  function startTimers(root) {
    root.querySelectorAll("[data-timer]").forEach(initTimer);
    if (root.matches && root.matches("[data-timer]")) initTimer(root);
  }

  /* ===== POSTERS: no script here (a phone's one poster at a time: static/js/posters.js) ===== */

  /* ===== DISCUSSION: every screen follows the spotlight ===== */
  let followed = null;  // the spotlight this page last moved to

  function followSpotlight() {
    const head = document.querySelector("[data-spotlight]");
    const key = head ? head.dataset.spotlight : null;
    if (key === followed) return;
    if (head && typingField()) return;  // move once the person has finished typing
    followed = key;
    if (!head) return;
    const still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    (head.closest(".question") || head).scrollIntoView({ behavior: still ? "auto" : "smooth", block: "start" });
  }

  document.addEventListener("htmx:oobAfterSwap", followSpotlight);
  afterLeaving.push(followSpotlight);

  /* ===== PLAN: co-edited plan cells =====
   * A plan cell is saved over the socket shortly after typing pauses, against the revision
   * its text came from; the server merges edits made at the same time. Its answer says what
   * the cell now holds, onto which the page carries whatever was typed meanwhile, keeping the
   * caret where it was among the words. A change pushed for the cell someone is typing in
   * is merged the same way instead of replacing their text. */
  const CELL_DELAY = 500;
  const CELL_FIELD = "textarea[data-plan-cell]";

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
  function rebase(sentText, typed, saved) {
    const mine = difference(sentText, typed);
    const theirs = difference(sentText, saved);
    const start = mapPosition(mine.head, sentText, saved, theirs);
    const end = Math.max(start, mapPosition(sentText.length - mine.tail, sentText, saved, theirs));
    return saved.slice(0, start) + typed.slice(mine.head, typed.length - mine.tail) +
      saved.slice(end);
  }

  /* Per cell: the server's text at `revision`, what this person has `typed` on top of it,
     whether a save is on its way, and the newest text pushed meanwhile (`pushed`: someone
     else's save that may come after this one's). `typed` outlives the field: a swap may
     replace it. */
  const cells = new Map();

  function cellField(id) { return document.getElementById("plan-cell-" + id + "-text"); }

  /* The field's server text is its default value (what the page was sent) at data-revision. */
  function cellState(field) {
    const id = Number(field.dataset.planCell);
    const revision = Number(field.dataset.revision);
    let state = cells.get(id);
    if (!state || (!state.busy && !cellDirty(state) && revision > state.revision)) {
      state = { id: id, revision: revision, text: field.defaultValue, typed: field.defaultValue,
                busy: false, again: false, timer: null, pushed: null };
      cells.set(id, state);
    }
    return state;
  }

  function cellDirty(state) { return state.typed !== state.text; }

  function showCell(state) {
    const field = cellField(state.id);
    if (!field) return;
    field.dataset.revision = String(state.revision);
    field.defaultValue = state.text;
    replaceText(field, state.typed);
  }

  function scheduleCell(state) {
    clearTimeout(state.timer);
    state.timer = setTimeout(function () { saveCell(state); }, CELL_DELAY);
  }

  function saveCell(state) {
    clearTimeout(state.timer);
    state.timer = null;
    if (state.busy) { state.again = true; return; }
    if (!cellDirty(state)) return;
    const sentText = state.typed;
    state.busy = true;
    act("plan.cell.edit", { cell_id: state.id, base_revision: state.revision, text: sentText },
      function (reply) {
        state.busy = false;
        if (!reply || !reply.ok) {
          flash((reply && reply.error) || "Not saved yet: the connection dropped.");
          return;
        }
        adoptCell(state, reply.cell, sentText);
        const later = state.pushed;
        state.pushed = null;
        if (later && later.revision > state.revision) {
          if (cellDirty(state)) { saveCell(state); return; }  // the server merges it in
          state.revision = later.revision;
          state.text = state.typed = later.text;
          showCell(state);
        }
        if (state.again || cellDirty(state)) { state.again = false; scheduleCell(state); }
      });
  }

  /* The cell as saved, with whatever was typed since `sentText` carried over onto it. */
  function adoptCell(state, saved, sentText) {
    state.typed = state.typed === sentText ? saved.text : rebase(sentText, state.typed, saved.text);
    state.revision = saved.revision;
    state.text = saved.text;
    showCell(state);
  }

  document.addEventListener("input", function (event) {
    const field = event.target;
    if (!field.matches || !field.matches(CELL_FIELD)) return;
    const state = cellState(field);
    state.typed = field.value;
    scheduleCell(state);
  });

  /* A pushed cell: a field someone is typing in (or has unsaved words in) is never replaced.
     Newer text goes into it around the caret; typed words are merged on the server first. */
  function takeCellPush(field, detail) {
    const state = cells.get(Number(field.dataset.planCell));
    const focused = document.activeElement === field;
    if (!focused && (!state || (!state.busy && !cellDirty(state)))) {
      cells.delete(Number(field.dataset.planCell));
      return false;
    }
    const next = detail.fragment.firstElementChild;
    if (!next) return true;
    field.readOnly = next.readOnly;
    const current = state || cellState(field);
    const revision = Number(next.dataset.revision);
    if (current.busy && revision > current.revision &&
        (!current.pushed || revision > current.pushed.revision)) {
      current.pushed = { revision: revision, text: next.value };  // dealt with once saved
    }
    if (revision <= current.revision || current.busy) return true;
    if (cellDirty(current)) { saveCell(current); return true; }
    current.revision = revision;
    current.text = current.typed = next.value;
    showCell(current);
    return true;
  }

  /* A cell field put back by a bigger swap (the grid, the phase) gets its unsaved words. */
  function restoreCells(root) {
    root.querySelectorAll(CELL_FIELD).forEach(function (field) {
      const state = cells.get(Number(field.dataset.planCell));
      if (state && (state.busy || cellDirty(state))) field.value = state.typed;
    });
  }

  /* Who is editing: tell the room when a cell gains or loses this person's caret. */
  let editing = null;
  function setEditing(id) {
    if (editing === id) return;
    editing = id;
    act("plan.editing", { cell_id: id });
  }

  function editingField() {
    const field = typingField();
    return field && field.matches(CELL_FIELD) ? field : null;
  }

  document.addEventListener("focusin", function (event) {
    const field = event.target;
    if (!field.matches || !field.matches(CELL_FIELD) || field.readOnly) return;
    cellState(field);
    setEditing(Number(field.dataset.planCell));
  });

  editable({
    selector: CELL_FIELD,
    savesItself: true,
    takePush: takeCellPush,
    leave: function (field) {
      const state = cells.get(Number(field.dataset.planCell));
      if (state) saveCell(state);
    },
  });
  afterLeaving.push(function () { if (!editingField()) setEditing(null); });

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

  /* The Actions list keeps each screen's order: pushes come sorted by due date, so a screen
     that chose another order asks for the list in that order again. */
  let actionsSort = "due";
  document.addEventListener("htmx:beforeRequest", function (event) {
    const link = event.detail.elt;
    if (link.dataset && link.dataset.actionsSort) actionsSort = link.dataset.actionsSort;
  });

  function keepActionsSort(root) {
    if (root.id !== "plan-actions" || root.dataset.sort === actionsSort) return;
    const url = root.dataset.src + (root.dataset.src.includes("?") ? "&" : "?") + "sort=" +
      encodeURIComponent(actionsSort);
    htmx.ajax("GET", url, { target: "#plan-actions", swap: "outerHTML", select: "#plan-actions" });
  }

  /* A cell's history, or the form that makes an action from it, opened as a dialog. */
  function openDialog(root) {
    const dialog = root.matches && root.matches("dialog.plan-history") ? root : null;
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

  /* A new connection is not editing yet. */
  function editAgainOnConnect() {
    editing = null;
    const field = editingField();
    if (field) setEditing(Number(field.dataset.planCell));
  }

  /* ===== QUIET WRITE: saved as it is typed, kept on the device until the server has it ===== */
  const QUIET_DELAY = 800;
  const QUIET_FIELD = "textarea[data-quiet-write]";
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
    act("quiet.save", { text: text }, function (reply) {
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
  editable({ selector: QUIET_FIELD, savesItself: true, leave: flushQuiet });
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

  /* ===== EXPORT: no script of its own (downloads are links) ===== */

  /* ===== PROJECTOR: each phase a slide ===== */
  /* What a slide is paged by: the smallest things that read on their own. A page shows as
   * many as fit, in order within each container (a poster, a question, a list), so a
   * poster's last items move to the next page with its title, not out of the screen.
   * A slide group (an event's progress, one poster's heat map) never shares a page: the
   * event's projector shows one thing at a time, its rows paged when they do not fit. */
  const SLIDE_UNITS = [
    ".poster-item", ".note", ".quiet-answer", ".plan-row:not(.plan-head)", ".summary-item",
    ".checklist > li", ".question-head", ".instructions", ".quiet-prompt", ".intro-part",
    ".phase li", ".phase p", ".slide-group tbody tr", ".slide-group li", ".slide-group p",
  ].join(", ");
  const SLIDE_GROUPS = ".slide-group";
  const SLIDE_CONTAINERS =
    ".poster, .question, .summary-list, .plan-grid-wrap, .card, section, " + SLIDE_GROUPS;
  const SLIDE_SECONDS = 20;
  let slidePages = [];
  let slideAt = 0;
  let slideManual = false;

  function slideUnits(box) {
    const all = Array.from(box.querySelectorAll(SLIDE_UNITS));
    // The outermost only: an item's own paragraphs travel with it.
    return all.filter(function (unit) {
      return !all.some(function (other) { return other !== unit && other.contains(unit); });
    });
  }

  function slideFits(box) { return box.scrollHeight <= box.clientHeight + 1; }

  /* The containers around a unit (a poster around its item), shown with it. */
  function slideHomes(box, unit) {
    const homes = [];
    for (let at = unit.parentElement; at && at !== box; at = at.parentElement) {
      if (at.matches(SLIDE_CONTAINERS)) homes.push(at);
    }
    return homes;
  }

  function slideHideAll(box, units) {
    units.forEach(function (unit) {
      unit.classList.add("slide-off");
      slideHomes(box, unit).forEach(function (home) { home.classList.add("slide-off"); });
    });
  }

  /* Show a unit and its containers; returns what was hidden before, to take it back. */
  function slideReveal(box, unit) {
    const shown = [unit].concat(slideHomes(box, unit)).filter(function (el) {
      return el.classList.contains("slide-off");
    });
    shown.forEach(function (el) { el.classList.remove("slide-off"); });
    return shown;
  }

  function slideShow(box, units, page) {
    slideHideAll(box, units);
    page.forEach(function (unit) { slideReveal(box, unit); });
  }

  /* Split the units into pages that each fit the box, in one pass per page. */
  function paginate(box) {
    const units = slideUnits(box);
    box.querySelectorAll(".slide-off").forEach(function (el) { el.classList.remove("slide-off"); });
    if (slideFits(box) && !box.querySelector(SLIDE_GROUPS)) return [new Set(units)];
    const pages = [];
    let left = units;
    while (left.length) {
      const page = new Set();
      const skipped = new Set();  // containers with an item left for the next page
      const group = left[0].closest(SLIDE_GROUPS);
      slideHideAll(box, units);
      left.forEach(function (unit) {
        const home = unit.parentElement.closest(SLIDE_CONTAINERS);
        if (skipped.has(home) || unit.closest(SLIDE_GROUPS) !== group) return;
        const shown = slideReveal(box, unit);
        if (page.size && !slideFits(box)) {
          shown.forEach(function (el) { el.classList.add("slide-off"); });
          skipped.add(home);
        } else {
          page.add(unit);
        }
      });
      pages.push(page);
      left = left.filter(function (unit) { return !page.has(unit); });
    }
    return pages;
  }

  function showSlidePage(index) {
    const box = document.querySelector(".projector-main");
    const pager = document.querySelector(".slide-pager");
    if (!box || !pager || !slidePages.length) return;
    slideAt = (index + slidePages.length) % slidePages.length;
    slideShow(box, slideUnits(box), slidePages[slideAt]);
    pager.hidden = slidePages.length < 2;
    document.getElementById("slide-page").textContent =
      "Page " + (slideAt + 1) + " of " + slidePages.length;
  }

  function repaginate() {
    const box = document.querySelector(".projector-main");
    if (!box) return;
    slidePages = paginate(box);
    showSlidePage(Math.min(slideAt, slidePages.length - 1));
  }

  let slideQueued = false;
  function repaginateSoon() {
    if (slideQueued) return;
    slideQueued = true;
    requestAnimationFrame(function () { slideQueued = false; repaginate(); });
  }

  function startSlides() {
    if (!document.querySelector(".projector-main")) return;
    document.addEventListener("click", function (event) {
      const button = event.target.closest("[data-slide]");
      if (!button) return;
      slideManual = true;  // someone at the projector turns the pages now
      showSlidePage(slideAt + Number(button.dataset.slide));
    });
    window.addEventListener("resize", repaginateSoon);
    // A new phase starts on its first page.
    document.body.addEventListener("htmx:oobAfterSwap", function (event) {
      if (event.detail.target && event.detail.target.id === "phase") slideAt = 0;
      repaginateSoon();
    });
    setInterval(function () {
      if (!slideManual && slidePages.length > 1) showSlidePage(slideAt + 1);
    }, SLIDE_SECONDS * 1000);
    repaginate();
  }

  function startTheme() {
    const toggle = document.querySelector("[data-theme-toggle]");
    if (!toggle) return;
    const apply = function (theme) {
      if (theme) document.documentElement.dataset.theme = theme;
      else delete document.documentElement.dataset.theme;
      toggle.setAttribute("aria-pressed", theme ? "true" : "false");
    };
    apply(localStorage.getItem("wsapp-projector-theme"));
    toggle.addEventListener("click", function () {
      const theme = document.documentElement.dataset.theme ? null : "contrast";
      if (theme) localStorage.setItem("wsapp-projector-theme", theme);
      else localStorage.removeItem("wsapp-projector-theme");
      apply(theme);
      repaginateSoon();
    });
  }

  /* ===== Start ===== */
  ready(function () {
    claimFromFragment();
    connectRoom();
    if (socket) socket.on("connect", editAgainOnConnect);
    htmx.onLoad(function (root) {
      startTimers(root);
      restoreDrafts(root);
      leaveOutMe(root);
      restoreCells(root);
      restoreQuiet(root);
      openDialog(root);
      keepActionsSort(root);
    });
    setInterval(tickTimers, 250);
    followSpotlight();
    startTheme();
    startSlides();
  });
})();
