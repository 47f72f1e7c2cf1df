// Notes around the controls: the error bar, the CSV line under the upload, the run's warnings.

import { $, element } from "./dom.js";

export function showError(text, fromServer) {
  $("error").textContent = text;
  $("error-bar").hidden = false;
  $("error-bar").dataset.source = fromServer ? "server" : "page";
}

export function hideError() {
  $("error").textContent = "";
  $("error-bar").hidden = true;
}

export function csvInfo(text, kind) {
  const p = $("csv-info");
  p.textContent = text;
  p.dataset.kind = kind || "";
}

export function renderWarnings(warnings) {
  const ul = $("warnings");
  ul.textContent = "";
  for (const w of warnings) ul.append(element("li", "", w));
}
