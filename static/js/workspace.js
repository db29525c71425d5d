// The reviewing workspace: selection → "Add claim", highlight ↔ claim list, keyboard, undo.
//
// Everything here improves a page that already works without it: the server renders the text,
// the highlights and the claim list; htmx (from attributes) swaps the fragments the server
// sends back. No inline styles: state is shown by toggling classes, and the floating button
// and popovers are placed by CSS anchor positioning.

import { rangeAt, selectorFor } from "./selection.js";
import { confirmLoss, dirtyFields, fieldName, guardPageExit, isChanged, isDirty, lossMessage, startToasts } from "./ui.js";

const root = document.getElementById("article-text");
const panel = document.getElementById("claims-panel");
const addButton = document.getElementById("add-claim");
const tip = document.getElementById("mark-tip");
const choice = document.getElementById("mark-choice");
const help = document.getElementById("shortcut-help");
const announcer = document.getElementById("announcer");
const wide = window.matchMedia("(min-width: 60.01rem)");
const htmx = window.htmx;

document.documentElement.classList.add("js");

let pending = null; // the selector of the current selection in the text
let current = null; // the id of the selected claim
let pointerDown = false;
let escapeArmed = 0; // time of an Esc that asked before discarding typed input

// --- small helpers -------------------------------------------------------------------------

function announce(message) {
  announcer.textContent = "";
  // A new node in the live region, so the same message twice is read twice.
  window.setTimeout(() => {
    announcer.textContent = message;
  }, 50);
}

// A request the page has already asked about (a new selection replacing a started claim): the
// general question before a swap is not repeated.
let approved = null;

function approveNextSwap(target) {
  approved = target;
}

function takeApproval(target) {
  const was = approved !== null && approved === target;
  approved = null;
  return was;
}

// The live updates' refresh of the text and the list (live.js): it changes nothing the person
// is doing, so it moves no focus and keeps every open claim.
function isLiveRefresh(detail) {
  const elt = detail && (detail.elt || (detail.requestConfig && detail.requestConfig.elt));
  return Boolean(elt && elt.matches && elt.matches("[data-live-refresh]"));
}

function isTyping(target) {
  return Boolean(target.closest && target.closest("input, textarea, select, [contenteditable]"));
}

function claimInfo(id) {
  const ref = root.querySelector(`a.claim-ref[data-claim="${CSS.escape(String(id))}"]`);
  return { number: ref ? ref.dataset.n : "", text: ref ? ref.getAttribute("aria-label") : "Claim" };
}

function marksOf(id) {
  return root.querySelectorAll(`mark[data-claim-id="${CSS.escape(String(id))}"]`);
}

// --- selecting a claim: the card in the panel and its highlights in the text ----------------

function select(id, { focus = false, scrollText = false, scrollPanel = true } = {}) {
  current = String(id);
  document.querySelectorAll(".claim-card.is-current").forEach((card) => {
    if (card.dataset.claim !== current) card.classList.remove("is-current");
  });
  root.querySelectorAll("mark.is-current").forEach((mark) => mark.classList.remove("is-current"));
  const marks = marksOf(current);
  marks.forEach((mark) => mark.classList.add("is-current"));
  const card = document.getElementById(`claim-${current}`);
  if (card) {
    card.classList.add("is-current");
    if (scrollPanel) card.scrollIntoView({ block: "nearest" });
    if (focus) (card.querySelector("[data-open-claim]") || card).focus({ preventScroll: true });
  } else if (focus) {
    announce(`${claimInfo(current).text}. It is hidden by the filters.`);
  }
  if (scrollText && marks.length && (wide.matches || !card)) {
    marks[0].scrollIntoView({ block: "center" });
  }
}

function cards() {
  return Array.from(panel.querySelectorAll(".claim-card[data-claim]"));
}

function move(step) {
  const list = cards();
  if (!list.length) return;
  let index = list.findIndex((card) => card.dataset.claim === current);
  index = index < 0 ? (step > 0 ? 0 : list.length - 1) : Math.min(list.length - 1, Math.max(0, index + step));
  select(list[index].dataset.claim, { focus: true, scrollText: true });
}

// --- the tooltip on a highlight, and the choice when a passage has several claims -----------

