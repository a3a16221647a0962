// The agent console: the queue, the open conversation, its account panel, and what an agent
// does in it. The API is the record; the live socket only says that something changed, so every
// event (and every reconnect) reads the API again. Nothing from the API is ever parsed as HTML,
// and nothing personal is written to the browser's console.

import { api, ApiError, toLogin } from "./agent_api.js";
import { setupCannedAdmin } from "./agent_canned_admin.js";
import { byId, clear, duration, el, formatTime, humanise, money, timeElement } from "./agent_dom.js";

const main = byId("main");
const me = {
  id: byId("agent-name").dataset.agentId,
  name: byId("agent-name").textContent,
  supervisor: main.dataset.role === "supervisor",
};
const VIEWS = me.supervisor ? ["waiting", "mine", "all"] : ["waiting", "mine"];
const CHANNELS = { sms: "SMS", email: "Email", voice: "Voice", chat: "Web chat" };
const OUTCOMES = { allow: "Allowed", defer: "Deferred", block: "Blocked" };
const KIND_LABELS = {};
for (const option of byId("update-kind").options) {
  KIND_LABELS[option.value] = option.textContent;
}

const state = {
  view: "waiting",
  lists: { waiting: [], mine: [], all: [] },
  current: null, // the open conversation's id
  thread: null, // what the API said about it last
  canned: [],
  agents: [], // supervisors: whom a conversation may be assigned to
};
const agentNames = new Map([[me.id, me.name]]);
// Claims this console just made (conversation id -> the agent who holds it now): their live
// events need no announcement, the console said what happened already.
const ownClaims = new Map();
const assignBox = byId("assign"); // only on a supervisor's page

function expectClaim(conversationId, agentId) {
  ownClaims.set(conversationId, agentId);
  window.setTimeout(() => {
    if (ownClaims.get(conversationId) === agentId) {
      ownClaims.delete(conversationId);
    }
  }, 5000);
}

// ---- status messages -------------------------------------------------------------------------

function announce(message) {
  const status = byId("status");
  // Cleared first, so the same message said twice is announced twice.
  status.textContent = "";
  window.setTimeout(() => {
    status.textContent = message;
  }, 50);
}

function notice(id, message, kind) {
  const node = byId(id);
  node.textContent = message || "";
  node.classList.toggle("is-error", kind === "error");
}

function failureText(failure) {
  if (failure instanceof ApiError) {
    return failure.message.charAt(0).toUpperCase() + failure.message.slice(1);
  }
  return "Something went wrong. Try again.";
}

// ---- the queue -------------------------------------------------------------------------------

function channelName(channel) {
  return CHANNELS[channel] || humanise(channel);
}

