// The agent console: the queue, the open conversation, its account panel, what an agent does
// in it, and the transcripts waiting for review. The API is the record; the live socket only
// says that something changed, so every event (and every reconnect) reads the API again.
// Nothing from the API is ever parsed as HTML, and nothing personal is written to the
// browser's console. This module only wires the parts.

import { setupActions } from "./agent_actions.js";
import { api, toLogin } from "./agent_api.js";
import { refreshAgents, setupAssign } from "./agent_assign.js";
import { setupCannedAdmin } from "./agent_canned_admin.js";
import { me } from "./agent_console_state.js";
import { byId } from "./agent_dom.js";
import { connect, forgetSocket } from "./agent_live.js";
import { setupNotes } from "./agent_notes.js";
import { openConversation } from "./agent_open_conversation.js";
import { refreshQueue, setupQueue, tickDurations } from "./agent_queue.js";
import { setupReply } from "./agent_reply.js";
import { refreshReviews, setupReviews } from "./agent_reviews.js";
import { refreshCanned, setupReplyCanned } from "./agent_reply_canned.js";
import { announce, failureText, notice } from "./agent_status.js";
import { setupUpdates, showKind } from "./agent_updates.js";

setupQueue(openConversation);
setupActions();
setupReply();
setupReplyCanned();
setupNotes();
setupUpdates();
setupAssign();
setupReviews();
if (me.supervisor) {
  setupCannedAdmin({ announce, notice, failureText, onChange: refreshCanned });
}
byId("logout").addEventListener("click", async () => {
  try {
    await api("POST", "/logout");
  } catch {
    // Logged out or not, the login page is where this ends.
  }
  forgetSocket();
  toLogin();
});

showKind();
refreshQueue();
refreshAgents();
refreshReviews();
connect();
window.setInterval(tickDurations, 30000);
