// PhotoSwipe lightbox for every [data-lightbox] gallery (gallery grid, generate results, dashboard).
// Children are looked up at click time, so tiles appended later by htmx (infinite scroll, new jobs) work.
// Module URLs come from data attributes on this script's tag, so hashed static names keep working.
const config = document.getElementById("lightbox-script")?.dataset || {};

const ICON = (paths) =>
  `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">${paths}</svg>`;
const DETAILS_ICON = ICON('<circle cx="12" cy="12" r="9"/><path d="M12 16v-4M12 8h.01"/>');
const DOWNLOAD_ICON = ICON('<path d="M12 3v12M7 10l5 5 5-5"/><path d="M4 17v2a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-2"/>');

async function start() {
  if (!config.lightbox || !config.core || !document.querySelector("[data-lightbox]")) return;
  const { default: PhotoSwipeLightbox } = await import(config.lightbox);
  const lightbox = new PhotoSwipeLightbox({
    gallery: "[data-lightbox]",
    children: "a[data-pswp-src]",
    pswpModule: () => import(config.core),
    bgOpacity: 0.94,
    wheelToZoom: true,
    showHideAnimationType: window.matchMedia("(prefers-reduced-motion: reduce)").matches ? "none" : "zoom",
    closeTitle: "Close (Esc)",
    zoomTitle: "Zoom (z)",
    arrowPrevTitle: "Previous (←)",
    arrowNextTitle: "Next (→)",
    errorMsg: "This image could not be loaded.",
  });

  const current = (pswp) => pswp.currSlide && pswp.currSlide.data && pswp.currSlide.data.element;

  lightbox.on("uiRegister", () => {
    const pswp = lightbox.pswp;
    pswp.ui.registerElement({
      name: "details-button",
      order: 8,
      isButton: true,
      tagName: "a",
      title: "Open details",
      ariaLabel: "Open image details",
      html: DETAILS_ICON,
      onInit: (el) => {
        pswp.on("change", () => {
          const link = current(pswp);
          if (link) el.href = link.getAttribute("href");
        });
      },
    });
    pswp.ui.registerElement({
      name: "download-button",
      order: 9,
      isButton: true,
      tagName: "a",
      title: "Download original",
      ariaLabel: "Download original",
      html: DOWNLOAD_ICON,
      onInit: (el) => {
        el.setAttribute("download", "");
        pswp.on("change", () => {
          const link = current(pswp);
          if (link) el.href = link.dataset.download || `${link.dataset.pswpSrc}?download=1`;
        });
      },
    });
    pswp.ui.registerElement({
      name: "custom-caption",
      order: 9,
      isButton: false,
      appendTo: "root",
      onInit: (el) => {
        el.setAttribute("aria-live", "polite");
        pswp.on("change", () => {
          const link = current(pswp);
          const img = link && link.querySelector("img");
          el.textContent = img ? img.getAttribute("alt") || "" : "";
        });
      },
    });
  });

  lightbox.init();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
