// What the console calls the API's codes: channels, kinds of account update, why a transcript's
// finding waits for review, and the values a finding carries.

import { byId, humanise } from "./agent_dom.js";

const CHANNELS = { sms: "SMS", email: "Email", voice: "Voice", chat: "Web chat" };
// The server names the kinds of update once, in the update form's select; a recording may also
// yield kinds that no agent records by hand.
const KIND_LABELS = { attorney_represented: "Represented by an attorney" };
for (const option of byId("update-kind").options) {
  KIND_LABELS[option.value] = option.textContent;
}
const REVIEW_REASONS = {
  low_confidence: "The transcription was unsure",
  identity_not_verified: "The caller's identity was not verified",
  attorney_mentioned: "An attorney was mentioned",
  incomplete: "Values missing or not valid",
};
const VALUE_LABELS = {
  amount: "Amount",
  date: "Date",
  start_date: "First payment date",
  frequency: "Frequency",
  reason: "Reason",
  hardship_type: "Hardship type",
  detail: "Detail",
  when: "When to call back",
  window: "Part of the day",
  channel: "Channel",
};

export function channelName(channel) {
  return CHANNELS[channel] || humanise(channel);
}

export function kindLabel(kind) {
  return KIND_LABELS[kind] || humanise(kind);
}

export function reviewReason(reason) {
  return REVIEW_REASONS[reason] || humanise(reason);
}

export function valueLabel(key) {
  return VALUE_LABELS[key] || humanise(key);
}
