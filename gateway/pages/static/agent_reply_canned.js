// Canned responses in the reply box: the ones for the open conversation (the API fills in their
// variables for it), and putting the chosen one where the cursor is.

import { api } from "./agent_api.js";
import { state } from "./agent_console_state.js";
import { byId, clear, el } from "./agent_dom.js";
import { coalesced } from "./agent_refresh.js";
import { announce } from "./agent_status.js";

export async function loadCanned() {
  const id = state.current;
  if (!id) {
    return;
  }
  const body = await api("GET", "/canned-responses?conversation_id=" + encodeURIComponent(id));
  if (id !== state.current) {
    return;
  }
  state.canned = body.canned_responses || [];
  const select = byId("canned-select");
  const chosen = select.value;
  clear(select).append(
    el("option", {
      value: "",
      text: state.canned.length ? "Choose a canned response" : "No canned responses yet",
    }),
    ...state.canned.map((canned) => el("option", { value: canned.id, text: canned.title })),
  );
  if (state.canned.some((canned) => canned.id === chosen)) {
    select.value = chosen;
  }
}

export const refreshCanned = coalesced(loadCanned);

function insertCanned() {
  const chosen = state.canned.find((canned) => canned.id === byId("canned-select").value);
  const textarea = byId("reply-text");
  if (!chosen) {
    announce("Choose a canned response first.");
    byId("canned-select").focus();
    return;
  }
  const start = textarea.selectionStart ?? textarea.value.length;
  const end = textarea.selectionEnd ?? textarea.value.length;
  const fill = chosen.text || chosen.body;
  textarea.setRangeText(fill, start, end, "end");
  textarea.focus();
  announce("Inserted “" + chosen.title + "”.");
}

export function setupReplyCanned() {
  byId("canned-insert").addEventListener("click", insertCanned);
}
