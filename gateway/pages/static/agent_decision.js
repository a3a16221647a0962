// The contact policy's decision: whether a reply may go out now (the account panel says so
// before one is written), and the reasons, also shown under a reply it deferred or blocked.

import { byId, clear, el, humanise, timeElement } from "./agent_dom.js";

const OUTCOMES = { allow: "Allowed", defer: "Deferred", block: "Blocked" };

export function reasonList(reasons) {
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

export function renderDecision(decision) {
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