function anchorTo(element, className) {
  document.querySelectorAll(`.${className}`).forEach((el) => el.classList.remove(className));
  element.classList.add(className);
}

function showTip(mark) {
  const ids = (mark.dataset.claimIds || mark.dataset.claimId).split(" ");
  tip.replaceChildren(
    ...ids.map((id) => {
      const line = document.createElement("p");
      line.textContent = claimInfo(id).text;
      return line;
    }),
  );
  if (ids.length > 1) {
    const hint = document.createElement("p");
    hint.className = "mark-tip__hint";
    hint.textContent = "Click to choose one.";
    tip.append(hint);
  }
  anchorTo(mark, "tip-anchor");
  if (!tip.matches(":popover-open")) tip.showPopover();
}

function hideTip() {
  if (tip.matches(":popover-open")) tip.hidePopover();
}

function showChoice(mark, ids) {
  hideTip();
  const heading = document.createElement("p");
  heading.className = "mark-choice__title";
  heading.textContent = `This passage belongs to ${ids.length} claims:`;
  const buttons = ids.map((id) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "mark-choice__option";
    button.dataset.claim = id;
    button.textContent = claimInfo(id).text;
    return button;
  });
  choice.replaceChildren(heading, ...buttons);
  anchorTo(mark, "choice-anchor");
  choice.showPopover();
  buttons[0].focus();
}

choice.addEventListener("click", (event) => {
  const option = event.target.closest("[data-claim]");
  if (!option) return;
  choice.hidePopover();
  select(option.dataset.claim, { focus: true });
});

root.addEventListener("pointerover", (event) => {
  const mark = event.target.closest("mark[data-claim-ids]");
  if (mark) showTip(mark);
});
root.addEventListener("pointerout", (event) => {
  if (event.target.closest("mark[data-claim-ids]")) hideTip();
});
root.addEventListener("focusin", (event) => {
  const ref = event.target.closest("a.claim-ref");
  const first = ref && document.getElementById(`mark-${ref.dataset.claim}`);
  const inner = first && (first.querySelector("mark[data-claim-ids]") || first);
  if (inner) showTip(inner);
});
root.addEventListener("focusout", hideTip);

root.addEventListener("click", (event) => {
  // A link kept from the article opens (in a new tab), even inside a highlight: it is the
  // article's evidence trail. The highlight's claim is one click beside the link, or in the list.
  if (event.target.closest("a.article-link")) return;
  const ref = event.target.closest("a.claim-ref");
  if (ref) {
    event.preventDefault();
    history.replaceState(null, "", `#claim-${ref.dataset.claim}`);
    select(ref.dataset.claim, { focus: true });
    return;
  }
  const mark = event.target.closest("mark[data-claim-ids]");
  if (!mark || !document.getSelection().isCollapsed) return; // a drag selects text instead
  const ids = mark.dataset.claimIds.split(" ");
  if (ids.length === 1) select(ids[0], { focus: true });
  else showChoice(mark, ids);
});

// --- the selection: "Add claim" beside it --------------------------------------------------

function removeAnchor() {
  root.querySelectorAll(".selection-anchor").forEach((anchor) => {
    const parent = anchor.parentNode;
    anchor.remove();
    parent.normalize();
  });
}

function hideAdd() {
  pending = null;
  if (!addButton) return;
  if (addButton.matches(":popover-open")) addButton.hidePopover();
  removeAnchor();
}

function showAdd(selector) {
  if (!addButton) return;
  const same = pending && pending.start === selector.start && pending.end === selector.end;
  pending = selector;
  if (same && addButton.matches(":popover-open")) return;
  // An empty element at the end of the selection is the anchor the button is placed against;
  // it has no text, so the text content (and every offset) stays the same.
  removeAnchor();
  const range = rangeAt(root, selector.end, selector.end);
  if (range) {
    const anchor = document.createElement("span");
    anchor.className = "selection-anchor";
    range.insertNode(anchor);
  }
  if (!addButton.matches(":popover-open")) addButton.showPopover();
}

function readSelection() {
  const selection = document.getSelection();
  if (!selection.rangeCount || selection.isCollapsed) return null;
  return selectorFor(root, selection.getRangeAt(0));
}

