// What the console tells the agent: the status line that screen readers announce, and the
// notices written beside the controls.

import { ApiError } from "./agent_api.js";
import { byId } from "./agent_dom.js";

export function announce(message) {
  const status = byId("status");
  // Cleared first, so the same message said twice is announced twice.
  status.textContent = "";
  window.setTimeout(() => {
    status.textContent = message;
  }, 50);
}

export function notice(id, message, kind) {
  const node = byId(id);
  node.textContent = message || "";
  node.classList.toggle("is-error", kind === "error");
}

export function failureText(failure) {
  if (failure instanceof ApiError) {
    return failure.message.charAt(0).toUpperCase() + failure.message.slice(1);
  }
  return "Something went wrong. Try again.";
}
