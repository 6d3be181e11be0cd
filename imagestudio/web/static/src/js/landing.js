// Landing page: the model carousel's buttons and keys. Without this script the track still scrolls and snaps
// (swipe, shift+wheel, arrow keys once focused); with it, Previous/Next appear, arrows move one slide, and
// Home/End jump to the ends. Respects reduced motion.
(() => {
  "use strict";
  const reduced = window.matchMedia("(prefers-reduced-motion: reduce)");

  function setUp(root) {
    const track = root.querySelector("[data-carousel-track]");
    if (!track) return;
    const slides = Array.from(track.querySelectorAll("[data-carousel-slide]"));
    const prev = root.querySelector("[data-carousel-prev]");
    const next = root.querySelector("[data-carousel-next]");
    const behavior = () => (reduced.matches ? "auto" : "smooth");

    function padding() {
      return parseFloat(getComputedStyle(track).scrollPaddingLeft) || 0;
    }
    // How far a slide's left edge sits from where a snapped slide sits (0 for the current one).
    function offset(slide) {
      return slide.getBoundingClientRect().left - track.getBoundingClientRect().left - padding();
    }
    function current() {
      let best = 0;
      slides.forEach((slide, index) => {
        if (Math.abs(offset(slide)) < Math.abs(offset(slides[best]))) best = index;
      });
      return best;
    }
    function go(index) {
      const target = slides[Math.max(0, Math.min(slides.length - 1, index))];
      if (target) track.scrollBy({ left: offset(target), behavior: behavior() });
    }
    function atStart() {
      return track.scrollLeft <= 2;
    }
    function atEnd() {
      return track.scrollLeft + track.clientWidth >= track.scrollWidth - 2;
    }
    function update() {
      if (prev) prev.disabled = atStart();
      if (next) next.disabled = atEnd();
    }

    if (prev) prev.addEventListener("click", () => go(current() - 1));
    if (next) next.addEventListener("click", () => go(atEnd() ? slides.length - 1 : current() + 1));
    track.addEventListener("keydown", (event) => {
      if (event.target !== track) return; // keys inside a slide's own controls keep their meaning
      const moves = { ArrowRight: 1, ArrowLeft: -1 };
      if (event.key in moves) {
        event.preventDefault();
        go(current() + moves[event.key]);
      } else if (event.key === "Home" || event.key === "End") {
        event.preventDefault();
        go(event.key === "Home" ? 0 : slides.length - 1);
      }
    });
    let pending = false;
    track.addEventListener(
      "scroll",
      () => {
        if (pending) return;
        pending = true;
        window.requestAnimationFrame(() => {
          pending = false;
          update();
        });
      },
      { passive: true },
    );
    window.addEventListener("resize", update, { passive: true });
    if (prev) prev.hidden = false;
    if (next) next.hidden = false;
    update();
  }

  function init() {
    document.querySelectorAll("[data-carousel]").forEach(setUp);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
