// Opening a conversation from the queue: what was written or chosen for the last one goes, the
// thread and its canned responses are read, and the keyboard focus moves to the thread.

import { clearAssignChoice, refreshAgents } from "./agent_assign.js";
import { state } from "./agent_console_state.js";
import { byId } from "./agent_dom.js";
import { markOpen, refreshQueue } from "./agent_queue.js";
import { clearReply } from "./agent_reply.js";
import { loadCanned } from "./agent_reply_canned.js";
import { announce, failureText, notice } from "./agent_status.js";
import { loadThread } from "./agent_thread.js";

export async function openConversation(id) {
  if (id !== state.current) {
    state.current = id;
    clearReply();
    notice("action-result", "");
    clearAssignChoice();
    markOpen(id);
  }
  try {
    await Promise.all([loadThread(), loadCanned()]);
  } catch (failure) {
    announce(failureText(failure));
    return;
  }
  byId("thread-title").focus();
  refreshQueue();
  refreshAgents();
}
