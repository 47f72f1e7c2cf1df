// Files: the CSV to upload and the config to import (read from their file inputs), the export's
// two downloads, and copying the compare command.

import { decodeBase64 } from "./connection.js";
import { $, element } from "./dom.js";
import { csvInfo } from "./notices.js";

/**
 * The file chosen in `input` as { name, text }, or null. The input is cleared so that the same
 * file can be chosen again.
 */
export async function chosenFile(input) {
  const file = input.files && input.files[0];
  if (!file) return null;
  const text = await file.text();
  input.value = "";
  return { name: file.name, text };
}

/** As chosenFile; a CSV of more than `maxBytes` is refused with a note under the upload. */
export async function chosenCsv(input, maxBytes) {
  const file = input.files && input.files[0];
  if (file && file.size > maxBytes) {
    csvInfo(`${file.name} is ${(file.size / 1048576).toFixed(1)} MB: the server takes at most ${(maxBytes / 1048576).toFixed(0)} MB`, "bad");
    input.value = "";
    return null;
  }
  return chosenFile(input);
}

function download(name, blob) {
  const url = URL.createObjectURL(blob);
  const a = element("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** The server's `export` reply as NAME.toml and NAME.safetensors. */
export function downloadExport(msg) {
  download(`${msg.name}.toml`, new Blob([msg.toml], { type: "application/toml" }));
  const bytes = decodeBase64(msg.safetensors);
  // A moment apart: some browsers drop the second of two simultaneous downloads.
  setTimeout(() => download(`${msg.name}.safetensors`, new Blob([bytes], { type: "application/octet-stream" })), 150);
}

/** Copies the compare command; where the clipboard is refused, selects it to copy by hand. */
export function copyCommand() {
  const text = $("export-command").textContent;
  const done = () => {
    $("copy-command").textContent = "copied";
    setTimeout(() => { $("copy-command").textContent = "copy"; }, 1500);
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done, () => selectText($("export-command")));
  } else {
    selectText($("export-command"));
  }
}

function selectText(el) {
  const range = document.createRange();
  range.selectNodeContents(el);
  const sel = window.getSelection();
  sel.removeAllRanges();
  sel.addRange(range);
}
