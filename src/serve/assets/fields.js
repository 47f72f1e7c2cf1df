// Settings that were not applied: each is marked at its control (a red border and a short
// message under it) and named in one notice above the columns, which says that the run goes on
// with the settings it has. A problem is settings.js's { key, id, message }.

import { $, element } from "./dom.js";

/** A control's name as its label shows it ("Learning rate"), for the notice. */
export function fieldName(id, key) {
  if (id === "layers") return "Hidden layers";
  const input = id && $(id);
  const label = input && input.closest("label");
  if (label) {
    const text = [...label.childNodes]
      .filter((n) => n.nodeType === Node.TEXT_NODE)
      .map((n) => n.textContent.trim())
      .filter(Boolean)
      .join(" ");
    if (text) return text;
  }
  return key || "settings";
}

/** The message without its `[section] key` or ``key `k`:`` lead, which the field itself says. */
function shortMessage(message) {
  return message.replace(/^\[\w+\] \w+(\[\d+\])? (= \S+:? )?/, "").replace(/^key `\w+`: /, "");
}

/** Where a control's message goes: under its input, or under the network's header. */
function slotOf(id) {
  if (id === "layers") return $("layers-error");
  const input = $(id);
  const label = input && input.closest("label");
  if (!label) return null;
  let slot = label.querySelector(".field-error");
  if (!slot) {
    slot = element("span", "field-error");
    label.append(slot);
  }
  return slot;
}

/**
 * Marks exactly `problems` at their controls (clearing the others), and shows them in the
 * notice with `lead` in front; no problems: no notice.
 */
export function showProblems(problems, lead) {
  for (const old of document.querySelectorAll("[aria-invalid='true']")) old.removeAttribute("aria-invalid");
  for (const slot of document.querySelectorAll(".field-error")) {
    slot.textContent = "";
    slot.hidden = true;
  }
  for (const p of problems) {
    const slot = p.id && slotOf(p.id);
    if (!slot) continue;
    const target = p.id === "layers" ? $("layers") : $(p.id);
    target.setAttribute("aria-invalid", "true");
    const text = shortMessage(p.message);
    slot.textContent = slot.textContent ? `${slot.textContent}; ${text}` : text;
    slot.title = p.message;
    slot.hidden = false;
  }
  const notice = $("settings-notice");
  if (!problems.length) {
    notice.hidden = true;
    $("settings-notice-text").textContent = "";
    return;
  }
  const list = element("span", "problems");
  problems.forEach((p, i) => {
    if (i) list.append(document.createTextNode(" · "));
    list.append(element("b", "", fieldName(p.id, p.key)), document.createTextNode(`: ${p.message}`));
  });
  const text = $("settings-notice-text");
  text.textContent = `${lead} `;
  text.append(list);
  notice.hidden = false;
}

export function hideNotice() {
  $("settings-notice").hidden = true;
}
