// Supervisors assign a conversation to an agent of their choice; the list of agents is read
// again whenever a conversation is opened, and when the chosen agent turns out to be gone.

import { api, ApiError } from "./agent_api.js";
import { me, state } from "./agent_console_state.js";
import { byId, clear, el } from "./agent_dom.js";
import { agentNames } from "./agent_names.js";
import { expectClaim, forgetClaim } from "./agent_own_claims.js";
import { refreshQueue } from "./agent_queue.js";
import { coalesced } from "./agent_refresh.js";
import { announce, failureText, notice } from "./agent_status.js";
import { refreshThread } from "./agent_thread.js";

const assignBox = byId("assign"); // only on a supervisor's page
let assigning = false;

function agentLabel(agent) {
  if (agent.id === me.id) {
    return agent.name + " (you)";
  }
  return agent.role === "supervisor" ? agent.name + " (supervisor)" : agent.name;
}

async function loadAgents() {
  if (!assignBox) {
    return;
  }
  const body = await api("GET", "/agents");
  state.agents = body.agents || [];
  for (const agent of state.agents) {
    agentNames.set(agent.id, agent.name);
  }
  const select = byId("assign-agent");
  const chosen = select.value;
  clear(select).append(
    el("option", { value: "", text: "Choose an agent" }),
    ...state.agents.map((agent) => el("option", { value: agent.id, text: agentLabel(agent) })),
  );
  if (state.agents.some((agent) => agent.id === chosen)) {
    select.value = chosen;
  }
}

export const refreshAgents = coalesced(loadAgents);

async function assign() {
  const id = state.current;
  const select = byId("assign-agent");
  if (!id || assigning) {
    return;
  }
  select.removeAttribute("aria-invalid");
  const agentId = select.value;
  if (!agentId) {
    const text = "Choose the agent to assign the conversation to.";
    notice("action-result", text, "error");
    announce(text);
    select.focus();
    return;
  }
  const target = state.agents.find((agent) => agent.id === agentId);
  const name = !target ? "the agent" : target.id === me.id ? "you" : target.name;
  assigning = true;
  expectClaim(id, agentId);
  try {
    await api("POST", "/conversations/" + encodeURIComponent(id) + "/assign", { agent_id: agentId });
    const done = "Assigned to " + name + ".";
    notice("action-result", done);
    announce(done);
    select.value = "";
  } catch (failure) {
    forgetClaim(id);
    const details = failure instanceof ApiError && Array.isArray(failure.details) ? failure.details : [];
    if (details.some((detail) => detail.field === "agent_id")) {
      // That agent is gone (deactivated meanwhile): the list is read again.
      select.setAttribute("aria-invalid", "true");
      refreshAgents();
    }
    notice("action-result", failureText(failure), "error");
    announce(failureText(failure));
  } finally {
    assigning = false;
  }
  await Promise.all([refreshQueue(), refreshThread()]);
}

export function clearAssignChoice() {
  if (assignBox) {
    byId("assign-agent").value = "";
    byId("assign-agent").removeAttribute("aria-invalid");
  }
}

export function setupAssign() {
  if (assignBox) {
    byId("assign-button").addEventListener("click", assign);
    byId("assign-agent").addEventListener("change", () => byId("assign-agent").removeAttribute("aria-invalid"));
  }
}
