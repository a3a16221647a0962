// The login form: posts JSON to the API; the session cookie it sets opens the console.

import { api, ApiError } from "./agent_api.js";

const form = document.getElementById("login-form");
const email = document.getElementById("login-email");
const password = document.getElementById("login-password");
const error = document.getElementById("login-error");
const submit = document.getElementById("login-submit");

function showError(message, field) {
  error.textContent = message;
  for (const input of [email, password]) {
    input.removeAttribute("aria-invalid");
    input.removeAttribute("aria-describedby");
  }
  const target = field || password;
  target.setAttribute("aria-invalid", "true");
  target.setAttribute("aria-describedby", "login-error");
  target.focus();
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  error.textContent = "";
  if (!email.value.trim()) {
    showError("Enter your email address.", email);
    return;
  }
  if (!password.value) {
    showError("Enter your password.", password);
    return;
  }
  submit.disabled = true;
  submit.textContent = "Logging in…";
  try {
    await api("POST", "/login", { email: email.value.trim(), password: password.value });
    window.location.assign("/agent/");
    return;
  } catch (failure) {
    const message =
      failure instanceof ApiError ? failure.message : "Logging in failed. Try again.";
    password.value = "";
    showError(humanMessage(failure, message));
  } finally {
    submit.disabled = false;
    submit.textContent = "Log in";
  }
});

function humanMessage(failure, message) {
  if (failure instanceof ApiError && failure.code === "invalid_credentials") {
    return "Wrong email or password.";
  }
  return message.charAt(0).toUpperCase() + message.slice(1);
}
