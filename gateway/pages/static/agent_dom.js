// Building the page's elements. Text always goes in as textContent: nothing from the API is
// ever parsed as HTML.

export function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) {
      continue;
    }
    if (key === "className") {
      node.className = value;
    } else if (key === "text") {
      node.textContent = String(value);
    } else if (key === "dataset") {
      Object.assign(node.dataset, value);
    } else if (key === "hidden") {
      node.hidden = Boolean(value);
    } else {
      node.setAttribute(key, value === true ? "" : String(value));
    }
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) {
      continue;
    }
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function byId(id) {
  return document.getElementById(id);
}

export function clear(node) {
  node.replaceChildren();
  return node;
}

const DATE_TIME = new Intl.DateTimeFormat(undefined, {
  dateStyle: "medium",
  timeStyle: "short",
});

export function formatTime(iso) {
  if (!iso) {
    return "";
  }
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : DATE_TIME.format(date);
}

export function timeElement(iso, prefix) {
  return el("time", { datetime: iso, text: (prefix || "") + formatTime(iso) });
}

// "5 min", "3 h 20 min", "2 days": how long something has waited.
export function duration(sinceIso, now) {
  const since = new Date(sinceIso).getTime();
  if (Number.isNaN(since)) {
    return "";
  }
  const minutes = Math.max(0, Math.floor(((now || Date.now()) - since) / 60000));
  if (minutes < 1) {
    return "less than a minute";
  }
  if (minutes < 60) {
    return minutes + " min";
  }
  const hours = Math.floor(minutes / 60);
  if (hours < 24) {
    const rest = minutes % 60;
    return hours + " h" + (rest ? " " + rest + " min" : "");
  }
  const days = Math.floor(hours / 24);
  return days === 1 ? "1 day" : days + " days";
}

export function humanise(code) {
  const text = String(code || "").replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function money(balance) {
  if (!balance) {
    return "";
  }
  try {
    return new Intl.NumberFormat(undefined, {
      style: "currency",
      currency: balance.currency,
    }).format(Number(balance.amount));
  } catch {
    return balance.amount + " " + balance.currency;
  }
}
