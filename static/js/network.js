// The network page: Figuur 3 drawn with Cytoscape.js (vendored), quotes on click,
// node size by a chosen measure, PNG and SVG downloads, a sortable measures table.
import { makeSortable } from "./sortable.js";

const root = document.getElementById("network");
const container = document.getElementById("network-graph");
const dataElement = document.getElementById("network-data");

function detail(url) {
  window.htmx.ajax("GET", url, { source: root, target: "#network-detail", swap: "innerHTML" });
}

function actorUrl(id) {
  return root.dataset.actorUrl.replace(/0\/$/, `${id}/`);
}

function sizeOf(value, max) {
  if (!max || !value) return 26;
  return 26 + 54 * Math.sqrt(value / max);
}

function applySizes(cy, measure) {
  const max = Math.max(0, ...cy.nodes().map((n) => n.data(measure) || 0));
  cy.nodes().forEach((node) => node.data("size", sizeOf(node.data(measure) || 0, max)));
}

function download(blob, name) {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

function escapeXml(text) {
  return String(text).replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The drawing as SVG, from Cytoscape's own geometry (positions, curves, ends). */
function toSvg(cy) {
  const box = cy.elements().boundingBox({ includeLabels: true });
  const pad = 20;
  const colours = [...new Set(cy.edges().map((e) => e.data("colour")))];
  const marker = (colour, i) =>
    `<marker id="a${i}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${colour}"/></marker>`;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="${box.x1 - pad} ${box.y1 - pad} ${box.w + 2 * pad} ${box.h + 2 * pad}" width="${Math.round(box.w + 2 * pad)}" height="${Math.round(box.h + 2 * pad)}" font-family="sans-serif">`,
    `<rect x="${box.x1 - pad}" y="${box.y1 - pad}" width="${box.w + 2 * pad}" height="${box.h + 2 * pad}" fill="#ffffff"/>`,
    `<defs>${colours.map(marker).join("")}</defs>`,
  ];
  cy.edges().forEach((edge) => {
    const s = edge.sourceEndpoint();
    const t = edge.targetEndpoint();
    const controls = edge.controlPoints();
    let d = `M${s.x},${s.y} L${t.x},${t.y}`;
    if (controls && controls.length === 1) {
      d = `M${s.x},${s.y} Q${controls[0].x},${controls[0].y} ${t.x},${t.y}`;
    } else if (controls && controls.length > 1) {
      d = `M${s.x},${s.y} ${controls.map((p) => `L${p.x},${p.y}`).join(" ")} L${t.x},${t.y}`;
    }
    const m = colours.indexOf(edge.data("colour"));
    const arrows = edge.data("layer") === "relation";
    const attributes = [
      `d="${d}"`,
      'fill="none"',
      `stroke="${edge.data("colour")}"`,
      `stroke-width="${edge.style("width").replace("px", "")}"`,
      edge.data("occasional") ? 'stroke-dasharray="8 5"' : "",
      edge.data("layer") !== "relation" ? 'stroke-dasharray="2 4"' : "",
      arrows ? `marker-end="url(#a${m})"` : "",
      arrows && edge.data("both_ways") ? `marker-start="url(#a${m})"` : "",
    ];
    parts.push(`<path ${attributes.filter(Boolean).join(" ")}><title>${escapeXml(edge.data("label"))}</title></path>`);
  });
  cy.nodes().forEach((node) => {
    const p = node.position();
    const r = node.width() / 2;
    parts.push(
      `<circle cx="${p.x}" cy="${p.y}" r="${r}" fill="${node.style("background-color")}" stroke="#ffffff" stroke-width="2"/>`,
      `<text x="${p.x}" y="${p.y + r + 14}" text-anchor="middle" font-size="13" fill="#1d2330">${escapeXml(node.data("name"))}</text>`,
    );
  });
  parts.push("</svg>");
  return parts.join("\n");
}

function draw(data) {
  const elements = [
    ...data.nodes.map((n) => ({
      group: "nodes",
      data: { ...n, id: String(n.id), actor: n.id, size: 26 },
      position: { x: n.x, y: n.y },
    })),
    ...data.edges.map((e) => ({
      group: "edges",
      data: { ...e, source: String(e.source), target: String(e.target) },
    })),
  ];
  const maxWeight = Math.max(1, ...data.edges.map((e) => e.weight));
  const cy = window.cytoscape({
    container,
    elements,
    layout: { name: "preset", fit: true, padding: 40 },
    style: [
      {
        selector: "node",
        style: {
          label: "data(name)",
          width: "data(size)",
          height: "data(size)",
          "background-color": "data(colour)", // by actor kind (network/graph.py)
          "border-color": "#ffffff",
          "border-width": 2,
          "font-size": 13,
          color: "#1d2330",
          "text-valign": "bottom",
          "text-margin-y": 5,
          "text-wrap": "wrap",
          "text-max-width": 150,
          "text-background-color": "#ffffff",
          "text-background-opacity": 0.8,
          "text-background-padding": 2,
        },
      },
      {
        selector: "edge",
        style: {
          width: (edge) => 1.5 + 3.5 * Math.sqrt(edge.data("weight") / maxWeight),
          "line-color": "data(colour)",
          "target-arrow-color": "data(colour)",
          "source-arrow-color": "data(colour)",
          "target-arrow-shape": "triangle",
          "source-arrow-shape": (edge) => (edge.data("both_ways") ? "triangle" : "none"),
          "arrow-scale": 1.2,
          "curve-style": "bezier",
          "control-point-step-size": 46,
          "line-style": (edge) => (edge.data("occasional") ? "dashed" : "solid"),
          "line-dash-pattern": [8, 5],
        },
      },
      {
        selector: 'edge[layer = "co_mention"]',
        style: {
          "line-style": "dotted",
          "target-arrow-shape": "none",
          "source-arrow-shape": "none",
          opacity: 0.7,
        },
      },
      { selector: ":selected", style: { "overlay-opacity": 0.15, "overlay-color": "#23527c" } },
    ],
  });
  const sizeSelect = document.getElementById("node-size");
  applySizes(cy, sizeSelect.value);
  sizeSelect.addEventListener("change", () => applySizes(cy, sizeSelect.value));

  cy.on("tap", "edge", (event) => {
    const e = event.target.data();
    const query = new URLSearchParams({
      source: e.source,
      target: e.target,
      flow: e.flow,
      both: e.both_ways ? "1" : "0",
    });
    detail(`${root.dataset.tieUrl}?${query}`);
  });
  cy.on("tap", "node", (event) => detail(actorUrl(event.target.data("actor"))));

  document.getElementById("reset-layout").addEventListener("click", () => {
    cy.nodes().forEach((node) => node.position({ x: node.data("x"), y: node.data("y") }));
    cy.fit(undefined, 40);
  });
  document.getElementById("download-png").addEventListener("click", () => {
    download(cy.png({ output: "blob", full: true, scale: 2, bg: "#ffffff" }), `${root.dataset.fileName}.png`);
  });
  document.getElementById("download-svg").addEventListener("click", () => {
    download(new Blob([toSvg(cy)], { type: "image/svg+xml" }), `${root.dataset.fileName}.svg`);
  });
  root.addEventListener("click", (event) => {
    const button = event.target.closest?.("button.actor-link");
    if (!button) return;
    const node = cy.getElementById(String(button.dataset.actor));
    cy.elements().unselect();
    node.select();
    detail(actorUrl(button.dataset.actor));
  });
  window.regieNetwork = { cy, toSvg: () => toSvg(cy) };
  return cy;
}

if (dataElement && container && window.cytoscape) {
  const cy = draw(JSON.parse(dataElement.textContent));
  cy.ready(() => {
    root.dataset.ready = "1";
  });
} else {
  root.dataset.ready = "1";
}
const table = document.getElementById("metrics");
if (table) makeSortable(table);
