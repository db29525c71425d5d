// Live updates on the article page: what others change appears without a reload, and the
// header says who else is viewing.
//
// htmx does the work (article_detail.html): its SSE extension (`hx-ext="sse"` on #live) opens
// the stream of the article's Events (/articles/<id>/live/), and EventSource resumes after a
// drop with the id of the last Event it had (Last-Event-ID), so the server replays what was
// missed. Each change Event triggers #live-refresh (`hx-trigger="sse:claim …"`), whose request
// brings the claim list and, out of band, the text with its highlights and the claim count.
// The workspace keeps every open claim across that swap (workspace.js keepOpenClaims).
//
// What is left here is what htmx cannot know: this page's own saves come back as Events and
// are already on screen; a refresh waits while htmx is changing the page itself or a passage
// is being selected; an open claim someone else changed is marked, not replaced; toasts and
// "Viewing now" are worded for this person.

import { toast } from "./ui.js";

const live = document.getElementById("live");
const refresher = document.getElementById("live-refresh");
const htmx = window.htmx;

if (live && refresher && window.EventSource) {
  const me = live.dataset.username || "";
  const presence = document.getElementById("presence-list");
  const text = document.getElementById("article-text");
  const seen = new Set(); // Event ids handled: a stream opened again replays from the page's start
  const OWN_WRITE_WINDOW = 5000; // ms: this page's own saves are already on screen
  const STUCK = 15000; // ms: a request that never reported its end no longer holds refreshes

  function now() {
    return performance.timeOrigin + performance.now();
  }

  // --- the stream: htmx opens it; this page only watches its state -------------------------

  let source = null;
  // htmx's documented hook for making the EventSource. A stream that ends (under a WSGI server
  // every answer does) makes EventSource reconnect by itself: not an error for htmx to log.
  htmx.createEventSource = (url) => {
    source = new EventSource(url);
    source.addEventListener("error", (event) => {
      live.dataset.connected = "false";
      if (source.readyState === EventSource.CONNECTING) event.stopImmediatePropagation();
    });
    return source;
  };
  live.addEventListener("htmx:sseOpen", () => {
    live.dataset.connected = "true";
  });
  window.addEventListener("pagehide", () => source && source.close());
  // Back from the browser's page cache the stream is closed: load the page as it is now.
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) window.location.reload();
  });

  // --- htmx's own requests: this page's writes, and changes a refresh must not undo ----------

  let lastOwnWrite = 0;
  let busy = 0; // htmx requests in flight (other than the refresh)
  let lastRequest = 0;
  let epoch = 0; // counts the page's own changes
  let refreshEpoch = 0;
  let wanted = false; // someone else changed something since the last refresh
  const fromRefresh = (event) => event.detail.elt === refresher || event.detail.requestConfig?.elt === refresher;

  document.body.addEventListener("htmx:beforeRequest", (event) => {
    if (fromRefresh(event)) {
      refreshEpoch = epoch;
      return;
    }
    busy += 1;
    epoch += 1;
    lastRequest = Date.now();
    const verb = event.detail.requestConfig && event.detail.requestConfig.verb;
    if (verb && verb.toLowerCase() !== "get") lastOwnWrite = Date.now();
  });
  document.body.addEventListener("htmx:afterRequest", (event) => {
    if (fromRefresh(event)) return;
    busy = Math.max(0, busy - 1);
    retry();
  });
  document.body.addEventListener("htmx:afterSettle", (event) => {
    if (fromRefresh(event)) {
      if (event.target.id === "claim-list") {
        document.dispatchEvent(new CustomEvent("live:refreshed", { detail: { at: now() } }));
      }
      return;
    }
    epoch += 1;
    retry();
  });

  function selectingText() {
    const selection = document.getSelection();
    if (selection && !selection.isCollapsed && selection.rangeCount) {
      if (text.contains(selection.getRangeAt(0).commonAncestorContainer)) return true;
    }
    const add = document.getElementById("add-claim");
    return Boolean(add && add.matches(":popover-open"));
  }

  function mustWait() {
    if (busy > 0 && Date.now() - lastRequest > STUCK) busy = 0;
    return busy > 0 || selectingText();
  }

  function retry() {
    if (wanted && !mustWait()) htmx.trigger(refresher, "live:refresh");
  }
  // Replacing the text would lose a selection being made: the refresh waits for it to end.
  document.addEventListener("selectionchange", retry);

  // The refresh goes only when someone else changed something, and not while the page is busy.
  refresher.addEventListener("htmx:confirm", (event) => {
    if (!wanted || mustWait()) {
      event.preventDefault();
      return;
    }
    wanted = false;
  });
  // An answer older than a change the page made meanwhile is dropped, and asked for again.
  document.body.addEventListener("htmx:beforeSwap", (event) => {
    if (!fromRefresh(event) || (epoch === refreshEpoch && !mustWait())) return;
    event.detail.shouldSwap = false;
    wanted = true;
    retry();
  });

  // --- each Event --------------------------------------------------------------------------

  function isOwn(data) {
    return data.actor === me && Date.now() - lastOwnWrite < OWN_WRITE_WINDOW;
  }

  function showPresence(viewers) {
    const others = viewers.filter((person) => person.username !== me);
    const names = others.map((person) =>
      person.name && person.name !== person.username ? `${person.name} (${person.username})` : person.username,
    );
    presence.textContent = names.length ? `Also viewing: ${names.join(", ")}` : "Only you";
    live.dataset.viewers = String(others.length);
  }

  // An open claim someone else changed: a notice, and the claim stays as typed.
  function markOpenClaim(data) {
    if (!data.claim) return;
    const card = document.querySelector(`#claim-${CSS.escape(String(data.claim))}.is-open`);
    if (!card) return;
    let notice = card.querySelector("[data-live-notice]");
    if (!notice) {
      notice = document.createElement("div");
      notice.className = "notice notice--live";
      notice.setAttribute("role", "status");
      notice.dataset.liveNotice = "";
      const head = card.querySelector(".claim-card__head");
      (head || card.firstChild).after(notice);
    }
    const gone = data.verb === "claim.deleted";
    const line = document.createElement("p");
    const strong = document.createElement("strong");
    strong.textContent = `${gone ? "Deleted" : "Changed"} by ${data.actor_name} while you edit.`;
    line.append(
      strong,
      " ",
      gone
        ? "What you typed is still here; saving offers to keep it as a new claim."
        : "Your input is kept. Reload the claim to see their change, or save to be shown what differs.",
    );
    const parts = [line];
    if (!gone) {
      // An htmx request like any other: the workspace asks first when something typed would go.
      const reload = document.createElement("button");
      reload.type = "button";
      reload.className = "button button--small button--secondary";
      reload.textContent = "Reload this claim";
      reload.setAttribute("hx-get", live.dataset.claimUrl.replace("/0/", `/${encodeURIComponent(data.claim)}/`));
      reload.setAttribute("hx-target", `#${card.id}`);
      reload.setAttribute("hx-swap", "outerHTML");
      parts.push(reload);
    }
    notice.replaceChildren(...parts);
    htmx.process(notice);
  }

  function reloadOffer() {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button button--small button--inverse";
    button.textContent = "Reload the page";
    button.addEventListener("click", () => window.location.reload());
    toast("Many changes were made while this page was away.", { action: button, seconds: 0 });
  }

  const TOASTED = /^(claim\.(created|deleted|restored)|article\.(archived|restored|deleted))$/;

  live.addEventListener("htmx:sseMessage", (event) => {
    const message = event.detail; // the MessageEvent
    if (message.type === "reload") return reloadOffer();
    let data;
    try {
      data = JSON.parse(message.data);
    } catch (error) {
      return; // a malformed message changes nothing
    }
    if (message.type === "presence") return showPresence(data.viewers || []);
    if (message.lastEventId) {
      if (seen.has(message.lastEventId)) return;
      seen.add(message.lastEventId);
    }
    document.dispatchEvent(new CustomEvent("live:event", { detail: { type: message.type, data, at: now() } }));
    if (isOwn(data)) return;
    markOpenClaim(data);
    if (TOASTED.test(data.verb)) toast(data.summary);
    wanted = true; // #live-refresh's own trigger sends the request (or htmx:confirm holds it)
  });
}
