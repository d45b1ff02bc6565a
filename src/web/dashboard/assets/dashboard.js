// Draws the dashboard's charts with uPlot from the page's JSON data blocks
// (<script type="application/json" id="<chart>-data">). Pages read without it: every chart has a
// table with the same figures. Colours: the Okabe–Ito palette (safe for colour-blind readers),
// and each series also has its own dash pattern, so that colour is never the only cue.
(() => {
  const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];
  const DASHES = [[], [6, 4], [2, 3], [10, 3, 2, 3]];

  function draw(container) {
    const id = container.getAttribute("data-chart");
    const block = document.getElementById(`${id}-data`);
    if (!block || typeof window.uPlot !== "function") return;
    let data;
    try {
      data = JSON.parse(block.textContent || "{}");
    } catch {
      return;
    }
    const weeks = data.weeks || [];
    const xs = weeks.map((_, i) => i);
    if (data.kind === "stacked") {
      drawStacked(container, data, weeks, xs);
      return;
    }
    const bars = data.kind === "bars" && window.uPlot.paths && window.uPlot.paths.bars;
    const series = [{ label: "Week" }].concat(
      (data.series || []).map((s, i) => ({
        label: s.label,
        stroke: PALETTE[i % PALETTE.length],
        fill: bars ? `${PALETTE[i % PALETTE.length]}99` : undefined,
        width: 2,
        dash: bars ? undefined : DASHES[i % DASHES.length],
        paths: bars
          ? window.uPlot.paths.bars({ size: [0.8 / Math.max(1, data.series.length), 64], align: i === 0 ? -1 : 1 })
          : undefined,
        points: { show: true, size: 6 },
        spanGaps: false,
      })),
    );
    const width = Math.max(280, Math.min(container.clientWidth || 640, 960));
    const opts = {
      width,
      height: 240,
      series,
      scales: { x: { time: false } },
      axes: [
        { values: (_u, ticks) => ticks.map((t) => (Number.isInteger(t) && weeks[t] ? weeks[t].slice(5, 10) : "")) },
        {},
      ],
      legend: { show: true },
    };
    const values = [xs].concat((data.series || []).map((s) => s.values.map((v) => (v === null ? null : v))));
    container.textContent = "";
    // eslint-disable-next-line no-new
    new window.uPlot(opts, values, container);
  }

  // Stacked bars: each series drawn as the running total up to it, the tallest first, so that each
  // bar's visible part is its own series; the legend and the cursor show each series' own value.
  function drawStacked(container, data, weeks, xs) {
    const own = (data.series || []).map((s) => s.values.map((v) => (v === null ? 0 : v)));
    const totals = own.map((_, i) => xs.map((_, j) => own.slice(0, i + 1).reduce((sum, s) => sum + (s[j] || 0), 0)));
    const bars = window.uPlot.paths?.bars ? window.uPlot.paths.bars({ size: [0.6, 64] }) : undefined;
    const order = own.map((_, i) => i).reverse();
    const series = [{ label: "Week" }].concat(
      order.map((i) => ({
        label: data.series[i].label,
        stroke: PALETTE[i % PALETTE.length],
        fill: PALETTE[i % PALETTE.length],
        width: 1,
        paths: bars,
        points: { show: false },
        value: (_u, _v, _s, j) => (j === null || j === undefined ? "—" : `$${(own[i][j] || 0).toFixed(2)}`),
      })),
    );
    const width = Math.max(280, Math.min(container.clientWidth || 640, 960));
    const opts = {
      width,
      height: 240,
      series,
      scales: { x: { time: false, range: (_u, min, max) => [min - 0.5, max + 0.5] } },
      axes: [
        { values: (_u, ticks) => ticks.map((t) => (Number.isInteger(t) && weeks[t] ? weeks[t].slice(5, 10) : "")) },
        { values: (_u, ticks) => ticks.map((t) => `$${t}`) },
      ],
      legend: { show: true },
    };
    container.textContent = "";
    // eslint-disable-next-line no-new
    new window.uPlot(opts, [xs].concat(order.map((i) => totals[i])), container);
  }

  function start() {
    for (const container of document.querySelectorAll(".chart[data-chart]")) draw(container);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
