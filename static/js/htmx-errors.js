// Error answers in place, on every page and in every mode.
//
// htmx swaps only 2xx answers. The server answers a form it cannot accept (400, 403, 409,
// 412...) with the form again, its messages and everything typed, and says where it goes with
// HX-Retarget: such an answer is swapped in like any other. Any other error answer (a bare
// 404 or 500 page) leaves the page as it is; the page's own script announces it.
document.addEventListener("htmx:beforeSwap", (event) => {
  const xhr = event.detail.xhr;
  if (xhr.status >= 400 && xhr.getResponseHeader("HX-Retarget")) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