function holderName(holder) {
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

function tickDurations() {
  // Waiting times move on between events.
  for (const node of document.querySelectorAll("#queue-list [data-since]")) {
    node.textContent = "waiting " + duration(node.dataset.since);
  }
}

// ---- the open conversation -------------------------------------------------------------------

function messageItem(message) {
  const inbound = message.direction === "inbound";
  const sender = inbound ? "Debtor" : message.sender === "bot" ? "Bot" : message.sender === "system" ? "System" : message.sender;
  const facts = [channelName(message.channel)];
  if (!inbound || message.status !== "for_agent") {
    facts.push(humanise(message.status));
  }
  if (message.conversation_id && message.conversation_id !== state.current) {
    facts.push("earlier conversation");
  }
  return el(
    "li",
    {
      className:
        "message " + (inbound ? "inbound" : "outbound") + (message.status === "blocked" ? " blocked" : ""),
      dataset: { id: message.id, status: message.status },
    },
    el(
      "p",
      { className: "message-head" },
      el("span", { className: "sender", text: sender }),
      " · ",
      timeElement(message.at),
      " · ",
      el("span", { className: "message-status", text: facts.join(" · ") }),
    ),
    el("p", { className: "message-text", text: message.text }),
  );
}

function reasonList(reasons) {
  return el(
    "ul",
    { className: "reasons" },
    (reasons || []).map((reason) =>
      el(
        "li",
        {},
        el("span", { className: "reason-message", text: reason.message }),
        " ",
        el("span", { className: "reason-rule", text: "(" + reason.rule + ")" }),
        reason.citation ? el("span", { className: "citation", text: " " + reason.citation }) : null,
      ),
    ),
  );
}

function renderDecision(decision) {
  const box = clear(byId("decision"));
  if (!decision) {
    return;
  }
  const outcome = OUTCOMES[decision.outcome] || humanise(decision.outcome);
  box.className = "decision decision-" + decision.outcome;
  box.append(el("p", { className: "outcome", text: outcome }));
  if (decision.not_before) {
    box.append(el("p", {}, "Not before ", timeElement(decision.not_before)));
  }
  if (decision.reasons && decision.reasons.length) {
    box.append(reasonList(decision.reasons));
  }
}

function renderAccount(thread) {
  const account = thread.account;
  byId("account-placeholder").hidden = true;
  byId("account-none").hidden = Boolean(account);
  byId("account-body").hidden = false;
  renderDecision(thread.reply_decision);
  const sections = ["account-ref", "account-debtor", "account-creditor", "account-balance"];
  if (!account) {
    for (const id of sections) {
      byId(id).textContent = "—";
    }
    clear(byId("contacts"));
    clear(byId("holds"));
    clear(byId("contact-counts").tBodies[0]);
    return;
  }
  byId("account-ref").textContent = account.account_ref;
  byId("account-debtor").textContent = (account.debtor && account.debtor.name) || thread.debtor_name || "—";
  byId("account-creditor").textContent = account.creditor || "—";
  const balance = byId("account-balance");
  balance.classList.toggle("not-verified", !account.balance);
  balance.textContent = account.balance
    ? money(account.balance)
    : "Not verified: hidden until the debtor proves who they are";
  clear(byId("contacts")).append(
    ...(account.contacts || []).map((contact) =>
      el(
        "li",
        {},
        el("span", { className: "contact-address", text: channelName(contact.channel) + ": " + contact.address }),
        el("span", {
          className: contact.consent ? "consent-yes" : "consent-no",
          text: contact.consent ? "Consent given" : "No consent",
        }),
        contact.valid === false ? el("span", { className: "consent-no", text: "Invalid" }) : null,
      ),
    ),
  );
  const holds = account.holds || [];
  clear(byId("holds")).append(
    ...(holds.length
      ? holds.map((hold) => el("li", { className: "hold", text: humanise(hold) }))
      : [el("li", { className: "muted", text: "None" })]),
  );
  const counts = account.contact_counts || {};
  clear(byId("contact-counts").tBodies[0]).append(
    ...Object.entries(counts).map(([channel, windows]) =>
      el(
        "tr",
        {},
        el("th", { scope: "row", text: channelName(channel) }),
        el("td", { text: windows["1d"] ?? 0 }),
        el("td", { text: windows["7d"] ?? 0 }),
        el("td", { text: windows["30d"] ?? 0 }),
      ),
    ),
  );
}

function updateSummary(update) {
  const data = update.data || {};
  const parts = [];
  for (const [key, value] of Object.entries(data)) {
    if (value === null || value === undefined || typeof value === "object" || key === "currency") {
      continue;
    }
    if (key === "amount" && data.amount_display) {
      continue;
    }
    parts.push(humanise(key === "amount_display" ? "amount" : key) + ": " + value);
  }
  return parts.join(", ");
}

function renderThread(thread) {
  state.thread = thread;
  byId("thread-placeholder").hidden = true;
  byId("thread-body").hidden = false;
  const who = thread.debtor_name || "Unknown sender";
  byId("thread-title").textContent =
    "Conversation with " + who + (thread.account_ref ? " (" + thread.account_ref + ")" : "");
  const holder = thread.state === "agent" ? holderName(thread.assigned_agent) : null;
  const mine = thread.state === "agent" && holder === "you";
  const meta = [channelName(thread.channel)];
  if (thread.state === "escalated") {
    meta.push("waiting for an agent" + (thread.waiting_since ? " since " + formatTime(thread.waiting_since) : ""));
  } else if (thread.state === "agent") {
    meta.push("held by " + holder);
  } else if (thread.state === "closed") {
    meta.push("resolved");
  } else {
    meta.push("with the bot");
  }
  if (thread.escalation_reason) {
    meta.push("reason: " + humanise(thread.escalation_reason));
  }
  byId("thread-meta").textContent = meta.join(" · ");
  byId("unverified-banner").hidden = thread.verified;

  const open = thread.state !== "closed";
  const manage = open && (mine || (me.supervisor && ["escalated", "agent"].includes(thread.state)));
  const focused = document.activeElement;
  byId("action-claim").hidden = !open || mine;
  byId("action-release").hidden = !manage || thread.state !== "agent";
  byId("action-resolve").hidden = !manage;
  byId("action-return").hidden = !manage;
  if (assignBox) {
    assignBox.hidden = !open;
  }

  const list = byId("messages");
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  const before = list.children.length;
  clear(list).append(...thread.messages.map(messageItem));
  if (atBottom || before === 0) {
    list.scrollTop = list.scrollHeight;
  }

  byId("reply-form").hidden = !mine;
  byId("update-form").hidden = !mine;
  byId("claim-hint").hidden = mine || !open;
  if (thread.verified) {
    byId("reply-confirm").hidden = true;
  }

  clear(byId("notes")).append(
    ...(thread.notes.length
      ? thread.notes.map((note) =>
          el(
            "li",
            {},
            el("p", { className: "note-head" }, el("strong", { text: note.agent.name }), " · ", timeElement(note.at)),
            el("p", { className: "note-text", text: note.text }),
          ),
        )
      : [el("li", { className: "muted", text: "No notes yet." })]),
  );
  clear(byId("updates-list")).append(
    ...thread.updates.map((update) =>
      el(
        "li",
        {},
        el("strong", { text: KIND_LABELS[update.kind] || humanise(update.kind) }),
        " · " + humanise(update.source) + " · ",
        timeElement(update.created_at),
        el("span", { className: "update-data", text: updateSummary(update) }),
      ),
    ),
  );
  renderAccount(thread);
  // A button that just disappeared must not take the keyboard focus with it.
  if (focused && focused !== document.body && (focused.hidden || focused.closest("[hidden]"))) {
    (mine ? byId("reply-text") : byId("thread-title")).focus();
  }
}

async function loadThread() {
  const id = state.current;
  if (!id) {
    return;
  }
  const thread = await api("GET", "/conversations/" + encodeURIComponent(id));
  if (id === state.current) {
    renderThread(thread);
  }
}

async function loadCanned() {
  const id = state.current;
  if (!id) {
    return;
  }
  const body = await api("GET", "/canned-responses?conversation_id=" + encodeURIComponent(id));
  if (id !== state.current) {
    return;
  }
  state.canned = body.canned_responses || [];
  const select = byId("canned-select");
  const chosen = select.value;
  clear(select).append(
    el("option", {
      value: "",
      text: state.canned.length ? "Choose a canned response" : "No canned responses yet",
    }),
    ...state.canned.map((canned) => el("option", { value: canned.id, text: canned.title })),
  );
  if (state.canned.some((canned) => canned.id === chosen)) {
    select.value = chosen;
  }
}

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

async function openConversation(id) {
  if (id !== state.current) {
    state.current = id;
    byId("reply-text").value = "";
    byId("reply-confirm").hidden = true;
    notice("reply-result", "");
    notice("action-result", "");
    if (assignBox) {
      byId("assign-agent").value = "";
      byId("assign-agent").removeAttribute("aria-invalid");
    }
    for (const button of document.querySelectorAll("#queue-list .conversation")) {
      if (button.dataset.id === id) {
        button.setAttribute("aria-current", "true");
      } else {
        button.removeAttribute("aria-current");
      }
    }
  }
  try {
    await Promise.all([loadThread(), loadCanned()]);
  } catch (failure) {
    announce(failureText(failure));
    return;
  }
  byId("thread-title").focus();
  refresher.queue();
  refresher.agents();
}

// ---- what an agent does ----------------------------------------------------------------------

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
  await Promise.all([refresher.queue(), refresher.thread()]);
  // The button pressed may be gone now (renderThread moves the focus on); the focus stays
  // wherever the agent has taken it meanwhile.
  const focused = document.activeElement;
  if (!focused || focused === document.body) {
    (byId("reply-form").hidden ? byId("thread-title") : byId("reply-text")).focus();
  }
}

