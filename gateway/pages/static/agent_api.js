// The console's JSON API: same-origin fetch with the session cookie, the CSRF token on every
// change, and errors in the API's shape ({"error": {"code", "message", "details"}}).

const BASE = "/agent/api";
const CHANGES = new Set(["POST", "PUT", "DELETE", "PATCH"]);

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.getAttribute("content") : "";
}

export function toLogin() {
  window.location.assign("/agent/login");
}

export async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (CHANGES.has(method)) {
    headers["X-CSRF-Token"] = csrfToken();
  }
  const options = { method, headers, credentials: "same-origin", cache: "no-store" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(BASE + path, options);
  } catch {
    throw new ApiError(0, "network_error", "The gateway could not be reached. Try again.", null);
  }
  let data = null;
  if (response.status !== 204) {
    try {
      data = await response.json();
    } catch {
      data = null;
    }
  }
  if (response.ok) {
    return data;
  }
  const error = (data && data.error) || {};
  if (response.status === 401 && error.code !== "invalid_credentials") {
    toLogin();
  }
  throw new ApiError(
    response.status,
    error.code || "http_" + response.status,
    error.message || "The request failed (" + response.status + ").",
    error.details === undefined ? null : error.details,
  );
}
