// Transcripts to review: what a recording's transcription was unsure of, for an agent to confirm
// (as heard, or with the values corrected) or discard. The view takes the conversation's place
// while it is open; opening it reads the queue again, and so does a decision another agent made
// first (409). Items still listed keep their nodes, so what an agent typed survives a refresh.

import { api, ApiError } from "./agent_api.js";
import { byId } from "./agent_dom.js";
import { reviewItem, what } from "./agent_review_items.js";
import { coalesced } from "./agent_refresh.js";
import { announce, failureText, notice } from "./agent_status.js";

const reviews = { list: [], deciding: new Set() };

const DONE = {
  confirmed: "confirmed and recorded.",
  corrected: "recorded with your corrections.",
  discarded: "discarded: nothing recorded.",
};

function itemNode(id) {
  return byId("reviews-list").querySelector(`.review[data-id="${CSS.escape(id)}"]`);
}

function renderCount() {
  byId("reviews-count").textContent = "(" + reviews.list.length + ")";
  byId("reviews-empty").hidden = reviews.list.length > 0;
}

function render() {
  const list = byId("reviews-list");
  const wanted = new Set(reviews.list.map((review) => review.id));
  for (const node of [...list.children]) {
    if (!wanted.has(node.dataset.id)) {
      node.remove();
    }
  }
  // The list is oldest first and its entries never change while pending: the nodes kept are in
  // order already, and new ones go in between without moving (and blurring) any of them.
  let previous = null;
  for (const review of reviews.list) {
    let node = itemNode(review.id);
    if (!node) {
      node = reviewItem(review);
      if (previous) {
        previous.after(node);
      } else {
        list.prepend(node);
      }
    }
    previous = node;
  }
  renderCount();
}

async function loadReviews() {
  const body = await api("GET", "/reviews");
  reviews.list = body.reviews || [];
  render();
}

export const refreshReviews = coalesced(loadReviews);

function clearErrors(form) {
  for (const node of form.querySelectorAll("[data-error-for]")) {
    node.textContent = "";
  }
  for (const node of form.querySelectorAll("[aria-invalid]")) {
    node.removeAttribute("aria-invalid");
  }
  notice(`review-${form.dataset.id}-result`, "");
}

// The values the agent changed; a value cleared is sent as null (not heard).
function corrections(form) {
  const changed = {};
  for (const input of form.querySelectorAll("input[data-heard]")) {
    if (input.value !== input.dataset.heard) {
      changed[input.name] = input.value.trim() || null;
    }
  }
  return changed;
}

function markFields(form, details) {
  let marked = 0;
  for (const detail of Array.isArray(details) ? details : []) {
    const field = CSS.escape(String(detail.field));
    const error = form.querySelector(`[data-error-for="${field}"]`);
    const input = form.querySelector(`input[name="${field}"]`);
    if (error && input) {
      error.textContent = error.textContent ? error.textContent + " " + detail.message : detail.message;
      input.setAttribute("aria-invalid", "true");
      marked += 1;
    }
  }
  return marked > 0;
}

function removeItem(id) {
  reviews.list = reviews.list.filter((review) => review.id !== id);
  renderCount();
  const node = itemNode(id);
  if (!node) {
    return; // a refresh while the decision was on its way took it out already
  }
  const next = node.nextElementSibling || node.previousElementSibling;
  const hadFocus = node.contains(document.activeElement);
  node.remove();
  if (hadFocus) {
    (next ? next.querySelector("h3") : byId("reviews-title")).focus();
  }
}

function tell(message) {
  notice("reviews-result", message);
  announce(message);
}

async function decide(form, action) {
  const id = form.dataset.id;
  const review = reviews.list.find((entry) => entry.id === id);
  if (!review || reviews.deciding.has(id)) {
    return;
  }
  clearErrors(form);
  const changed = action === "confirm" ? corrections(form) : {};
  reviews.deciding.add(id);
  try {
    const path = "/reviews/" + encodeURIComponent(id) + "/" + action;
    const decided = await api("POST", path, Object.keys(changed).length ? changed : undefined);
    removeItem(id);
    tell(what(review) + " " + (DONE[decided.status] || "done."));
  } catch (failure) {
    const status = failure instanceof ApiError ? failure.status : 0;
    if (status === 422 && markFields(form, failure.details)) {
      announce("Not recorded: correct the marked values.");
      form.querySelector('[aria-invalid="true"]').focus();
    } else if (status === 409 || status === 404) {
      tell(failureText(failure) + ". The list has been read again.");
      await refreshReviews();
    } else {
      notice(`review-${id}-result`, failureText(failure), "error");
      announce(failureText(failure));
    }
  } finally {
    reviews.deciding.delete(id);
  }
}

function showView(open) {
  byId("reviews").hidden = !open;
  byId("thread").hidden = open;
  byId("reviews-toggle").setAttribute("aria-pressed", String(open));
}

export function setupReviews() {
  const toggle = byId("reviews-toggle");
  toggle.addEventListener("click", async () => {
    const open = toggle.getAttribute("aria-pressed") !== "true";
    showView(open);
    if (open) {
      notice("reviews-result", "");
      byId("reviews-title").focus();
      await refreshReviews();
    }
  });
  // Choosing a queue view or a conversation goes back to the conversation.
  for (const tab of document.querySelectorAll(".tab")) {
    tab.addEventListener("click", () => showView(false));
  }
  byId("queue-list").addEventListener("click", (event) => {
    if (event.target.closest(".conversation")) {
      showView(false);
    }
  });
  const list = byId("reviews-list");
  list.addEventListener("submit", (event) => {
    event.preventDefault();
    decide(event.target, "confirm");
  });
  list.addEventListener("click", (event) => {
    const discard = event.target.closest("[data-discard]");
    if (discard) {
      decide(discard.form, "discard");
    }
  });
}
