// The re-attach page: a selection in the current text fills the form (start, end, quote and
// its context). Without JavaScript the quote is typed instead.
import { guardPageExit } from "./ui.js";
import { selectorFor } from "./selection.js";

const root = document.getElementById("article-text");
const form = document.getElementById("reattach-form");

if (root && form) {
  const field = (name) => form.elements.namedItem(name);
  document.addEventListener("selectionchange", () => {
    const selection = document.getSelection();
    if (!selection.rangeCount || selection.isCollapsed) return;
    const selector = selectorFor(root, selection.getRangeAt(0));
    if (!selector) return;
    for (const name of ["start", "end", "prefix", "suffix"]) field(name).value = selector[name] ?? "";
    field("exact").value = selector.exact ?? "";
  });
  // A quote typed by hand is searched for: offsets from an earlier selection no longer apply.
  field("exact").addEventListener("input", () => {
    for (const name of ["start", "end", "prefix", "suffix"]) field(name).value = "";
  });
  // A quote chosen but not re-attached: leaving the page asks first.
  guardPageExit();
  // Lets tests (and anything else) know a selection will now be picked up.
  form.dataset.selectionReady = "true";
}
