// Live updates on the article page: what others change appears without a reload, and the
// header says who else is viewing.
//
// The server streams the article's Events (Server-Sent Events, /articles/<id>/live/). After a
// change to a claim, verdict, source or comment, the page fetches the text and the claim list
// as they are now and puts them in place, keeping whatever the user has open: a claim being
// edited stays as typed and gets a notice instead. EventSource reconnects by itself and sends
// the id of the last Event it had (Last-Event-ID), so the server replays what was missed.

import { approveNextSwap, confirmLoss, dirtyFields } from "./dirty.js";

(function () {

  const live = document.getElementById("live");
  if (!live || !window.EventSource) return;

  const me = live.dataset.username || "";
  const presence = document.getElementById("presence-list");
  const seen = new Set(); // Event ids handled, so a replay never applies one twice
  const REFRESH_DELAY = 120; // ms: one refresh for a burst of Events (a save makes several)
  const OWN_WRITE_WINDOW = 5000; // ms: this page's own saves are already on screen
  let lastOwnWrite = 0;
  let refreshTimer = 0;
  let refreshing = null;
  let refreshAgain = false;

  // --- small helpers -----------------------------------------------------------------------

  function now() {
    return performance.timeOrigin + performance.now();
  }

  let toastRegion = null;
  function toast(message, { action = null, seconds = 6 } = {}) {
    if (!toastRegion) {
      toastRegion = document.createElement("div");
      toastRegion.className = "live-toasts";
      toastRegion.setAttribute("role", "status");
      toastRegion.setAttribute("aria-live", "polite");
      document.body.append(toastRegion);
    }
    const item = document.createElement("div");
    item.className = "live-toast";
    const text = document.createElement("p");
    text.textContent = message;
    item.append(text);
    if (action) item.append(action);
    toastRegion.append(item);
    if (seconds) window.setTimeout(() => item.remove(), seconds * 1000);
    return item;
  }

  function claimEditUrl(id) {
    return live.dataset.claimUrl.replace("/0/", `/${encodeURIComponent(id)}/`);
  }

  // This page's own writes (htmx posts) come back as Events too; they are already shown. And
  // while htmx is changing the page itself (a claim opening, a save), a refresh waits: put in
  // place meanwhile, it could undo that change or swap away the element htmx is aiming at.
  let busy = 0; // htmx requests in flight
  let epoch = 0; // counts the page's own changes
  let refreshWanted = false;
  let lastRequest = 0;
  document.body.addEventListener("htmx:beforeRequest", (event) => {
    busy += 1;
    epoch += 1;
    lastRequest = Date.now();
    const verb = event.detail.requestConfig && event.detail.requestConfig.verb;
    if (verb && verb.toLowerCase() !== "get") lastOwnWrite = Date.now();
  });
  document.body.addEventListener("htmx:afterRequest", () => {
    busy = Math.max(0, busy - 1);
    if (busy === 0 && refreshWanted) scheduleRefresh();
  });
  document.body.addEventListener("htmx:afterSettle", () => {
    epoch += 1;
    if (busy === 0 && refreshWanted) scheduleRefresh();
  });

  function isOwn(data) {
    return data.actor === me && Date.now() - lastOwnWrite < OWN_WRITE_WINDOW;
  }

  // --- presence ----------------------------------------------------------------------------

  function showPresence(viewers) {
    const others = viewers.filter((person) => person.username !== me);
    const names = others.map((person) =>
      person.name && person.name !== person.username ? `${person.name} (${person.username})` : person.username,
    );
    presence.textContent = names.length ? `Also viewing: ${names.join(", ")}` : "Only you";
    live.dataset.viewers = String(others.length);
  }

  // --- an open claim that someone else changed -----------------------------------------------

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
    const text = document.createElement("p");
    const strong = document.createElement("strong");
    strong.textContent = gone
      ? `Deleted by ${data.actor_name} while you edit.`
      : `Changed by ${data.actor_name} while you edit.`;
    text.append(strong, " ");
    text.append(
      gone
        ? "What you typed is still here; saving offers to keep it as a new claim."
        : "Your input is kept. Reload the claim to see their change, or save to be shown what differs.",
    );
    const children = [text];
    if (!gone) {
      const reload = document.createElement("button");
      reload.type = "button";
      reload.className = "button button--small button--secondary";
      reload.textContent = "Reload this claim";
      reload.dataset.liveReloadClaim = String(data.claim);
      children.push(reload);
    }
    notice.replaceChildren(...children);
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-live-reload-claim]");
    if (!button) return;
    const card = button.closest(".claim-card");
    if (card && !confirmLoss(dirtyFields(card), "Reload this claim anyway?")) return;
    if (card) approveNextSwap(card); // asked here; the workspace does not ask again
    window.htmx.ajax("GET", claimEditUrl(button.dataset.liveReloadClaim), {
      target: `#claim-${button.dataset.liveReloadClaim}`,
      swap: "outerHTML",
    });
  });

  // --- bringing the text and the list up to date ---------------------------------------------

  const text = document.getElementById("article-text");

  function selectingText() {
    const selection = document.getSelection();
    if (selection && !selection.isCollapsed && selection.rangeCount) {
      const node = selection.getRangeAt(0).commonAncestorContainer;
      if (text.contains(node)) return true;
    }
    const add = document.getElementById("add-claim");
    return Boolean(add && add.matches(":popover-open"));
  }

  function currentClaim() {
    const card = document.querySelector(".claim-card.is-current[data-claim]");
    return card ? card.dataset.claim : null;
  }

  function applyText(part) {
    const selected = currentClaim();
    text.replaceChildren(...Array.from(part.childNodes));
    if (selected) {
      text
        .querySelectorAll(`mark[data-claim-id="${CSS.escape(selected)}"]`)
        .forEach((mark) => mark.classList.add("is-current"));
    }
    window.htmx.process(text);
    text.dispatchEvent(new CustomEvent("live:text", { bubbles: true }));
  }

  // Replacing the text would lose a selection being made: the refresh waits for it to end.
  document.addEventListener("selectionchange", () => {
    if (refreshWanted && busy === 0 && !selectingText()) scheduleRefresh();
  });

  function applyList(fresh) {
    const list = document.getElementById("claim-list");
    if (!list || !fresh) return;
    const selected = currentClaim();
    const focused = document.activeElement && list.contains(document.activeElement) ? document.activeElement : null;
    const focusedCard = focused && !focused.closest(".is-open") ? focused.closest("[data-claim]") : null;
    // Claims open in the panel (a form, a delete confirmation) stay exactly as they are.
    list.querySelectorAll(".claim-card.is-open[id]").forEach((open) => {
      const replacement = fresh.querySelector(`#${CSS.escape(open.id)}`);
      if (replacement) {
        replacement.replaceWith(open);
      } else {
        let target = fresh.querySelector("ol.claim-list");
        if (!target) {
          target = document.createElement("ol");
          target.className = "claim-list";
          fresh.prepend(target);
        }
        target.prepend(open);
      }
    });
    list.replaceWith(fresh);
    if (selected) {
      const card = document.getElementById(`claim-${selected}`);
      if (card) card.classList.add("is-current");
    }
    window.htmx.process(fresh);
    if (focusedCard) {
      const again = document.getElementById(focusedCard.id);
      const link = again && (again.querySelector("[data-open-claim]") || again);
      if (link) link.focus({ preventScroll: true });
    }
  }

  async function refresh() {
    if (refreshing) {
      refreshAgain = true;
      return;
    }
    if (busy > 0 && Date.now() - lastRequest > 15000) busy = 0; // a request that never ended
    if (busy > 0 || selectingText()) {
      refreshWanted = true; // once htmx is done, or the selection is gone
      return;
    }
    refreshWanted = false;
    const startedAt = epoch;
    const url = new URL(live.dataset.refreshUrl, window.location.href);
    url.search = window.location.search; // the list filtered as the user has it
    refreshing = fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } });
    try {
      const response = await refreshing;
      if (!response.ok) return;
      const body = await response.text();
      if (busy > 0 || epoch !== startedAt || selectingText()) {
        refreshWanted = true; // the page changed itself meanwhile: this copy may be older
        if (busy === 0 && !selectingText()) scheduleRefresh();
        return;
      }
      const page = new DOMParser().parseFromString(body, "text/html");
      const textPart = page.querySelector('[data-live-part="text"]');
      const listPart = page.querySelector('[data-live-part="list"] #claim-list');
      if (textPart) {
        const count = document.getElementById("claim-count");
        if (count) count.textContent = textPart.dataset.claimTotal;
        applyText(document.adoptNode(textPart));
      }
      if (listPart) applyList(document.adoptNode(listPart));
      document.dispatchEvent(new CustomEvent("live:refreshed", { detail: { at: now() } }));
    } catch (error) {
      // The next Event (or the reconnect's replay) tries again.
    } finally {
      refreshing = null;
      if (refreshAgain) {
        refreshAgain = false;
        scheduleRefresh();
      }
    }
  }

  function scheduleRefresh() {
    window.clearTimeout(refreshTimer);
    refreshTimer = window.setTimeout(refresh, REFRESH_DELAY);
  }

  // --- the stream ----------------------------------------------------------------------------

  const url = new URL(live.dataset.liveUrl, window.location.href);
  url.searchParams.set("after", live.dataset.liveAfter || "0");
  const source = new EventSource(url);

  function onChange(event) {
    const id = event.lastEventId;
    if (id) {
      if (seen.has(id)) return;
      seen.add(id);
    }
    let data;
    try {
      data = JSON.parse(event.data);
    } catch (error) {
      return;
    }
    document.dispatchEvent(new CustomEvent("live:event", { detail: { type: event.type, data, at: now() } }));
    if (isOwn(data)) return;
    markOpenClaim(data);
    if (data.verb === "claim.created" || data.verb === "claim.deleted" || data.verb === "claim.restored" || /^article\.(archived|restored|deleted)$/.test(data.verb)) {
      toast(data.summary);
    }
    scheduleRefresh();
  }

  for (const type of ["claim", "verdict", "source", "comment", "article", "activity"]) {
    source.addEventListener(type, onChange);
  }
  source.addEventListener("presence", (event) => {
    try {
      showPresence(JSON.parse(event.data).viewers || []);
    } catch (error) {
      // a malformed message changes nothing
    }
  });
  source.addEventListener("reload", () => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button button--small button--inverse";
    button.textContent = "Reload the page";
    button.addEventListener("click", () => window.location.reload());
    toast("Many changes were made while this page was away.", { action: button, seconds: 0 });
  });
  source.addEventListener("open", () => {
    live.dataset.connected = "true";
  });
  source.addEventListener("error", () => {
    live.dataset.connected = "false"; // EventSource reconnects by itself
  });
  window.addEventListener("pagehide", () => source.close());
  // Back from the browser's page cache the stream is closed: load the page as it is now.
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) window.location.reload();
  });
})();