let selectionTimer = 0;
function selectionChanged() {
  window.clearTimeout(selectionTimer);
  selectionTimer = window.setTimeout(() => {
    if (pointerDown) return;
    const selector = readSelection();
    if (selector) showAdd(selector);
    else if (pending) hideAdd();
  }, 150);
}

if (addButton) {
  document.addEventListener("selectionchange", selectionChanged);
  document.addEventListener("pointerdown", (event) => {
    if (!event.target.closest("#add-claim")) pointerDown = true;
  });
  for (const type of ["pointerup", "pointercancel"]) {
    document.addEventListener(type, () => {
      pointerDown = false;
      selectionChanged();
    });
  }
  // Keep the selection when the button is pressed.
  addButton.addEventListener("pointerdown", (event) => event.preventDefault());
  addButton.addEventListener("click", () => startClaim());
}

function drawDraft(selector) {
  if (!window.CSS || !CSS.highlights) return;
  const range = rangeAt(root, selector.start, selector.end);
  if (range) CSS.highlights.set("claim-draft", new Highlight(range));
}

function clearDraft() {
  if (window.CSS && CSS.highlights) CSS.highlights.delete("claim-draft");
}

function composerOpen() {
  return document.querySelector("#composer [data-composer]");
}

function startClaim() {
  const selector = readSelection() || pending;
  if (!selector) {
    announce("Select a passage of the article first, or press n to type the quote.");
    return;
  }
  if (!confirmLoss(dirtyFields(composerOpen()), "Start a new claim from this selection anyway?")) return;
  const url = new URL(root.dataset.newClaimUrl, window.location.href);
  url.searchParams.set("start", selector.start);
  url.searchParams.set("end", selector.end);
  // Very long quotes stay out of the address: the server reads them from the offsets.
  if (selector.exact !== null && selector.exact.length <= 2000) {
    url.searchParams.set("exact", selector.exact);
    url.searchParams.set("prefix", selector.prefix);
    url.searchParams.set("suffix", selector.suffix);
  }
  hideAdd();
  drawDraft(selector);
  document.getSelection().removeAllRanges();
  approveNextSwap(document.getElementById("composer"));
  htmx.ajax("GET", url.pathname + url.search, { target: "#composer", swap: "innerHTML" }).then(() => {
    const composer = composerOpen();
    if (composer) composer.scrollIntoView({ block: "nearest" });
  });
}

// --- closing forms without losing what was typed -------------------------------------------

function closeComposer() {
  document.getElementById("composer").replaceChildren();
  clearDraft();
  const opener = document.querySelector("[data-new-claim]");
  if (opener) opener.focus();
}

function openContainer(target) {
  return (
    (target.closest && target.closest("[data-composer], .claim-card.is-open")) ||
    document.querySelector(".claim-card.is-open") ||
    composerOpen()
  );
}

function closeContainer(container) {
  if (container.matches("[data-composer]")) {
    closeComposer();
    return;
  }
  const close = container.querySelector("[data-close]");
  if (close) close.click();
}

document.addEventListener("click", (event) => {
  const closer = event.target.closest("[data-close-composer]");
  if (closer) {
    event.preventDefault();
    if (!confirmLoss(dirtyFields(composerOpen()), "Discard the claim you started?")) return;
    closeComposer();
    return;
  }
  const discard = event.target.closest("[data-discard]");
  if (discard) {
    event.preventDefault();
    const card = discard.closest(".claim-card");
    // The form holds what was typed into the deleted claim: it is saved nowhere else.
    if (!window.confirm("Discard what you typed into the deleted claim? It is not saved anywhere else.")) return;
    card.remove();
    return;
  }
  const show = event.target.closest("[data-show-in-text]");
  if (show) {
    event.preventDefault();
    const card = show.closest("[data-claim]");
    select(card.dataset.claim, { scrollText: true, scrollPanel: false });
    const first = marksOf(card.dataset.claim)[0];
    if (first && !wide.matches) first.scrollIntoView({ block: "center" });
    return;
  }
  const addRow = event.target.closest("[data-add-source-row]");
  if (addRow) {
    const fieldset = addRow.closest(".sources-fieldset");
    const next = fieldset.querySelector(".source-row--extra:not(.is-shown):not(.has-input)");
    if (next) {
      next.classList.add("is-shown");
      next.querySelector("input").focus();
    }
    if (!fieldset.querySelector(".source-row--extra:not(.is-shown):not(.has-input)")) addRow.hidden = true;
    return;
  }
  const removeRow = event.target.closest("[data-remove-source-row]");
  if (removeRow) {
    const row = removeRow.closest("[data-source-row]");
    row.querySelectorAll("input[type=url], input[type=text], textarea").forEach((field) => {
      field.value = "";
    });
    const context = row.querySelector("input[type=radio][value=context]");
    if (context) context.checked = true;
    row.classList.remove("is-shown", "has-input");
    const fieldset = row.closest(".sources-fieldset");
    const adder = fieldset.querySelector("[data-add-source-row]");
    adder.hidden = false;
    adder.focus();
    return;
  }
  const card = event.target.closest(".claim-card[data-claim]:not(.is-open)");
  if (card && !event.target.closest("a, button, input, textarea, select, label")) {
    select(card.dataset.claim, { scrollText: true, scrollPanel: false });
  }
  const helpOpen = event.target.closest("[data-help-open]");
  if (helpOpen) help.showModal();
});

