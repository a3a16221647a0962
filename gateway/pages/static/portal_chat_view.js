// The chat's view: the message list, the typing line, the state and connection lines. Text goes
// in with textContent only: message text is never HTML.

const WHO = { you: "You", assistant: "Assistant", agent: "Our team" };
const TYPING = {
  assistant: "The assistant is typing…",
  agent: "Someone from our team is typing…",
};
const STATES = {
  escalated:
    "We are finding someone from our team to help you. They will reply here, so you can keep " +
    "this page open.",
  agent: "You are chatting with someone from our team.",
  closed: "This chat has ended. If you write again, we will reply here.",
};
const TYPING_TIMEOUT_MS = 60000; // never leave "typing" up if the server goes quiet
const byId = (id) => document.getElementById(id);
const log = byId("chat-log"); // the scrolling live region
const list = byId("chat-list");
let typingTimer = null;

export function formatTime(at) {
  const when = at ? new Date(at) : new Date();
  return Number.isNaN(when.getTime())
    ? ""
    : when.toLocaleTimeString([], { hour: "numeric", minute: "2-digit" });
}

export function setConnection(text) {
  byId("chat-connection").textContent = text;
}

export function setError(text) {
  byId("chat-error").textContent = text || "";
}

export function makeItem(from, body, at, note) {
  const item = document.createElement("li");
  item.className = "chat-message chat-from-" + (WHO[from] ? from : "assistant");
  const who = document.createElement("p");
  who.className = "chat-who";
  who.textContent = WHO[from] || WHO.assistant;
  const text = document.createElement("p");
  text.className = "chat-body";
  text.textContent = body;
  const meta = document.createElement("p");
  meta.className = "chat-meta";
  const time = document.createElement("time");
  if (at) {
    time.dateTime = at;
  }
  time.textContent = formatTime(at);
  const status = document.createElement("span");
  status.className = "chat-status";
  status.textContent = note || "";
  meta.append(time, status);
  item.append(who, text, meta);
  return item;
}

export function setStatus(item, note, failed) {
  item.querySelector(".chat-status").textContent = note ? " · " + note : "";
  item.classList.toggle("chat-failed", Boolean(failed));
}

export function nearBottom() {
  return log.scrollHeight - log.scrollTop - log.clientHeight < 80;
}

export function place(item, beforePending) {
  const follow = nearBottom();
  // Server messages go before this page's unacknowledged ones: those come after, in order.
  const firstPending = beforePending ? list.querySelector(".chat-pending") : null;
  list.insertBefore(item, firstPending);
  byId("chat-empty").hidden = true;
  if (follow) {
    log.scrollTop = log.scrollHeight;
  }
}

export function showTyping(who, seconds) {
  const line = byId("chat-typing");
  clearTimeout(typingTimer);
  line.hidden = !who;
  line.textContent = who ? TYPING[who] || TYPING.assistant : "";
  if (who) {
    const wait = seconds ? seconds * 1000 : TYPING_TIMEOUT_MS;
    typingTimer = setTimeout(() => showTyping(null), wait);
  }
}

export function showState(state) {
  const line = byId("chat-state");
  const text = STATES[state] || "";
  line.hidden = !text;
  line.textContent = text;
}
