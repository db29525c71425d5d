// The import page's "Several at once": each file and web address is sent on its own to the
// item endpoint, one after the other, and its row of the results list is replaced by the row
// the server sends back (imported, already there, failed, or not an article with "Import
// anyway"). Without this script the form posts everything at once and the server answers
// with the whole results list.

const form = document.getElementById("bulk-form");
const list = document.getElementById("bulk-progress");
document.documentElement.classList.add("js");

function csrfToken() {
  const input = document.querySelector("input[name=csrfmiddlewaretoken]");
  return input ? input.value : "";
}

function pendingRow(name) {
  const row = document.createElement("li");
  row.className = "import-row import-row--pending";
  row.dataset.state = "pending";
  const label = document.createElement("span");
  label.className = "import-row__name";
  label.textContent = name;
  const badge = document.createElement("span");
  badge.className = "badge";
  badge.textContent = "Waiting…";
  row.append(label, " ", badge);
  return row;
}

function failRow(row, message) {
  row.className = "import-row import-row--failed";
  row.dataset.state = "failed";
  const badge = row.querySelector(".badge");
  badge.className = "badge badge--failed";
  badge.textContent = "Failed";
  const reason = document.createElement("span");
  reason.className = "import-row__reason";
  reason.textContent = ` ${message}`;
  row.append(reason);
}

async function send(body, row) {
  row.dataset.state = "running";
  const badge = row.querySelector(".badge");
  if (badge) badge.textContent = "Importing…";
  try {
    const response = await fetch(form.dataset.itemUrl, {
      method: "POST",
      body,
      credentials: "same-origin",
      headers: { "HX-Request": "true", "X-CSRFToken": csrfToken() },
    });
    const template = document.createElement("template");
    template.innerHTML = (await response.text()).trim(); // the server escaped every text
    const fresh = template.content.firstElementChild;
    if (fresh && fresh.matches("li.import-row")) row.replaceWith(fresh);
    else failRow(row, `The server answered ${response.status}.`);
  } catch {
    failRow(row, "The connection failed; try this one again.");
  }
}

if (form && list) {
  form.addEventListener("submit", async (event) => {
    const files = Array.from(form.querySelector("input[type=file]").files);
    const urls = form.querySelector("textarea[name=urls]").value
      .split(/\r?\n/u)
      .map((line) => line.trim())
      .filter(Boolean);
    const total = files.length + urls.length;
    if (!total || total > Number(form.dataset.maxItems)) return; // the server explains why
    event.preventDefault();
    const team = form.querySelector("[name=team]").value;
    const force = form.querySelector("[name=force]").checked;
    const items = [
      ...files.map((file) => ({ name: file.name, file })),
      ...urls.map((url) => ({ name: url, url })),
    ];
    list.replaceChildren();
    list.hidden = false;
    const rows = items.map((item) => list.appendChild(pendingRow(item.name)));
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    for (const [index, item] of items.entries()) {
      const body = new FormData();
      body.append("team", team);
      if (force) body.append("force", "1");
      if (item.file) body.append("file", item.file, item.file.name);
      else body.append("url", item.url);
      await send(body, rows[index]);
    }
    button.disabled = false;
    list.dataset.done = "true";
  });
}

// "Import anyway" on a row: the same request with force, and the row replaced in place.
document.addEventListener("submit", (event) => {
  const retry = event.target.closest("form[data-retry]");
  if (!retry || !form) return;
  event.preventDefault();
  send(new FormData(retry), retry.closest("li.import-row"));
});
