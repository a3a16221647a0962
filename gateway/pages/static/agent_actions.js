// What an agent does with the open conversation: claim it, release it to the waiting queue,
// resolve it, or return it to the bot.

import { api, ApiError } from "./agent_api.js";
import { me, state } from "./agent_console_state.js";
import { byId } from "./agent_dom.js";
import { agentNames } from "./agent_names.js";
import { expectClaim } from "./agent_own_claims.js";
import { refreshQueue } from "./agent_queue.js";
import { announce, failureText, notice } from "./agent_status.js";
import { refreshThread } from "./agent_thread.js";

const ACTION_DONE = {
  claim: "You hold this conversation now.",
  release: "Released: the conversation is back in the waiting queue.",
  resolve: "Resolved.",
  "return-to-bot": "Returned to the bot: it answers the debtor's next message.",
};

async function act(action) {
  const id = state.current;
  if (!id) {
    return;
  }
  if (action === "claim") {
    expectClaim(id, me.id);
  }
  try {
    await api("POST", "/conversations/" + encodeURIComponent(id) + "/" + action);
    notice("action-result", ACTION_DONE[action]);
    announce(ACTION_DONE[action]);
  } catch (failure) {
    if (failure instanceof ApiError && failure.code === "already_claimed") {
      const holder = failure.details && failure.details.holder;
      if (holder && holder.id) {
        agentNames.set(holder.id, holder.name);
      }
    }
    notice("action-result", failureText(failure), "error");
    announce(failureText(failure));
  }
  await Promise.all([refreshQueue(), refreshThread()]);
  // The button pressed may be gone now (renderThread moves the focus on); the focus stays
  // wherever the agent has taken it meanwhile.
  const focused = document.activeElement;
  if (!focused || focused === document.body) {
    (byId("reply-form").hidden ? byId("thread-title") : byId("reply-text")).focus();
  }
}

export function setupActions() {
  for (const button of document.querySelectorAll("[data-action]")) {
    button.addEventListener("click", () => act(button.dataset.action));
  }
}