panel.addEventListener("dblclick", (event) => {
  const card = event.target.closest(".claim-card[data-claim]:not(.is-open)");
  if (card && !event.target.closest("a, button")) card.querySelector("[data-open-claim]").click();
});

// Typed input is never dropped without asking (ui.js names what would be lost):
//
// * a request whose answer replaces a part of the page holding typed input (Close, Cancel,
//   Delete…, a comment's Edit, a workflow button while a comment is half typed) asks first —
//   except what the request itself sends, which the server saves (a workflow button posts the
//   claim's form: services.claim_revise_and_transition saves it before moving the claim);
// * Publish publishes the verdict approved earlier, so a changed Verdict or Rationale would not
//   be published: the page asks, and drops them if told to go on (without JavaScript the
//   server saves them as the editor's own proposal beside the approved one);
// * a new claim list (a filter, a claim added or deleted) keeps the open claims that hold
//   typed input; one from live updates keeps every open claim;
// * leaving the page asks the browser's own question (ui.js guardPageExit).
const VERDICT_FIELDS = ["rating", "rationale"];

function question(source, submitter) {
  if (source.matches && source.matches("[data-close]")) return "Close this claim anyway?";
  const action = (submitter || source).textContent;
  const label = action ? action.replace(/\s+/g, " ").replace(/…$/, "").trim() : "";
  return label && label.length < 40 ? `${label} anyway?` : "Go on anyway?";
}

document.body.addEventListener("htmx:confirm", (event) => {
  const { target, elt, verb } = event.detail;
  if (!target || takeApproval(target)) return;
  const trigger = event.detail.triggeringEvent;
  const submitter = trigger && trigger.submitter ? trigger.submitter : null;
  const sent = verb !== "get" && elt.closest ? elt.closest("form") : null;
  // The list's own swaps carry open claims with typed input over (keepOpenClaims).
  let lost = target.id === "claim-list" ? [] : dirtyFields(target, { except: sent });
  let ask = question(elt, submitter);
  let dropped = [];
  const keeps = submitter && submitter.dataset.keepsFinal;
  if (keeps && sent) {
    dropped = VERDICT_FIELDS.map((name) => sent.elements.namedItem(name)).filter((field) => field && isChanged(field));
    if (dropped.length) {
      lost = dropped.map(fieldName).concat(lost);
      ask = `Publishing keeps the approved verdict (${keeps}). Publish anyway?`;
    }
  }
  if (!lost.length) return;
  // One question, not two: an element's own hx-confirm question is asked with this one.
  event.preventDefault();
  if (!confirmLoss(lost, event.detail.question || ask)) return;
  dropped.forEach((field) => {
    if (field.tagName === "SELECT") Array.from(field.options).forEach((option) => (option.selected = option.defaultSelected));
    else field.value = field.defaultValue;
  });
  event.detail.issueRequest(true);
});

const keptOpen = new Map(); // open claims carried across a new list
let keptFrom = null; // the list they are in until the swap
let keptFocus = null; // the field being typed in, inside one of them
let focusedCard = null; // the id of a closed card that had the focus (live refresh)

