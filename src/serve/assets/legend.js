// The heat map's legend (a dot per class, train and test) and its caption (the cells the twins
// disagree on), beside and under the canvas heatmap.js draws.

import { classColour } from "./colours.js";
import { $, element } from "./dom.js";
import { fmtInt } from "./numbers.js";

export function buildLegend(classes) {
  const legend = $("legend");
  legend.textContent = "";
  for (let c = 0; c < classes; c++) {
    const item = element("span", "legend-item");
    const dot = element("i", "dot");
    dot.style.background = classColour(c);
    item.append(dot, document.createTextNode(`class ${c}`));
    legend.append(item);
  }
  const train = element("span", "legend-item muted");
  train.append(element("i", "dot train-dot"), document.createTextNode("train"));
  const test = element("span", "legend-item muted");
  test.append(element("i", "dot test-dot"), document.createTextNode("test (outlined)"));
  legend.append(train, test);
}

/** Under the heat map: how many cells the twins disagree on (`differ`); after a divergence,
 * that the picture is the last one before it. */
export function updateBoundaryCaption(differ, diverged) {
  const caption = $("boundary-caption");
  const before = diverged ? "the last picture before the run diverged; " : "";
  caption.textContent = `${before}coloured by the burn twin; black cells: the hand-written twin predicts another class (${fmtInt(differ)} cell${differ === 1 ? "" : "s"})`;
  caption.classList.toggle("bad", differ > 0);
}
