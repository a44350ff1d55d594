/* wsapp posters on a phone: one poster at a time, chosen by its letter, Previous and Next
 * or a swipe ("Poster 2 of 3: its title"), with "All posters" for the whole wall as a list. Which poster is showing
 * survives the pushes that re-render the wall (and a reload: it is kept per tab). From a
 * laptop up, the stylesheet shows the whole wall and hides these controls. */
(function () {
  "use strict";

  const KEY = "wsapp:poster:" + (document.body ? document.body.dataset.roomCode : "");
  let current = null;  // the showing poster's element id
  let all = false;

  function read() {
    try {
      current = sessionStorage.getItem(KEY);
      all = sessionStorage.getItem(KEY + ":all") === "1";
    } catch (error) { /* private browsing: start on the first poster */ }
  }

  function keep() {
    try {
      sessionStorage.setItem(KEY, current || "");
      sessionStorage.setItem(KEY + ":all", all ? "1" : "0");
    } catch (error) { /* private browsing: kept for this page only */ }
  }

  function wall() { return document.querySelector(".poster-wall[data-one-at-a-time]"); }
  function postersOf(board) { return Array.from(board.querySelectorAll(":scope > .poster")); }

  function show() {
    const board = wall();
    if (!board) return null;
    const posters = postersOf(board);
    if (!posters.length) return null;
    let index = posters.findIndex(function (poster) { return poster.id === current; });
    if (index < 0) index = 0;
    current = posters[index].id;
    board.dataset.view = all ? "all" : "one";
    posters.forEach(function (poster, i) { poster.classList.toggle("is-current", i === index); });
    document.querySelectorAll("[data-poster-link]").forEach(function (link) {
      if (!all && link.dataset.posterLink === current) link.setAttribute("aria-current", "true");
      else link.removeAttribute("aria-current");
    });
    const pager = document.querySelector(".poster-pager");
    if (pager) pager.hidden = false;
    const prev = document.getElementById("poster-prev");
    const next = document.getElementById("poster-next");
    if (prev) prev.disabled = all || index === 0;
    if (next) next.disabled = all || index === posters.length - 1;
    const list = document.getElementById("poster-all");
    if (list) list.setAttribute("aria-pressed", all ? "true" : "false");
    const at = document.getElementById("poster-at");
    if (at) {
      at.hidden = false;
      at.textContent = all ? "All " + posters.length + " posters"
        : "Poster " + (index + 1) + " of " + posters.length + ": " + titleOf(posters[index]);
    }
    return { posters: posters, index: index };
  }

  /* A poster's title without its letter (the letter's link is marked as the current one). */
  function titleOf(poster) {
    const title = poster.querySelector(".poster-title");
    if (!title) return "";
    const key = title.querySelector(".poster-key");
    return title.textContent.slice(key ? key.textContent.length : 0).trim();
  }

  function say(poster, at) {
    const title = poster.querySelector(".poster-title");
    if (window.wsappAnnounce && title) {
      window.wsappAnnounce(title.textContent.trim() + ", poster " + (at.index + 1) + " of " +
        at.posters.length);
    }
  }

  function go(id) {
    current = id;
    all = false;
    keep();
    const at = show();
    if (at) say(at.posters[at.index], at);
    return at;
  }

  function step(by) {
    const at = show();
    if (!at || all) return;
    const to = at.index + by;
    if (to < 0 || to >= at.posters.length) return;
    go(at.posters[to].id);
    const active = document.activeElement;
    if (active && active.disabled) at.posters[to].querySelector(".poster-title").focus();
  }

  function onePosterShown() {
    const board = wall();
    return board && board.dataset.view === "one" && getComputedStyle(
      document.querySelector(".poster-pager")).display !== "none";
  }

  document.addEventListener("click", function (event) {
    const stepper = event.target.closest("[data-poster-step]");
    if (stepper) { step(Number(stepper.dataset.posterStep)); return; }
    if (event.target.closest("[data-poster-all]")) {
      all = !all;
      keep();
      show();
      return;
    }
    const link = event.target.closest("[data-poster-link]");
    if (link && onePosterShown()) {
      event.preventDefault();
      go(link.dataset.posterLink);
      const title = document.querySelector("#" + CSS.escape(current) + " .poster-title");
      if (title) title.focus();
    }
  });

  /* A sideways swipe across the wall turns the poster. */
  let touch = null;
  document.addEventListener("touchstart", function (event) {
    if (!event.target.closest || !event.target.closest(".poster-wall[data-view=one]")) return;
    touch = { x: event.touches[0].clientX, y: event.touches[0].clientY };
  }, { passive: true });
  document.addEventListener("touchend", function (event) {
    if (!touch) return;
    const dx = event.changedTouches[0].clientX - touch.x;
    const dy = event.changedTouches[0].clientY - touch.y;
    touch = null;
    if (Math.abs(dx) > 60 && Math.abs(dy) < Math.abs(dx) / 2) step(dx < 0 ? 1 : -1);
  }, { passive: true });

  function start() {
    read();
    show();
    htmx.onLoad(function () { show(); });
  }

  if (document.readyState !== "loading") start();
  else document.addEventListener("DOMContentLoaded", start);
})();
