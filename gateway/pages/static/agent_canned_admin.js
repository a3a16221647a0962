// Supervisors' management of canned responses: the list, and one form that adds a response or
// edits the one chosen. Fields the API refuses are marked where they are (as in the update
// form); every change is announced, and the console refreshes its reply box's select.

import { api, ApiError } from "./agent_api.js";
import { byId, clear, el } from "./agent_dom.js";

const admin = {
  list: [],
  editing: null, // the canned response in the form, or null for a new one
  busy: false,
};
let ctx = null;

function quoted(title) {
  return "“" + title + "”";
}

// Visible "Edit", heard as "Edit “Title”": each row's buttons say which response they act on.
function actionButton(label, title, data) {
  return el(
    "button",
    { type: "button", className: "button", dataset: data },
    label,
    el("span", { className: "visually-hidden", text: " " + quoted(title) }),
  );
}

function item(canned) {
  return el(
    "li",
    { className: "canned-item", dataset: { id: canned.id } },
    el("p", { className: "canned-item-title" }, el("strong", { text: canned.title })),
    el("p", { className: "canned-item-body", text: canned.body }),
    el(
      "div",
      { className: "actions" },
      actionButton("Edit", canned.title, { edit: canned.id }),
      actionButton("Delete", canned.title, { delete: canned.id }),
    ),
  );
}

function render() {
  const list = byId("canned-list");
  clear(list).append(
    ...(admin.list.length
      ? admin.list.map(item)
      : [el("li", { className: "muted", text: "No canned responses yet." })]),
  );
}

function findRow(id, selector) {
  const row = byId("canned-list").querySelector(`.canned-item[data-id="${CSS.escape(id)}"]`);
  return row && selector ? row.querySelector(selector) : row;
}

async function reload() {
  try {
    const body = await api("GET", "/canned-responses");
    admin.list = body.canned_responses || [];
    render();
  } catch (failure) {
    ctx.notice("canned-result", ctx.failureText(failure), "error");
    ctx.announce(ctx.failureText(failure));
  }
}

// ---- the form ----------------------------------------------------------------------------------

function clearErrors() {
  for (const node of document.querySelectorAll("#canned-form [data-error-for]")) {
    node.textContent = "";
  }
  for (const node of document.querySelectorAll("#canned-form [aria-invalid]")) {
    node.removeAttribute("aria-invalid");
  }
}

function setMode(canned) {
  admin.editing = canned;
  byId("canned-form-title").textContent = canned ? "Edit " + quoted(canned.title) : "New canned response";
  byId("canned-save").textContent = canned ? "Save changes" : "Add canned response";
  byId("canned-cancel").hidden = !canned;
  byId("canned-title").value = canned ? canned.title : "";
  byId("canned-body").value = canned ? canned.body : "";
  clearErrors();
}

function markFields(failure) {
  const details = failure instanceof ApiError && Array.isArray(failure.details) ? failure.details : [];
  const form = byId("canned-form");
  let marked = 0;
  for (const detail of details) {
    const field = CSS.escape(String(detail.field));
    const error = form.querySelector(`[data-error-for="${field}"]`);
    const input = form.querySelector(`[name="${field}"]`);
    if (error && input) {
      const message = String(detail.message);
      error.textContent = error.textContent ? error.textContent + " " + message : message;
      input.setAttribute("aria-invalid", "true");
      marked += 1;
    }
  }
  return marked;
}

async function save(event) {
  event.preventDefault();
  if (admin.busy) {
    return;
  }
  admin.busy = true;
  clearErrors();
  ctx.notice("canned-result", "");
  const editing = admin.editing;
  const body = { title: byId("canned-title").value, body: byId("canned-body").value };
  let changed = false;
  let marked = false;
  try {
    const saved = editing
      ? await api("PUT", "/canned-responses/" + encodeURIComponent(editing.id), body)
      : await api("POST", "/canned-responses", body);
    changed = true;
    setMode(null);
    const done = (editing ? "Saved " : "Added ") + quoted(saved.title) + ".";
    ctx.notice("canned-result", done);
    ctx.announce(done);
  } catch (failure) {
    marked = markFields(failure) > 0;
    if (marked) {
      ctx.announce("The canned response was not saved: correct the marked fields.");
      byId("canned-form").querySelector('[aria-invalid="true"]').focus();
    } else {
      ctx.notice("canned-result", ctx.failureText(failure), "error");
      ctx.announce(ctx.failureText(failure));
    }
  } finally {
    admin.busy = false;
  }
  // Marked fields mean nothing changed: reloading would re-draw the list under a supervisor
  // who is already acting on it (an open delete question would vanish).
  if (!marked) {
    await reload();
  }
  if (changed) {
    ctx.onChange();
  }
}

