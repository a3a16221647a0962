// The open conversation: who it is with and who holds it, the actions the agent may take in it,
// its messages, notes and updates, and the account panel beside it.

import { api } from "./agent_api.js";
import { renderAccount } from "./agent_account.js";
import { me, state } from "./agent_console_state.js";
import { byId, clear, el, formatTime, humanise } from "./agent_dom.js";
import { channelName } from "./agent_labels.js";
import { holderName } from "./agent_names.js";
import { coalesced } from "./agent_refresh.js";
import { messageItem, noteItem, updateItem } from "./agent_thread_items.js";

const assignBox = byId("assign"); // only on a supervisor's page

function metaText(thread, holder) {
  const meta = [channelName(thread.channel)];
  if (thread.state === "escalated") {
    meta.push("waiting for an agent" + (thread.waiting_since ? " since " + formatTime(thread.waiting_since) : ""));
  } else if (thread.state === "agent") {
    meta.push("held by " + holder);
  } else if (thread.state === "closed") {
    meta.push("resolved");
  } else {
    meta.push("with the bot");
  }
  if (thread.escalation_reason) {
    meta.push("reason: " + humanise(thread.escalation_reason));
  }
  return meta.join(" · ");
}

function renderMessages(messages) {
  const list = byId("messages");
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  const before = list.children.length;
  clear(list).append(...messages.map(messageItem));
  if (atBottom || before === 0) {
    list.scrollTop = list.scrollHeight;
  }
}

function renderThread(thread) {
  state.thread = thread;
  byId("thread-placeholder").hidden = true;
  byId("thread-body").hidden = false;
  const who = thread.debtor_name || "Unknown sender";
  byId("thread-title").textContent =
    "Conversation with " + who + (thread.account_ref ? " (" + thread.account_ref + ")" : "");
  const holder = thread.state === "agent" ? holderName(thread.assigned_agent) : null;
  const mine = thread.state === "agent" && holder === "you";
  byId("thread-meta").textContent = metaText(thread, holder);
  byId("unverified-banner").hidden = thread.verified;

  const open = thread.state !== "closed";
  const manage = open && (mine || (me.supervisor && ["escalated", "agent"].includes(thread.state)));
  const focused = document.activeElement;
  byId("action-claim").hidden = !open || mine;
  byId("action-release").hidden = !manage || thread.state !== "agent";
  byId("action-resolve").hidden = !manage;
  byId("action-return").hidden = !manage;
  if (assignBox) {
    assignBox.hidden = !open;
  }

  renderMessages(thread.messages);

  byId("reply-form").hidden = !mine;
  byId("update-form").hidden = !mine;
  byId("claim-hint").hidden = mine || !open;
  if (thread.verified) {
    byId("reply-confirm").hidden = true;
  }

  clear(byId("notes")).append(
    ...(thread.notes.length
      ? thread.notes.map(noteItem)
      : [el("li", { className: "muted", text: "No notes yet." })]),
  );
  clear(byId("updates-list")).append(...thread.updates.map(updateItem));
  renderAccount(thread);
  // A button that just disappeared must not take the keyboard focus with it.
  if (focused && focused !== document.body && (focused.hidden || focused.closest("[hidden]"))) {
    (mine ? byId("reply-text") : byId("thread-title")).focus();
  }
}

export async function loadThread() {
  const id = state.current;
  if (!id) {
    return;
  }
  const thread = await api("GET", "/conversations/" + encodeURIComponent(id));
  if (id === state.current) {
    renderThread(thread);
  }
}

export const refreshThread = coalesced(loadThread);
