// Charts: draws every <canvas data-chart="ID"> with Chart.js (dist/vendor/chart.umd.min.js, loaded just
// before this file, or on demand: see data-chartjs below). The figures come from the json_script element with that ID:
//   {kind: "bar" | "doughnut", labels: [...], series: [{label, data, color?, kind?: "line", axis?: "right"}]}
// Colours are read from the design tokens (CSS variables), so light, dark and a custom accent all look
// right, and every chart is redrawn when the theme changes. With reduced motion, nothing animates. Each
// chart's figures are also in a table beside it (the accessible form); without JavaScript only the tables show.
(() => {
  "use strict";
  if (window.studioCharts) return; // a page and a partial may both load this file: one copy does the work

  // Slice colours of doughnuts, in order (billing/usage_breakdown.html colours its table dots the same way).
  const PALETTE = ["primary-500", "accent-500", "success-500", "warning-500", "sky-500", "primary-300", "accent-300", "error-500"];
  const charts = new Map(); // canvas → Chart
  const motion = window.matchMedia ? window.matchMedia("(prefers-reduced-motion: reduce)") : null;

  // A token's colour as the browser resolves it (var() chains and color-mix() included), read from a probe.
  let probe = null;
  function token(name) {
    if (!probe) {
      probe = document.createElement("span");
      probe.setAttribute("aria-hidden", "true");
      probe.style.display = "none";
      document.body.appendChild(probe);
    }
    probe.style.color = "";
    probe.style.color = `var(--${name})`;
    return getComputedStyle(probe).color;
  }

  // Any CSS colour with an alpha, through a 1×1 canvas (computed colours may be rgb(), oklab() or color()).
  const pixel = document.createElement("canvas").getContext("2d", { willReadFrequently: true });
  function alpha(colour, amount) {
    if (!pixel) return colour;
    pixel.clearRect(0, 0, 1, 1);
    pixel.fillStyle = colour;
    pixel.fillRect(0, 0, 1, 1);
    const [r, g, b] = pixel.getImageData(0, 0, 1, 1).data;
    return `rgba(${r}, ${g}, ${b}, ${amount})`;
  }

  function theme() {
    return {
      text: token("ui-foreground"),
      muted: token("ui-muted-foreground"),
      border: token("ui-border"),
      card: token("ui-card"),
      popover: token("ui-popover"),
      series: (name) => token(`color-${name || "primary"}-500`),
      palette: PALETTE.map((name) => token(`color-${name}`)),
    };
  }

  function tooltip(colours) {
    return {
      backgroundColor: colours.popover,
      titleColor: colours.text,
      bodyColor: colours.text,
      borderColor: colours.border,
      borderWidth: 1,
      padding: 10,
      boxPadding: 4,
      usePointStyle: true,
    };
  }

  function doughnut(data, colours, base) {
    const series = data.series[0] || { label: "", data: [] };
    const fills = data.labels.map((_, i) => colours.palette[i % colours.palette.length]);
    return {
      type: "doughnut",
      data: {
        labels: data.labels,
        datasets: [{ label: series.label, data: series.data, backgroundColor: fills, borderColor: colours.card, borderWidth: 2, hoverOffset: 6 }],
      },
      options: { ...base, cutout: "64%", plugins: { legend: { display: false }, tooltip: tooltip(colours) } },
    };
  }

  function axis(colours, title, extra) {
    return {
      beginAtZero: true,
      grid: { color: alpha(colours.border, 0.8) },
      border: { display: false },
      ticks: { color: colours.muted, precision: 0, maxTicksLimit: 6 },
      title: { display: !!title, text: title, color: colours.muted },
      ...extra,
    };
  }

  function barsAndLines(data, colours, base) {
    const dense = data.labels.length > 40;
    const twoAxes = data.series.some((s) => s.axis === "right");
    const datasets = data.series.map((s) => {
      const colour = colours.series(s.color);
      const line = s.kind === "line";
      return {
        type: line ? "line" : "bar",
        label: s.label,
        data: s.data,
        yAxisID: s.axis === "right" ? "y1" : "y",
        order: line ? 0 : 1, // lines over bars
        backgroundColor: line ? alpha(colour, 0.12) : alpha(colour, 0.85),
        hoverBackgroundColor: line ? alpha(colour, 0.2) : colour,
        borderColor: colour,
        borderWidth: line ? 2 : 0,
        borderRadius: 4,
        maxBarThickness: 32,
        pointRadius: dense ? 0 : 2.5,
        pointHoverRadius: 4,
        pointBackgroundColor: colour,
        tension: 0.3,
        cubicInterpolationMode: "monotone", // no overshoot below zero between points
      };
    });
    const first = data.series[0] || {};
    const right = data.series.find((s) => s.axis === "right") || {};
    const scales = {
      x: { grid: { display: false }, border: { color: colours.border }, ticks: { color: colours.muted, maxRotation: 0, autoSkipPadding: 14 } },
      y: axis(colours, twoAxes ? first.label : ""),
    };
    if (twoAxes) scales.y1 = axis(colours, right.label, { position: "right", grid: { drawOnChartArea: false } });
    return {
      type: "bar",
      data: { labels: data.labels, datasets },
      options: {
        ...base,
        interaction: { mode: "index", intersect: false },
        scales,
        plugins: {
          legend: {
            position: "bottom",
            labels: {
              color: colours.text,
              usePointStyle: true,
              boxWidth: 8,
              boxHeight: 8,
              padding: 16,
              sort: (a, b) => a.datasetIndex - b.datasetIndex, // the series' order, not the drawing order
            },
          },
          tooltip: tooltip(colours),
        },
      },
    };
  }

  function config(data, animate) {
    const colours = theme();
    const font = getComputedStyle(document.body).fontFamily;
    window.Chart.defaults.font.family = font;
    window.Chart.defaults.color = colours.muted;
    const base = {
      responsive: true,
      maintainAspectRatio: false,
      locale: document.documentElement.lang || undefined,
      animation: animate && !(motion && motion.matches) ? { duration: 500 } : false,
    };
    return data.kind === "doughnut" ? doughnut(data, colours, base) : barsAndLines(data, colours, base);
  }

  function read(canvas) {
    const source = document.getElementById(canvas.dataset.chart);
    if (!source) return null;
    try {
      return JSON.parse(source.textContent);
    } catch (error) {
      return null;
    }
  }

  // Draw the charts under `root` that are not drawn yet (all of them again with `redraw`, for a new theme).
  function draw(root = document, redraw = false) {
    if (!window.Chart) return; // the vendor file did not load: the tables still carry the figures
    for (const [canvas, chart] of charts) {
      if (!canvas.isConnected) {
        chart.destroy(); // swapped out by htmx
        charts.delete(canvas);
      }
    }
    for (const canvas of root.querySelectorAll("canvas[data-chart]")) {
      const existing = charts.get(canvas);
      if (existing && !redraw) continue;
      const data = read(canvas);
      if (!data) continue;
      if (existing) existing.destroy();
      charts.set(canvas, new window.Chart(canvas, config(data, !existing)));
      canvas.dataset.chartReady = "true";
    }
  }

  // The theme lives on <html>: the dark class, data-accent and style (--user-accent). Other class changes
  // (a dialog locking the scroll, say) leave the colours alone and redraw nothing.
  const root = document.documentElement;
  const look = () => [root.classList.contains("dark"), root.getAttribute("data-accent"), root.getAttribute("style")].join("|");
  let drawnWith = look();
  let pending = 0;
  new MutationObserver(() => {
    if (look() === drawnWith) return;
    drawnWith = look();
    window.cancelAnimationFrame(pending);
    pending = window.requestAnimationFrame(() => draw(document, true));
  }).observe(root, { attributes: true, attributeFilter: ["class", "style", "data-accent"] });

  // Loaded with data-chartjs="<url>" (a card further down the page, like the dashboard's), Chart.js itself is
  // fetched only when a chart comes near the screen: 70 KB less on the first load.
  const vendor = document.currentScript ? document.currentScript.dataset.chartjs : "";
  let loading = null;
  function loadChartJs() {
    if (!loading) {
      loading = new Promise((resolve, reject) => {
        const script = document.createElement("script");
        script.src = vendor;
        script.onload = resolve;
        script.onerror = reject;
        document.head.appendChild(script);
      });
    }
    return loading;
  }

  const nearScreen = "IntersectionObserver" in window && vendor
    ? new IntersectionObserver((entries) => {
      if (!entries.some((entry) => entry.isIntersecting)) return;
      nearScreen.disconnect();
      loadChartJs().then(() => draw(), () => {}); // offline: the tables still carry the figures
    }, { rootMargin: "300px" })
    : null;

  function start(root = document) {
    if (window.Chart || !vendor) return draw(root);
    if (!nearScreen) return loadChartJs().then(() => draw(), () => {});
    for (const canvas of root.querySelectorAll("canvas[data-chart]")) nearScreen.observe(canvas);
  }

  document.addEventListener("htmx:afterSettle", (event) => start(event.target));
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => start());
  else start();

  window.studioCharts = { charts, draw };
})();
