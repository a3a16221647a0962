// The debtor's web chat. The socket (/portal/ws) sends the history on connect, then new messages,
// the conversation's state and the assistant's typing; this page sends each message with an id
// of its own and keeps it until the server acknowledges it, so a message written while the
// connection is down, or whose acknowledgement was lost, is sent again after reconnecting (the
// server stores it once).

import {
  makeItem,
  place,
  setConnection,
  setError,
  setStatus,
  showState,
  showTyping,
} from "./portal_chat_view.js";

const BACKOFF_MS = [500, 1000, 2000, 5000, 10000, 20000, 30000];
const STORE_KEY = "parley-chat-unsent"; // this tab only: cleared when the tab closes

const byId = (id) => document.getElementById(id);
const input = byId("chat-input");
const form = byId("chat-form");
const maxBody = Number(document.querySelector(".chat").dataset.maxBody || "2000");

const chat = {
  socket: null,
  attempts: 0,
  opened: false,
  signedOut: false,
  rendered: new Map(), // server message id -> list item
  pending: new Map(), // this page's id -> { body, item }, until acknowledged
  retryTimer: null,
};

function newId() {
  if (window.crypto && typeof window.crypto.randomUUID === "function") {
    return window.crypto.randomUUID();
  }
  const bytes = window.crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function addServerMessage(message) {
  if (!message || typeof message.id !== "string" || chat.rendered.has(message.id)) {
    return;
  }
  const item = makeItem(message.from, String(message.body || ""), message.at);
  chat.rendered.set(message.id, item);
  place(item, true);
  if (message.from !== "you") {
    showTyping(null);
  }
}

function saveUnsent() {
  try {
    const unsent = Array.from(chat.pending, ([id, entry]) => ({ id, body: entry.body }));
    window.sessionStorage.setItem(STORE_KEY, JSON.stringify(unsent));
  } catch {
    // Storage may be off (private mode): unsent messages then live as long as the page.
  }
}

function transmit(id) {
  const entry = chat.pending.get(id);
  if (!entry || !chat.socket || chat.socket.readyState !== WebSocket.OPEN) {
    return; // sent when the connection is back
  }
  setStatus(entry.item, "Sending…");
  chat.socket.send(JSON.stringify({ type: "message", id, body: entry.body }));
}

function queueMessage(id, body) {
  const item = makeItem("you", body, null, "");
  item.classList.add("chat-pending");
  chat.pending.set(id, { body, item });
  place(item, false);
  const open = chat.socket && chat.socket.readyState === WebSocket.OPEN;
  setStatus(item, open ? "Sending…" : "Waiting for the connection…");
  saveUnsent();
  transmit(id);
}

function onAck(frame) {
  const entry = chat.pending.get(frame.id);
  if (!entry) {
    return;
  }
  chat.pending.delete(frame.id);
  saveUnsent();
  if (chat.rendered.has(frame.message_id)) {
    entry.item.remove(); // the history had it already: sent before the connection dropped
    return;
  }
  entry.item.classList.remove("chat-pending");
  setStatus(entry.item, "Sent");
  chat.rendered.set(frame.message_id, entry.item);
}

function onError(frame) {
  const entry = typeof frame.id === "string" ? chat.pending.get(frame.id) : null;
  if (entry && (frame.code === "rate_limited" || frame.code === "not_stored")) {
    // Not refused for what it says: it goes again shortly.
    setStatus(entry.item, "Waiting to send…");
    const wait = Math.max(1, Number(frame.retry_after) || 3) * 1000;
    setTimeout(() => transmit(frame.id), wait);
    return;
  }
  if (entry) {
    chat.pending.delete(frame.id);
    saveUnsent();
    setStatus(entry.item, "Not sent", true);
  }
  setError(frame.message || "Something went wrong. Please try again.");
}

function onFrame(frame) {
  if (!frame || typeof frame.type !== "string") {
    return;
  }
  if (frame.type === "history") {
    (frame.messages || []).forEach(addServerMessage);
  } else if (frame.type === "message") {
    addServerMessage(frame);
    if (frame.from === "agent") {
      showTyping(null);
    }
  } else if (frame.type === "ack") {
    onAck(frame);
  } else if (frame.type === "typing") {
    showTyping(frame.on ? frame.who : null, frame.seconds);
  } else if (frame.type === "state") {
    showState(frame.state);
    if (frame.state !== "bot") {
      showTyping(null);
    }
  } else if (frame.type === "error") {
    onError(frame);
  }
}

async function stillSignedIn() {
  try {
    const answer = await fetch("/portal/chat", { credentials: "same-origin", redirect: "manual" });
    return answer.status !== 401;
  } catch {
    return true; // offline: keep trying
  }
}

function signedOut() {
  chat.signedOut = true;
  setConnection("You are signed out. To keep chatting, open the link we sent you again.");
  input.disabled = true;
  byId("chat-send").disabled = true;
}

async function reconnectLater(code) {
  chat.socket = null;
  if (code === 4401 || (!chat.opened && !(await stillSignedIn()))) {
    signedOut();
    return;
  }
  const delay = BACKOFF_MS[Math.min(chat.attempts, BACKOFF_MS.length - 1)];
  const jittered = delay / 2 + Math.random() * delay;
  chat.attempts += 1;
  const seconds = Math.max(1, Math.round(jittered / 1000));
  setConnection(
    code === 4429
      ? "This chat is open in too many windows. Trying again in " + seconds + " seconds…"
      : "Connection lost. Reconnecting in " + seconds + " seconds… Your messages are kept.",
  );
  chat.retryTimer = setTimeout(connect, jittered);
}

function connect() {
  clearTimeout(chat.retryTimer);
  if (chat.signedOut) {
    return;
  }
  const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
  const socket = new WebSocket(scheme + window.location.host + "/portal/ws");
  chat.socket = socket;
  chat.opened = false;
  setConnection(chat.attempts ? "Reconnecting…" : "Connecting…");
  socket.addEventListener("open", () => {
    chat.opened = true;
    chat.attempts = 0;
    setConnection("Connected.");
    for (const id of chat.pending.keys()) {
      transmit(id);
    }
  });
  socket.addEventListener("message", (message) => {
    try {
      onFrame(JSON.parse(message.data));
    } catch {
      // A frame this page cannot read is skipped; the next history brings it back.
    }
  });
  socket.addEventListener("close", (closed) => {
    if (chat.socket === socket) {
      showTyping(null);
      reconnectLater(closed.code);
    }
  });
}

function submit() {
  const body = input.value.trim();
  if (!body) {
    setError("Please write a message first.");
    input.focus();
    return;
  }
  if (body.length > maxBody) {
    setError("Messages can be up to " + maxBody + " characters. Please shorten it or split it.");
    return;
  }
  setError("");
  input.value = "";
  queueMessage(newId(), body);
  input.focus();
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  submit();
});

input.addEventListener("keydown", (event) => {
  // Enter sends; Shift+Enter is a new line; Enter that ends an IME composition is not a send.
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    submit();
  }
});

function restoreUnsent() {
  try {
    const unsent = JSON.parse(window.sessionStorage.getItem(STORE_KEY) || "[]");
    for (const entry of Array.isArray(unsent) ? unsent : []) {
      if (entry && typeof entry.id === "string" && typeof entry.body === "string") {
        queueMessage(entry.id, entry.body);
      }
    }
  } catch {
    // Nothing kept, or storage off.
  }
}

restoreUnsent();
connect();
