// What the console calls the API's codes for channels and for kinds of account update.

import { byId, humanise } from "./agent_dom.js";

const CHANNELS = { sms: "SMS", email: "Email", voice: "Voice", chat: "Web chat" };
// The server names the kinds of update once, in the update form's select.
const KIND_LABELS = {};
for (const option of byId("update-kind").options) {
  KIND_LABELS[option.value] = option.textContent;
}

export function channelName(channel) {
  return CHANNELS[channel] || humanise(channel);
}

export function kindLabel(kind) {
  return KIND_LABELS[kind] || humanise(kind);
}
