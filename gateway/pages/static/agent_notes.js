// Private notes on the open conversation: for agents only, never sent to the debtor.

import { api } from "./agent_api.js";
import { state } from "./agent_console_state.js";
import { byId } from "./agent_dom.js";
import { announce, failureText } from "./agent_status.js";
import { refreshThread } from "./agent_thread.js";

async function addNote(event) {
  event.preventDefault();
  const textarea = byId("note-text");
  const text = textarea.value.trim();
  if (!text) {
    announce("Write the note first.");
    textarea.focus();
    return;
  }
  try {
    await api("POST", "/conversations/" + encodeURIComponent(state.current) + "/notes", { text });
    textarea.value = "";
    announce("Note added.");
  } catch (failure) {
    announce(failureText(failure));
  }
  await refreshThread();
}

export function setupNotes() {
  byId("note-form").addEventListener("submit", addNote);
}
