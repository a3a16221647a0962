// Claims this console just made (conversation id -> the agent who holds it now): their live
// events need no announcement, the console said what happened already.

const ownClaims = new Map();

export function expectClaim(conversationId, agentId) {
  ownClaims.set(conversationId, agentId);
  window.setTimeout(() => {
    if (ownClaims.get(conversationId) === agentId) {
      ownClaims.delete(conversationId);
    }
  }, 5000);
}

export function forgetClaim(conversationId) {
  ownClaims.delete(conversationId);
}

export function isOwnClaim(conversationId, agentId) {
  return ownClaims.get(conversationId) === agentId;
}
