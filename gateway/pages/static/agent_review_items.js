// One entry of the review queue as the console shows it: what was heard, why a person must
// check it, how sure the transcription was, the sentence and the whole transcript, and the heard
// values as inputs the agent may correct before confirming.

import { el } from "./agent_dom.js";
import { kindLabel, reviewReason, valueLabel } from "./agent_labels.js";

export function what(review) {
  return kindLabel(review.kind) + " for " + review.account_ref;
}

// Visible "Confirm", heard as "Confirm promise to pay for A-1": every item has the same buttons.
function actionButton(label, review, props) {
  return el(
    "button",
    props,
    label,
    el("span", {
      className: "visually-hidden",
      text: " " + kindLabel(review.kind).toLowerCase() + " for " + review.account_ref,
    }),
  );
}

function valueField(review, key) {
  const id = `review-${review.id}-${key}`;
  const value = review.data[key];
  const heard = value === null || value === undefined ? "" : String(value);
  return el(
    "div",
    { className: "field" },
    el("label", { for: id, text: valueLabel(key) }),
    el("input", {
      id,
      name: key,
      type: "text",
      maxlength: 1000,
      value: heard,
      dataset: { heard },
      "aria-describedby": id + "-error",
    }),
    el("p", { id: id + "-error", className: "field-error", dataset: { errorFor: key } }),
  );
}

export function reviewItem(review) {
  const keys = Object.keys(review.data || {});
  return el(
    "li",
    { className: "review", dataset: { id: review.id } },
    el("h3", { id: `review-${review.id}-title`, tabindex: "-1", text: kindLabel(review.kind) + " · " + review.account_ref }),
    el(
      "dl",
      { className: "facts" },
      el("dt", { text: "Why review" }),
      el("dd", { text: reviewReason(review.reason) }),
      el("dt", { text: "Confidence" }),
      el("dd", { text: Math.round(Number(review.confidence) * 100) + "%" }),
      el("dt", { text: "What was said" }),
      el("dd", { className: "review-excerpt", text: "“" + review.excerpt + "”" }),
    ),
    el(
      "details",
      { className: "review-transcript" },
      el("summary", { text: "Whole transcript" }),
      el("p", { text: review.transcript || "" }),
    ),
    el(
      "form",
      { className: "review-form", dataset: { id: review.id }, novalidate: true },
      keys.length
        ? el(
            "fieldset",
            { className: "review-values" },
            el("legend", { text: "Values as heard (correct any that are wrong)" }),
            ...keys.map((key) => valueField(review, key)),
          )
        : null,
      el(
        "div",
        { className: "actions" },
        actionButton("Confirm", review, { type: "submit", className: "button primary" }),
        actionButton("Discard", review, { type: "button", className: "button", dataset: { discard: "" } }),
      ),
      el("div", { id: `review-${review.id}-result`, className: "notice" }),
    ),
  );
}
