// What every page script shares: the unsaved-changes check and toasts.
//
// Unsaved changes: which fields of a part of the page differ from what the server sent, named
// as the page labels them, so a question before discarding them can say what would be lost
// ("Your unsaved changes to Verdict and Rationale will be lost."). Used by the workspace
// (closing, Esc, swaps, leaving the page) and the re-attach page.
//
// Toasts: short messages in a corner. The server sends some (the undo toast, in #toast-region);
// live updates make others here. Either kind may time out (`data-toast-seconds`, paused while
// the pointer or the focus is on it) and be dismissed (`data-toast-close`).

const IGNORED_TYPES = new Set(["hidden", "submit", "button", "reset", "image", "search"]);

export function isChanged(field) {
  if (IGNORED_TYPES.has(field.type) || field.disabled) return false;
  if (field.type === "checkbox" || field.type === "radio") return field.checked !== field.defaultChecked;
  if (field.tagName === "SELECT") return Array.from(field.options).some((o) => o.selected !== o.defaultSelected);
  return field.value !== field.defaultValue;
}

export function fieldName(field) {
  const named = field.closest("[data-dirty-name]");
  if (named) return named.dataset.dirtyName;
  if (field.closest("[data-source-row]")) return "New source";
  const group = field.type === "radio" || field.type === "checkbox" ? field.closest("fieldset") : null;
  const label = group ? group.querySelector("legend") : field.labels && field.labels[0];
  if (!label) return field.name || "a field";
  const copy = label.cloneNode(true);
  copy.querySelectorAll(".hint, .visually-hidden").forEach((hint) => hint.remove());
  return copy.textContent.replace(/\s+/g, " ").trim() || field.name;
}

/** The names of the fields in `container` typed into and not saved (each name once), leaving
 * out those inside `except` (the form being sent, whose fields are not lost). */
export function dirtyFields(container, { except = null } = {}) {
  if (!container) return [];
  const names = [];
  // A form the server sent back unsaved (after an error, a conflict, or an action that saved
  // only its own part) shows the typed input as its values; it names those fields itself.
  const returned = container.matches("form[data-unsaved]") ? [container] : [];
  returned.concat(Array.from(container.querySelectorAll("form[data-unsaved]"))).forEach((form) => {
    if (except && except.contains(form)) return;
    form.dataset.unsaved.split("|").forEach((name) => {
      if (name && !names.includes(name)) names.push(name);
    });
  });
  container.querySelectorAll("input, textarea, select").forEach((field) => {
    if (except && except.contains(field)) return;
    if (field.form && field.form.method === "get") return; // searches and filters are not work
    if (!isChanged(field)) return;
    const name = fieldName(field);
    if (!names.includes(name)) names.push(name);
  });
  return names;
}

export function isDirty(container, options) {
  return dirtyFields(container, options).length > 0;
}

function listed(names) {
  if (names.length <= 1) return names.join("");
  return `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

/** "Your unsaved changes to Verdict and Rationale will be lost." */
export function lossMessage(names) {
  return `Your unsaved changes to ${listed(names)} will be lost.`;
}

/** Ask before discarding: true when nothing would be lost or the person agrees. */
export function confirmLoss(names, question) {
  if (!names.length) return true;
  return window.confirm(`${lossMessage(names)}\n\n${question}`);
}

// Leaving the page (a link, reload, closing the tab) with typed input asks first; the form
// being submitted is the typed input's way out, not a loss.
let submitted = null;

export function guardPageExit() {
  document.addEventListener(
    "submit",
    (event) => {
      const form = event.target;
      submitted = form;
      window.setTimeout(() => {
        if (submitted === form) submitted = null;
      }, 3000);
    },
    true,
  );
  window.addEventListener("beforeunload", (event) => {
    const forms = Array.from(document.forms).filter((form) => form.method === "post" && form !== submitted);
    if (forms.some((form) => isDirty(form))) {
      event.preventDefault();
      event.returnValue = ""; // older browsers want a value to show their question
    }
  });
}

// --- toasts --------------------------------------------------------------------------------

function removeLater(toast) {
  let left = Number(toast.dataset.toastSeconds) * 1000;
  let started = Date.now();
  let timer = window.setTimeout(() => toast.remove(), left);
  // Reading it, or reaching for its button, pauses the countdown.
  const pause = () => {
    window.clearTimeout(timer);
    left -= Date.now() - started;
    toast.classList.add("is-paused");
  };
  const resume = () => {
    if (toast.matches(":hover, :focus-within")) return;
    started = Date.now();
    toast.classList.remove("is-paused");
    timer = window.setTimeout(() => toast.remove(), Math.max(left, 2000));
  };
  toast.addEventListener("pointerenter", pause);
  toast.addEventListener("focusin", pause);
  toast.addEventListener("pointerleave", resume);
  toast.addEventListener("focusout", () => window.setTimeout(resume, 0));
}

/** Start the countdown of every toast the server sent that has none yet. */
export function startToasts() {
  document.querySelectorAll("[data-toast][data-toast-seconds]:not(.is-timed)").forEach((toast) => {
    toast.classList.add("is-timed");
    removeLater(toast);
  });
}

/** A toast made here: its message and an optional button; `seconds: 0` stays until dismissed. */
export function toast(message, { action = null, seconds = 6 } = {}) {
  let region = document.querySelector(".live-toasts");
  if (!region) {
    region = document.createElement("div");
    region.className = "live-toasts";
    region.setAttribute("role", "status");
    region.setAttribute("aria-live", "polite");
    document.body.append(region);
  }
  const item = document.createElement("div");
  item.className = "live-toast";
  item.dataset.toast = "";
  const text = document.createElement("p");
  text.textContent = message;
  item.append(text);
  if (action) item.append(action);
  region.append(item);
  if (seconds) {
    item.dataset.toastSeconds = String(seconds);
    startToasts();
  }
  return item;
}

document.addEventListener("click", (event) => {
  const close = event.target.closest("[data-toast-close]");
  if (close) close.closest("[data-toast]").remove();
});