let assigning = false;

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
    ownClaims.delete(id);
    const details = failure instanceof ApiError && Array.isArray(failure.details) ? failure.details : [];
    if (details.some((detail) => detail.field === "agent_id")) {
      // That agent is gone (deactivated meanwhile): the list is read again.
      select.setAttribute("aria-invalid", "true");
      refresher.agents();
    }
    notice("action-result", failureText(failure), "error");
    announce(failureText(failure));
  } finally {
    assigning = false;
  }
  await Promise.all([refresher.queue(), refresher.thread()]);
}

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
  await refresher.thread();
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

function insertCanned() {
  const chosen = state.canned.find((canned) => canned.id === byId("canned-select").value);
  const textarea = byId("reply-text");
  if (!chosen) {
    announce("Choose a canned response first.");
    byId("canned-select").focus();
    return;
  }
  const start = textarea.selectionStart ?? textarea.value.length;
  const end = textarea.selectionEnd ?? textarea.value.length;
  const fill = chosen.text || chosen.body;
  textarea.setRangeText(fill, start, end, "end");
  textarea.focus();
  announce("Inserted “" + chosen.title + "”.");
}

async function addNote(event) {
  event.preventDefault();
  const textarea = byId("note-text");
  const text = textarea.value.trim();
  if (!text) {
    announce("Write the note first.");
    textarea.focus();
    return;
  }
  try {
    await api("POST", "/conversations/" + encodeURIComponent(state.current) + "/notes", { text });
    textarea.value = "";
    announce("Note added.");
  } catch (failure) {
    announce(failureText(failure));
  }
  await refresher.thread();
}

