// The queue: the conversations waiting for an agent, the agent's own, and (for supervisors) all
// of them, one tab each.

import { api, ApiError } from "./agent_api.js";
import { me, state } from "./agent_console_state.js";
import { byId, clear, duration, el, humanise } from "./agent_dom.js";
import { channelName } from "./agent_labels.js";
import { holderName } from "./agent_names.js";
import { coalesced } from "./agent_refresh.js";

const VIEWS = me.supervisor ? ["waiting", "mine", "all"] : ["waiting", "mine"];

function queueItem(conversation) {
  const who = conversation.debtor_name || "Unknown sender";
  const ref = conversation.account_ref ? " · " + conversation.account_ref : "";
  const details = [channelName(conversation.channel)];
  if (conversation.state === "escalated" && conversation.waiting_since) {
    details.push(
      el("span", {
        dataset: { since: conversation.waiting_since },
        text: "waiting " + duration(conversation.waiting_since),
      }),
    );
  }
  const holder = holderName(conversation.assigned_agent);
  if (holder) {
    details.push("held by " + holder);
  } else if (conversation.state === "bot") {
    details.push("with the bot");
  }
  const button = el(
    "button",
    {
      type: "button",
      className: "conversation",
      dataset: { id: conversation.id },
      "aria-current": conversation.id === state.current ? "true" : null,
    },
    el("span", { className: "who", text: who + ref }),
    el("span", { className: "details" }, details.flatMap((part, i) => (i ? [" · ", part] : [part]))),
    conversation.unread > 0
      ? el("span", { className: "badge", text: conversation.unread + " unread" })
      : null,
    conversation.verified ? null : el("span", { className: "tag-warn", text: "Not verified" }),
    conversation.escalation_reason
      ? el("span", {
          className: "details",
          text: "Reason: " + humanise(conversation.escalation_reason),
        })
      : null,
    conversation.last_message
      ? el("span", {
          className: "preview",
          text:
            (conversation.last_message.direction === "inbound" ? "Debtor: " : "Sent: ") +
            conversation.last_message.text,
        })
      : null,
  );
  return el("li", {}, button);
}

function renderQueue() {
  const list = byId("queue-list");
  const focused = document.activeElement;
  const focusedId = list.contains(focused) ? focused.dataset.id : null;
  const conversations = state.lists[state.view] || [];
  clear(list).append(...conversations.map(queueItem));
  byId("queue-empty").hidden = conversations.length > 0;
  for (const view of VIEWS) {
    const count = document.querySelector(`[data-count="${view}"]`);
    if (count) {
      count.textContent = "(" + state.lists[view].length + ")";
    }
  }
  for (const tab of document.querySelectorAll(".tab")) {
    tab.setAttribute("aria-pressed", String(tab.dataset.view === state.view));
  }
  if (focusedId) {
    const again = list.querySelector(`[data-id="${CSS.escape(focusedId)}"]`);
    (again || document.querySelector(`.tab[data-view="${state.view}"]`)).focus();
  }
}

async function loadQueue() {
  const answers = await Promise.all(
    VIEWS.map((view) =>
      api("GET", "/conversations?view=" + view).then(
        (body) => body.conversations,
        (failure) => {
          if (failure instanceof ApiError && failure.status === 403) {
            return [];
          }
          throw failure;
        },
      ),
    ),
  );
  VIEWS.forEach((view, index) => {
    state.lists[view] = answers[index];
  });
  renderQueue();
}

export const refreshQueue = coalesced(loadQueue);

export function tickDurations() {
  // Waiting times move on between events.
  for (const node of document.querySelectorAll("#queue-list [data-since]")) {
    node.textContent = "waiting " + duration(node.dataset.since);
  }
}

export function markOpen(id) {
  for (const button of document.querySelectorAll("#queue-list .conversation")) {
    if (button.dataset.id === id) {
      button.setAttribute("aria-current", "true");
    } else {
      button.removeAttribute("aria-current");
    }
  }
}

export function setupQueue(openConversation) {
  for (const tab of document.querySelectorAll(".tab")) {
    tab.addEventListener("click", () => {
      state.view = tab.dataset.view;
      renderQueue();
      refreshQueue();
    });
  }
  byId("queue-list").addEventListener("click", (event) => {
    const button = event.target.closest(".conversation");
    if (button) {
      openConversation(button.dataset.id);
    }
  });
}