function keepOpenClaims(list, sender, { all = false } = {}) {
  keptOpen.clear();
  keptFrom = list;
  keptFocus = null;
  const focused = list.contains(document.activeElement) ? document.activeElement : null;
  const closed = all && focused && !focused.closest(".is-open") ? focused.closest("[data-claim][id]") : null;
  focusedCard = closed ? closed.id : null;
  list.querySelectorAll(".claim-card.is-open[id]").forEach((card) => {
    // The claim whose own form was sent (a deleted claim saved as a new one) is answered.
    if (!all && (!isDirty(card) || (sender && card.contains(sender)))) return;
    keptOpen.set(card.id, card);
    if (card.contains(document.activeElement)) keptFocus = document.activeElement;
  });
}

// After the swap (the old list, and the kept claims with it, out of the page): each kept
// claim takes the place of its fresh copy, or the top of the list when it has none. Done on
// htmx:afterSwap, before htmx settles the new list: htmx then processes the claims again
// (it cleaned them up with the old list).
function restoreOpenClaims() {
  const list = document.getElementById("claim-list");
  const swapped = keptFrom !== null && !keptFrom.isConnected;
  keptFrom = null;
  if (!swapped) {
    keptOpen.clear(); // the swap was called off: the claims are where they were
    keptFocus = null;
    focusedCard = null;
    return;
  }
  if (focusedCard && list) {
    const again = document.getElementById(focusedCard);
    const link = again && (again.querySelector("[data-open-claim]") || again);
    if (link) link.focus({ preventScroll: true });
  }
  focusedCard = null;
  if (!keptOpen.size || !list) return;
  keptOpen.forEach((card, id) => {
    const fresh = document.getElementById(id);
    if (fresh && list.contains(fresh)) {
      fresh.replaceWith(card);
      return;
    }
    let items = list.querySelector("ol.claim-list");
    if (!items) {
      items = document.createElement("ol");
      items.className = "claim-list";
      list.prepend(items);
    }
    items.prepend(card);
  });
  if (keptFocus && keptFocus.isConnected) keptFocus.focus({ preventScroll: true });
  keptOpen.clear();
  keptFocus = null;
}

guardPageExit();

// --- htmx: error fragments, focus after a swap, undo toast ----------------------------------

// An error answer that says where it goes (HX-Retarget) is swapped in place by
// js/htmx-errors.js, on every page; the others are announced here.
document.body.addEventListener("htmx:beforeSwap", (event) => {
  const target = event.detail.target;
  if (event.detail.shouldSwap && target && target.id === "claim-list") {
    const sender = event.detail.requestConfig && event.detail.requestConfig.elt;
    keepOpenClaims(target, sender, { all: isLiveRefresh(event.detail) });
  }
});
document.body.addEventListener("htmx:afterSwap", restoreOpenClaims);
document.body.addEventListener("htmx:responseError", (event) => {
  if (isLiveRefresh(event.detail)) return; // the next Event asks again
  const status = event.detail.xhr.status;
  const gone = status === 404 ? " It may have been deleted: reload the page." : "";
  announce(`That did not work (the server answered ${status}).${gone} Nothing you typed was lost.`);
});
document.body.addEventListener("htmx:sendError", (event) => {
  if (isLiveRefresh(event.detail)) return;
  announce("The server could not be reached. Nothing you typed was lost: try again.");
});

let closing = null; // the claim whose open form is being closed, to focus its card after
document.body.addEventListener("htmx:beforeRequest", (event) => {
  if (isLiveRefresh(event.detail)) return;
  const source = event.detail.elt;
  closing = source.matches && source.matches("[data-close]") ? source.closest("[data-claim]") : null;
  closing = closing && closing.dataset.claim;
});