function activeFieldset() {
  const kind = byId("update-kind").value;
  return document.querySelector(`.update-fields[data-kind="${CSS.escape(kind)}"]`);
}

function showKind() {
  const kind = byId("update-kind").value;
  for (const fieldset of document.querySelectorAll(".update-fields")) {
    const chosen = fieldset.dataset.kind === kind;
    fieldset.hidden = !chosen;
    fieldset.disabled = !chosen;
  }
  clearUpdateErrors();
}

function clearUpdateErrors() {
  for (const node of document.querySelectorAll("#update-form [data-error-for]")) {
    node.textContent = "";
  }
  for (const node of document.querySelectorAll("#update-form [aria-invalid]")) {
    node.removeAttribute("aria-invalid");
  }
}

async function recordUpdate(event) {
  event.preventDefault();
  clearUpdateErrors();
  const form = byId("update-form");
  const fieldset = activeFieldset();
  const body = { kind: byId("update-kind").value };
  for (const [name, value] of new FormData(form)) {
    if (name !== "kind" && String(value).trim()) {
      body[name] = String(value).trim();
    }
  }
  try {
    await api("POST", "/conversations/" + encodeURIComponent(state.current) + "/updates", body);
    for (const input of fieldset.querySelectorAll("input, textarea, select")) {
      input.value = "";
    }
    announce((KIND_LABELS[body.kind] || humanise(body.kind)) + " recorded.");
  } catch (failure) {
    const details = failure instanceof ApiError && Array.isArray(failure.details) ? failure.details : [];
    let marked = 0;
    for (const detail of details) {
      const error = fieldset.querySelector(`[data-error-for="${CSS.escape(String(detail.field))}"]`);
      const input = fieldset.querySelector(`[name="${CSS.escape(String(detail.field))}"]`);
      if (error && input) {
        error.textContent = error.textContent ? error.textContent + " " + detail.message : detail.message;
        input.setAttribute("aria-invalid", "true");
        marked += 1;
      }
    }
    announce(marked ? "The update was not recorded: correct the marked fields." : failureText(failure));
    (fieldset.querySelector('[aria-invalid="true"]') || byId("update-kind")).focus();
  }
  await refresher.thread();
}

