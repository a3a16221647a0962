// The live socket. It only says that something changed, so every event (and every reconnect)
// reads the API again; it reconnects with a growing, jittered delay, and a socket the server
// closes for an ended session sends the console to the login page.

import { toLogin } from "./agent_api.js";
import { me, state } from "./agent_console_state.js";
import { byId } from "./agent_dom.js";
import { agentNames } from "./agent_names.js";
import { isOwnClaim } from "./agent_own_claims.js";
import { refreshQueue } from "./agent_queue.js";
import { announce } from "./agent_status.js";
import { refreshThread } from "./agent_thread.js";

const live = { socket: null, attempts: 0, timer: null };

function setLive(text) {
  byId("live-state").textContent = "Live updates: " + text;
}

function onEvent(event) {
  if (!event || typeof event.event !== "string") {
    return;
  }
  if (event.agent && event.agent.id) {
    agentNames.set(event.agent.id, event.agent.name);
  }
  const queued = refreshQueue();
  // A claim, or a supervisor's assignment (the event names who holds the conversation now);
  // none of this console's own doing.
  const claimed =
    event.event === "conversation.claimed" &&
    event.agent &&
    !isOwnClaim(event.conversation_id, event.agent.id);
  if (event.conversation_id && event.conversation_id === state.current) {
    refreshThread();
    if (event.event === "message.received") {
      announce("New message in this conversation.");
    } else if (claimed && event.agent.id !== me.id) {
      announce((event.agent.name || "Another agent") + " claimed this conversation.");
    } else if (claimed) {
      announce("You hold this conversation now.");
    }
  } else if (claimed && event.agent.id === me.id) {
    queued.then(() => announce("You hold another conversation now: it is in Mine."));
  } else if (event.event === "conversation.waiting") {
    queued.then(() => {
      // Only for one this agent can see in the queue now.
      if (state.lists.waiting.some((conversation) => conversation.id === event.conversation_id)) {
        announce("A conversation is waiting for an agent.");
      }
    });
  }
}

export function connect() {
  const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
  const socket = new WebSocket(scheme + window.location.host + "/agent/ws");
  live.socket = socket;
  socket.addEventListener("open", () => {
    live.attempts = 0;
    setLive("on");
    // Whatever happened while the socket was down: read it all again.
    refreshQueue();
    refreshThread();
  });
  socket.addEventListener("message", (message) => {
    let event;
    try {
      event = JSON.parse(message.data);
    } catch {
      return;
    }
    onEvent(event);
  });
  socket.addEventListener("close", (closed) => {
    if (live.socket !== socket) {
      return;
    }
    if (closed.code === 4401) {
      toLogin();
      return;
    }
    setLive("reconnecting");
    const delay = Math.min(30000, 500 * 2 ** live.attempts) * (0.75 + Math.random() / 2);
    live.attempts += 1;
    window.clearTimeout(live.timer);
    live.timer = window.setTimeout(() => {
      // Also tells a console whose session ended (the API answers 401) to log in again.
      refreshQueue();
      connect();
    }, delay);
  });
}

// The page is going to the login page: the socket closing on the way must not reconnect.
export function forgetSocket() {
  live.socket = null;
}