function afterSwap(event) {
  restoreOpenClaims();
  if (event && isLiveRefresh(event.detail)) {
    // The list and the text are new: the selected claim stays selected (the focus came back
    // in restoreOpenClaims).
    if (current) select(current, { scrollPanel: false });
    return;
  }
  const invalid = document.querySelector("[data-claim-form] [aria-invalid='true']");
  const marked = document.querySelector("[data-focus-after-swap]");
  if (marked) marked.removeAttribute("data-focus-after-swap");
  if (invalid) {
    invalid.focus();
  } else if (marked && marked.matches(".claim-card:not(.is-open)")) {
    select(marked.dataset.claim, { focus: true, scrollText: true });
    marksOf(marked.dataset.claim).forEach((mark) => mark.classList.add("is-new"));
  } else if (marked) {
    if (marked.matches(".claim-card")) select(marked.dataset.claim, { scrollText: true, scrollPanel: false });
    marked.focus({ preventScroll: true });
    marked.scrollIntoView({ block: marked.matches(".claim-card.is-open") ? "start" : "nearest" });
  } else if (closing) {
    select(closing, { focus: true });
  } else if (current) {
    select(current, { scrollPanel: false });
  }
  closing = null;
  if (!composerOpen()) clearDraft();
  startToasts();
}
document.body.addEventListener("htmx:afterSettle", afterSwap);

// --- the keyboard ---------------------------------------------------------------------------

// A shortcut whose element may be absent (no toast, a read-only page): it acts only when the
// element is there, and only then keeps the key from the browser.
function useShortcutTarget(event, selector, act) {
  const element = document.querySelector(selector);
  if (!element) return;
  event.preventDefault();
  act(element);
}

document.addEventListener("keydown", (event) => {
  if (event.defaultPrevented || event.isComposing) return;
  const target = event.target;
  const typing = isTyping(target);

  if ((event.ctrlKey || event.metaKey) && event.key === "Enter" && typing) {
    const form = target.closest("form[data-claim-form]");
    if (form) {
      event.preventDefault();
      form.requestSubmit();
    }
    return;
  }
  if (event.key === "Escape") {
    if (help.open || choice.matches(":popover-open")) return; // they close themselves
    hideTip();
    const container = openContainer(target);
    if (container) {
      const typed = dirtyFields(container);
      if (typed.length && Date.now() - escapeArmed > 4000) {
        escapeArmed = Date.now();
        announce(`${lossMessage(typed)} Press Esc again to discard them.`);
        container.classList.add("is-asking");
        window.setTimeout(() => container.classList.remove("is-asking"), 4000);
        return;
      }
      escapeArmed = 0;
      event.preventDefault();
      closeContainer(container);
    } else if (pending) {
      hideAdd();
      document.getSelection().removeAllRanges();
    }
    return;
  }
  if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
  if (target.closest && target.closest("dialog, [popover]")) return;

  switch (event.key) {
    case "j":
    case "k":
      event.preventDefault();
      move(event.key === "j" ? 1 : -1);
      break;
    case "a":
      if (!addButton) return;
      event.preventDefault();
      startClaim();
      break;
    case "n":
      useShortcutTarget(event, "[data-new-claim]", (link) => link.click());
      break;
    case "u":
      useShortcutTarget(event, "#toast-region [aria-keyshortcuts='u']", (undo) => undo.click());
      break;
    case "/":
      useShortcutTarget(event, "#claim-filters input[type=search]", (search) => search.focus());
      break;
    case "?":
      event.preventDefault();
      help.showModal();
      break;
    case "Enter": {
      const card = target.closest(".claim-card[data-claim]:not(.is-open)");
      if (card && target === card) {
        event.preventDefault();
        card.querySelector("[data-open-claim]").click();
      }
      break;
    }
    default:
  }
});

// --- on load --------------------------------------------------------------------------------

// A claim's link (`#claim-12`), or its permalink (`?claim=12#mark-12`): that claim selected,
// its card in view in the panel and its highlight in view in the text.
const linked =
  window.location.hash.match(/^#(?:claim|mark)-(\d+)$/) ||
  window.location.search.match(/[?&]claim=(\d+)(?:&|$)/);
if (linked) select(linked[1], { scrollText: true });

// "Copy link" beside a claim's permanent link: the full address on the clipboard.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy-link]");
  if (!button) return;
  const link = button.parentElement.querySelector("[data-permalink]");
  if (!link) return;
  const address = new URL(link.getAttribute("href"), window.location.href).href;
  if (!navigator.clipboard) {
    announce(`Copy this link: ${address}`);
    return;
  }
  navigator.clipboard.writeText(address).then(
    () => announce(`Link copied: ${address}`),
    () => announce(`Copy this link: ${address}`),
  );
});
afterSwap();
