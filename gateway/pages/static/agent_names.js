// Agents' names as the console has learnt them: the API and the live events name agents, but a
// conversation's holder may come as an id alone.

import { me } from "./agent_console_state.js";

export const agentNames = new Map([[me.id, me.name]]);

export function holderName(holder) {
  if (!holder) {
    return null;
  }
  if (typeof holder === "object") {
    if (holder.id && holder.name) {
      agentNames.set(holder.id, holder.name);
    }
    return holder.id === me.id ? "you" : holder.name || "another agent";
  }
  if (holder === me.id) {
    return "you";
  }
  return agentNames.get(holder) || "another agent";
}
