// The account panel beside the open conversation: the account, whether a reply may go out now,
// the contact points, holds and recent contacts. The balance stays hidden until the debtor is
// verified (the API leaves it out).

import { byId, clear, el, humanise, money } from "./agent_dom.js";
import { renderDecision } from "./agent_decision.js";
import { channelName } from "./agent_labels.js";

const FACTS = ["account-ref", "account-debtor", "account-creditor", "account-balance"];

function contactItem(contact) {
  return el(
    "li",
    {},
    el("span", { className: "contact-address", text: channelName(contact.channel) + ": " + contact.address }),
    el("span", {
      className: contact.consent ? "consent-yes" : "consent-no",
      text: contact.consent ? "Consent given" : "No consent",
    }),
    contact.valid === false ? el("span", { className: "consent-no", text: "Invalid" }) : null,
  );
}

function countsRow([channel, windows]) {
  return el(
    "tr",
    {},
    el("th", { scope: "row", text: channelName(channel) }),
    el("td", { text: windows["1d"] ?? 0 }),
    el("td", { text: windows["7d"] ?? 0 }),
    el("td", { text: windows["30d"] ?? 0 }),
  );
}

export function renderAccount(thread) {
  const account = thread.account;
  byId("account-placeholder").hidden = true;
  byId("account-none").hidden = Boolean(account);
  byId("account-body").hidden = false;
  renderDecision(thread.reply_decision);
  if (!account) {
    for (const id of FACTS) {
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
  clear(byId("contacts")).append(...(account.contacts || []).map(contactItem));
  const holds = account.holds || [];
  clear(byId("holds")).append(
    ...(holds.length
      ? holds.map((hold) => el("li", { className: "hold", text: humanise(hold) }))
      : [el("li", { className: "muted", text: "None" })]),
  );
  const counts = account.contact_counts || {};
  clear(byId("contact-counts").tBodies[0]).append(...Object.entries(counts).map(countsRow));
}
