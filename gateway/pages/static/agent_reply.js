// The reply box: a reply goes through the contact policy, which may queue it, defer it or block
// it; the agent is told which, and why. A reply to someone not verified needs a second look.

import { api } from "./agent_api.js";
import { state } from "./agent_console_state.js";
import { reasonList } from "./agent_decision.js";
import { byId, clear, el, formatTime } from "./agent_dom.js";
import { announce, failureText, notice } from "./agent_status.js";
import { refreshThread } from "./agent_thread.js";

function renderReplyResult(answer) {
  const box = clear(byId("reply-result"));
  const decision = answer.decision || {};
  box.classList.toggle("is-error", answer.status === "blocked");
  let text;
  if (answer.status === "blocked") {
    text = "Blocked by the contact policy: the reply was not sent.";
  } else if (answer.status === "deferred") {
    text =
      "Deferred: the reply waits" +
      (decision.not_before ? " until " + formatTime(decision.not_before) : "") +
      ".";
  } else {
    text = "Reply queued for sending.";
  }
  box.append(el("p", { className: "result-title", text }));
  if (answer.status !== "queued" && decision.reasons && decision.reasons.length) {
    box.append(reasonList(decision.reasons));
  }
  const reasons = (decision.reasons || []).map((reason) => reason.message).join(" ");
  announce(answer.status === "queued" ? text : text + " " + reasons);
}

async function sendReply() {
  const textarea = byId("reply-text");
  const text = textarea.value.trim();
  const id = state.current;
  if (!text) {
    notice("reply-result", "Write a reply first.", "error");
    textarea.focus();
    return;
  }
  byId("reply-send").disabled = true;
  try {
    const answer = await api("POST", "/conversations/" + encodeURIComponent(id) + "/messages", { text });
    if (answer.status !== "blocked") {
      textarea.value = "";
    }
    renderReplyResult(answer);
  } catch (failure) {
    notice("reply-result", failureText(failure), "error");
    announce(failureText(failure));
  } finally {
    byId("reply-send").disabled = false;
  }
  await refreshThread();
}

function onReplySubmit(event) {
  event.preventDefault();
  if (!byId("reply-text").value.trim()) {
    notice("reply-result", "Write a reply first.", "error");
    byId("reply-text").focus();
    return;
  }
  if (state.thread && !state.thread.verified) {
    // Nothing goes to someone who has not proven who they are without a second look.
    byId("reply-confirm").hidden = false;
    byId("reply-confirm-text").focus();
    return;
  }
  sendReply();
}

// A web chat shows the debtor that someone is writing; one note every few seconds is enough.
const TYPING_EVERY_MS = 4000;
let typingSentAt = 0;

function noteTyping() {
  const thread = state.thread;
  const now = Date.now();
  if (!thread || thread.channel !== "chat" || now - typingSentAt < TYPING_EVERY_MS) {
    return;
  }
  typingSentAt = now;
  api("POST", "/conversations/" + encodeURIComponent(state.current) + "/typing", {}).catch(() => {
    // Only a courtesy to the debtor: a refusal (not the holder) changes nothing here.
  });
}

// Another conversation opened: nothing written for the last one may go to this one.
export function clearReply() {
  byId("reply-text").value = "";
  byId("reply-confirm").hidden = true;
  notice("reply-result", "");
}

export function setupReply() {
  byId("reply-form").addEventListener("submit", onReplySubmit);
  byId("reply-text").addEventListener("input", noteTyping);
  byId("reply-confirm-send").addEventListener("click", () => {
    byId("reply-confirm").hidden = true;
    byId("reply-text").focus();
    sendReply();
  });
  byId("reply-confirm-cancel").addEventListener("click", () => {
    byId("reply-confirm").hidden = true;
    byId("reply-text").focus();
    announce("Not sent.");
  });
}
