/* wsapp announcements and focus: what the room does, said once to a screen reader, and the
 * keyboard focus kept where a person can find it. Hooks htmx's events only; the swap
 * policy (what is swapped, what waits for the typist) lives in app.js.
 *
 * - A pushed element with data-announce says that sentence in the page's one polite live
 *   region (#announcer) when it differs from what the same element said before. Several
 *   changes close together (taps on dot buttons) are said once, when they settle.
 * - A new phase moves the focus to its heading, when the focus was in what was replaced.
 * - Focus on an element that a push re-renders goes back to the element with the same id
 *   (controls carry stable ids), else to the first control of what replaced it.
 * - "Time's up", written by the ticking timer, is said once; so is a quiet write that could
 *   not be saved. */
(function () {
  "use strict";

  const SETTLE = 700;   // ms of quiet before what changed is said
  const said = new Map();  // element id -> the sentence it last carried
  const waiting = new Map();  // element id -> the sentence to say once things settle
  let settleTimer = null;

  function region() { return document.getElementById("announcer"); }

  function say(text) {
    const live = region();
    if (!live || !text) return;
    // Emptied first, so saying the same sentence again is still a change to be read.
    live.textContent = "";
    setTimeout(function () { live.textContent = text; }, 50);
  }

  function flush() {
    settleTimer = null;
    const sentences = Array.from(waiting.values()).filter(Boolean);
    waiting.clear();
    if (sentences.length) say(sentences.join(" "));
  }

  function remember(root, announce) {
    const found = root.matches && root.matches("[data-announce][id]") ? [root] : [];
    root.querySelectorAll("[data-announce][id]").forEach(function (el) { found.push(el); });
    found.forEach(function (el) {
      const text = el.dataset.announce;
      const before = said.get(el.id);
      said.set(el.id, text);
      if (!announce || before === undefined || before === text) return;
      waiting.set(el.id, text);
      clearTimeout(settleTimer);
      settleTimer = setTimeout(flush, SETTLE);
    });
  }
  window.wsappAnnounce = say;

  /* --- Focus across a push --- */
  let lost = null;  // {id, target}: the focused element's id, and the id of what replaces it
  let phaseBefore = null;

  function focusable(root) {
    return root.querySelector(
      "button:not([disabled]), a[href], input:not([type=hidden]):not([disabled]), " +
      "select:not([disabled]), textarea:not([disabled]), summary");
  }

  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    const target = event.detail.target;
    const active = document.activeElement;
    if (!target || !active || active === document.body || !target.contains(active)) return;
    lost = { id: active.id, target: target.id };
  });

  document.addEventListener("htmx:oobAfterSwap", function (event) {
    const target = event.detail.target;
    const root = target && target.id ? document.getElementById(target.id) : null;
    if (root) remember(root, true);
    const line = document.getElementById("quiet-saved");
    saveLine = line ? line.textContent.trim() : null;  // what the server sent is no news
    const phase = document.getElementById("phase");
    const phaseKey = phase ? phase.dataset.phase : null;
    const moved = phaseKey !== phaseBefore;
    phaseBefore = phaseKey;
    const active = document.activeElement;
    if (active && active !== document.body && document.contains(active)) {
      lost = null;  // the focus survived this swap: leave it where the person put it
      return;
    }
    const heading = document.getElementById("phase-title");
    if (moved && heading && (!lost || lost.target === "phase")) {
      heading.focus();
      lost = null;
      return;
    }
    if (!lost) return;
    const back = lost.id ? document.getElementById(lost.id) : null;
    const replacement = document.getElementById(lost.target);
    const next = back && !back.disabled ? back : (replacement && focusable(replacement));
    if (next) next.focus({ preventScroll: true });
    lost = null;
  });

  /* --- What the page's own script writes: "Time's up", and a quiet write not saved.
   * The routine "Saving…" and "Saved" are left unsaid: they come with every pause. --- */
  const ROUTINE = ["", "Saving…", "Saved"];
  let timeUp = false;
  let saveLine = null;
  function checkWritten() {
    const up = Array.from(document.querySelectorAll("[data-timer-state]")).some(function (el) {
      return el.textContent.trim() === "Time's up";
    });
    if (up && !timeUp) say("Time's up.");
    timeUp = up;
    const line = document.getElementById("quiet-saved");
    const text = line ? line.textContent.trim() : null;
    if (text !== saveLine && saveLine !== null && text && ROUTINE.indexOf(text) < 0) say(text);
    saveLine = text;
  }

  function start() {
    remember(document.body, false);
    const phase = document.getElementById("phase");
    phaseBefore = phase ? phase.dataset.phase : null;
    checkWritten();
    new MutationObserver(checkWritten).observe(document.body, {
      subtree: true, childList: true, characterData: true });
  }

  if (document.readyState !== "loading") start();
  else document.addEventListener("DOMContentLoaded", start);
})();