function edit(id) {
  const canned = admin.list.find((one) => one.id === id);
  if (!canned) {
    return;
  }
  ctx.notice("canned-result", "");
  setMode(canned);
  byId("canned-title").focus();
  ctx.announce("Editing " + quoted(canned.title) + ".");
}

function cancelEdit() {
  const editing = admin.editing;
  setMode(null);
  ctx.announce("Not changed.");
  const again = editing && findRow(editing.id, "[data-edit]");
  (again || byId("canned-form-title")).focus();
}

// ---- deleting: asked once more, in the row itself -----------------------------------------------

function askDelete(id) {
  const row = findRow(id);
  const canned = admin.list.find((one) => one.id === id);
  if (!row || !canned || row.querySelector(".canned-confirm")) {
    return;
  }
  const textId = "canned-confirm-" + id;
  row.append(
    el(
      "div",
      { className: "canned-confirm banner banner-warn", role: "group", "aria-labelledby": textId },
      el("p", {
        id: textId,
        tabindex: "-1",
        text: "Delete " + quoted(canned.title) + "? Agents can no longer insert it.",
      }),
      el(
        "div",
        { className: "actions" },
        el("button", { type: "button", className: "button danger", dataset: { confirmDelete: id } }, "Yes, delete"),
        el("button", { type: "button", className: "button", dataset: { keep: id } }, "Keep it"),
      ),
    ),
  );
  byId(textId).focus();
}

function keep(id) {
  const row = findRow(id);
  if (row) {
    row.querySelector(".canned-confirm").remove();
    row.querySelector("[data-delete]").focus();
  }
  ctx.announce("Not deleted.");
}

async function remove(id) {
  if (admin.busy) {
    return;
  }
  admin.busy = true;
  const canned = admin.list.find((one) => one.id === id);
  const title = canned ? canned.title : "the canned response";
  let changed = false;
  let marked = false;
  try {
    await api("DELETE", "/canned-responses/" + encodeURIComponent(id));
    changed = true;
    if (admin.editing && admin.editing.id === id) {
      setMode(null);
    }
    const done = "Deleted " + quoted(title) + ".";
    ctx.notice("canned-result", done);
    ctx.announce(done);
  } catch (failure) {
    ctx.notice("canned-result", ctx.failureText(failure), "error");
    ctx.announce(ctx.failureText(failure));
  } finally {
    admin.busy = false;
  }
  await reload();
  // The row (and the button pressed) is gone: the keyboard goes on from the list's heading.
  byId("canned-list-title").focus();
  if (changed) {
    ctx.onChange();
  }
}

// ---- the disclosure ------------------------------------------------------------------------------

function toggle() {
  const button = byId("canned-admin-toggle");
  const open = button.getAttribute("aria-expanded") !== "true";
  button.setAttribute("aria-expanded", String(open));
  byId("canned-admin-body").hidden = !open;
  if (open) {
    reload();
  }
}

function onListClick(event) {
  const button = event.target.closest("button");
  if (!button) {
    return;
  }
  const data = button.dataset;
  if (data.edit) {
    edit(data.edit);
  } else if (data.delete) {
    askDelete(data.delete);
  } else if (data.confirmDelete) {
    remove(data.confirmDelete);
  } else if (data.keep) {
    keep(data.keep);
  }
}

// ``context``: announce(text), notice(id, text, kind), failureText(failure), and onChange(),
// called after every change (the console reads its reply box's canned responses again).
export function setupCannedAdmin(context) {
  ctx = context;
  byId("canned-admin-toggle").addEventListener("click", toggle);
  byId("canned-list").addEventListener("click", onListClick);
  byId("canned-form").addEventListener("submit", save);
  byId("canned-cancel").addEventListener("click", cancelEdit);
}