// ---- refreshing: coalesced, never two of a kind at once --------------------------------------

function serial(work) {
  let running = null;
  let again = false;
  const run = async () => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await work();
        } catch (failure) {
          if (!(failure instanceof ApiError && failure.status === 401)) {
            announce(failureText(failure));
          }
        }
      } while (again);
    })();
    try {
      await running;
    } finally {
      running = null;
    }
  };
  return run;
}

const refresher = {
  queue: serial(loadQueue),
  thread: serial(loadThread),
  canned: serial(loadCanned),
  agents: serial(loadAgents),
};

// ---- live events -----------------------------------------------------------------------------

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
  const queued = refresher.queue();
  // A claim, or a supervisor's assignment (the event names who holds the conversation now);
  // none of this console's own doing.
  const claimed =
    event.event === "conversation.claimed" &&
    event.agent &&
    ownClaims.get(event.conversation_id) !== event.agent.id;
  if (event.conversation_id && event.conversation_id === state.current) {
    refresher.thread();
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

function connect() {
  const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
  const socket = new WebSocket(scheme + window.location.host + "/agent/ws");
  live.socket = socket;
  socket.addEventListener("open", () => {
    live.attempts = 0;
    setLive("on");
    // Whatever happened while the socket was down: read it all again.
    refresher.queue();
    refresher.thread();
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
      refresher.queue();
      connect();
    }, delay);
  });
}

// ---- wiring ----------------------------------------------------------------------------------

for (const tab of document.querySelectorAll(".tab")) {
  tab.addEventListener("click", () => {
    state.view = tab.dataset.view;
    renderQueue();
    refresher.queue();
  });
}
byId("queue-list").addEventListener("click", (event) => {
  const button = event.target.closest(".conversation");
  if (button) {
    openConversation(button.dataset.id);
  }
});
for (const button of document.querySelectorAll("[data-action]")) {
  button.addEventListener("click", () => act(button.dataset.action));
}
byId("reply-form").addEventListener("submit", onReplySubmit);
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
byId("canned-insert").addEventListener("click", insertCanned);
byId("note-form").addEventListener("submit", addNote);
byId("update-kind").addEventListener("change", showKind);
byId("update-form").addEventListener("submit", recordUpdate);
if (assignBox) {
  byId("assign-button").addEventListener("click", assign);
  byId("assign-agent").addEventListener("change", () => byId("assign-agent").removeAttribute("aria-invalid"));
}
if (me.supervisor) {
  setupCannedAdmin({ announce, notice, failureText, onChange: () => refresher.canned() });
}
byId("logout").addEventListener("click", async () => {
  try {
    await api("POST", "/logout");
  } catch {
    // Logged out or not, the login page is where this ends.
  }
  live.socket = null;
  toLogin();
});

showKind();
refresher.queue();
refresher.agents();
connect();
window.setInterval(tickDurations, 30000);
