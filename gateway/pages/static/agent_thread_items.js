// The open conversation's entries: its messages (earlier conversations with the same sender
// included), the agents' private notes and the account updates recorded in it.

import { state } from "./agent_console_state.js";
import { el, humanise, timeElement } from "./agent_dom.js";
import { channelName, kindLabel } from "./agent_labels.js";

export function messageItem(message) {
  const inbound = message.direction === "inbound";
  const sender = inbound ? "Debtor" : message.sender === "bot" ? "Bot" : message.sender === "system" ? "System" : message.sender;
  const facts = [channelName(message.channel)];
  if (!inbound || message.status !== "for_agent") {
    facts.push(humanise(message.status));
  }
  if (message.conversation_id && message.conversation_id !== state.current) {
    facts.push("earlier conversation");
  }
  return el(
    "li",
    {
      className:
        "message " + (inbound ? "inbound" : "outbound") + (message.status === "blocked" ? " blocked" : ""),
      dataset: { id: message.id, status: message.status },
    },
    el(
      "p",
      { className: "message-head" },
      el("span", { className: "sender", text: sender }),
      " · ",
      timeElement(message.at),
      " · ",
      el("span", { className: "message-status", text: facts.join(" · ") }),
    ),
    el("p", { className: "message-text", text: message.text }),
    ...attachmentList(message.attachments || []),
  );
}

// Files that came with an email: kept ones download (never shown inline), refused ones say why.
function attachmentList(files) {
  if (files.length === 0) {
    return [];
  }
  const items = files.map((file) => {
    const size = Math.max(1, Math.round(file.size / 1024)) + " KB";
    if (file.url) {
      return el("li", {}, el("a", { href: file.url, download: file.filename, text: file.filename }), " · " + size);
    }
    return el("li", { text: file.filename + " · " + size + " · not kept: " + humanise(file.refused) });
  });
  return [el("ul", { className: "attachments", "aria-label": "Attachments" }, ...items)];
}

export function noteItem(note) {
  return el(
    "li",
    {},
    el("p", { className: "note-head" }, el("strong", { text: note.agent.name }), " · ", timeElement(note.at)),
    el("p", { className: "note-text", text: note.text }),
  );
}

function updateSummary(update) {
  const data = update.data || {};
  const parts = [];
  for (const [key, value] of Object.entries(data)) {
    if (value === null || value === undefined || typeof value === "object" || key === "currency") {
      continue;
    }
    if (key === "amount" && data.amount_display) {
      continue;
    }
    parts.push(humanise(key === "amount_display" ? "amount" : key) + ": " + value);
  }
  return parts.join(", ");
}

export function updateItem(update) {
  return el(
    "li",
    {},
    el("strong", { text: kindLabel(update.kind) }),
    " · " + humanise(update.source) + " · ",
    timeElement(update.created_at),
    el("span", { className: "update-data", text: updateSummary(update) }),
  );
}
