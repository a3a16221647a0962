// The account update form: one set of fields per kind of update (only the chosen kind's are
// enabled, so only they are sent), and the fields the API refuses marked where they are.

import { api, ApiError } from "./agent_api.js";
import { state } from "./agent_console_state.js";
import { byId } from "./agent_dom.js";
import { kindLabel } from "./agent_labels.js";
import { announce, failureText } from "./agent_status.js";
import { refreshThread } from "./agent_thread.js";

function activeFieldset() {
  const kind = byId("update-kind").value;
  return document.querySelector(`.update-fields[data-kind="${CSS.escape(kind)}"]`);
}

export function showKind() {
  const kind = byId("update-kind").value;
  for (const fieldset of document.querySelectorAll(".update-fields")) {
    const chosen = fieldset.dataset.kind === kind;
    fieldset.hidden = !chosen;
    fieldset.disabled = !chosen;
  }
  clearUpdateErrors();
}

function clearUpdateErrors() {
  for (const node of document.querySelectorAll("#update-form [data-error-for]")) {
    node.textContent = "";
  }
  for (const node of document.querySelectorAll("#update-form [aria-invalid]")) {
    node.removeAttribute("aria-invalid");
  }
}

async function recordUpdate(event) {
  event.preventDefault();
  clearUpdateErrors();
  const form = byId("update-form");
  const fieldset = activeFieldset();
  const body = { kind: byId("update-kind").value };
  for (const [name, value] of new FormData(form)) {
    if (name !== "kind" && String(value).trim()) {
      body[name] = String(value).trim();
    }
  }
  try {
    await api("POST", "/conversations/" + encodeURIComponent(state.current) + "/updates", body);
    for (const input of fieldset.querySelectorAll("input, textarea, select")) {
      input.value = "";
    }
    announce(kindLabel(body.kind) + " recorded.");
  } catch (failure) {
    const details = failure instanceof ApiError && Array.isArray(failure.details) ? failure.details : [];
    let marked = 0;
    for (const detail of details) {
      const error = fieldset.querySelector(`[data-error-for="${CSS.escape(String(detail.field))}"]`);
      const input = fieldset.querySelector(`[name="${CSS.escape(String(detail.field))}"]`);
      if (error && input) {
        error.textContent = error.textContent ? error.textContent + " " + detail.message : detail.message;
        input.setAttribute("aria-invalid", "true");
        marked += 1;
      }
    }
    announce(marked ? "The update was not recorded: correct the marked fields." : failureText(failure));
    (fieldset.querySelector('[aria-invalid="true"]') || byId("update-kind")).focus();
  }
  await refreshThread();
}

export function setupUpdates() {
  byId("update-kind").addEventListener("change", showKind);
  byId("update-form").addEventListener("submit", recordUpdate);
}
