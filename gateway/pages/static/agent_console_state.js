// Who is signed in, and what the console holds between its reads of the API.

import { byId } from "./agent_dom.js";

export const me = {
  id: byId("agent-name").dataset.agentId,
  name: byId("agent-name").textContent,
  supervisor: byId("main").dataset.role === "supervisor",
};

export const state = {
  view: "waiting",
  lists: { waiting: [], mine: [], all: [] },
  current: null, // the open conversation's id
  thread: null, // what the API said about it last
  canned: [],
  agents: [], // supervisors: whom a conversation may be assigned to
};
