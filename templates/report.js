"use strict";
// riskaudit HTML report: sorting, filtering and lazily completed details for the findings table.
// The page works without this script; it only adds the controls. It never builds markup from strings.
// The filters live in the URL's fragment (#sev=high&rule=RA101), replaced as they change, so a reload or a
// shared link shows the same findings; a fragment naming a finding (#f-12) stays a plain link to it.
(() => {
  const table = document.getElementById("findings-table");
  const form = document.getElementById("filters");
  const status = document.getElementById("filter-status");
  if (!table || !form || !status) {
    performance.mark("riskaudit-ready");
    return;
  }
  const tbody = table.tBodies[0];
  const rows = Array.from(tbody.rows);
  const total = rows.length;
  const headers = Array.from(table.tHead.rows[0].cells);
  const sortKeys = new Map();
  let searchIndex = null;
  let pending = 0;

  // The filter state in the URL: each form field under a short key, empty fields left out.
  const KEYS = { severity: "sev", tool: "tool", rule: "rule", q: "q" };
  const FINDING = /^f-[0-9]+$/;

  function stateFromHash(hash) {
    const text = hash.replace(/^#/, "");
    if (text === "" || FINDING.test(text) || !text.includes("=")) {
      return null;
    }
    const params = new URLSearchParams(text);
    const state = {};
    let known = false;
    for (const [field, key] of Object.entries(KEYS)) {
      state[field] = params.get(key) || "";
      known = known || params.has(key);
    }
    return known ? state : null;
  }

  function restoreState(state) {
    const fields = form.elements;
    for (const field of Object.keys(KEYS)) {
      const control = fields.namedItem(field);
      control.value = state[field];
      if (control.value !== state[field]) {
        control.value = "";
      }
    }
  }

  function writeState() {
    const fields = form.elements;
    const params = new URLSearchParams();
    for (const [field, key] of Object.entries(KEYS)) {
      const value = fields.namedItem(field).value;
      if (value !== "") {
        params.set(key, value);
      }
    }
    const text = params.toString();
    const current = window.location.hash.slice(1);
    // No filter: a fragment that is not a filter state (a finding, a section) stays as it is.
    if (text === current || (text === "" && stateFromHash(current) === null)) {
      return;
    }
    const url = window.location.pathname + window.location.search + (text === "" ? "" : `#${text}`);
    history.replaceState(history.state, "", url);
  }

  // Filtering: one pass over the rows, toggling `hidden` only where it changes.
  function indexRows() {
    return rows.map((row) => {
      const cells = row.cells;
      const summary = row.querySelector("summary");
      const text = [cells[3], cells[4], cells[5], summary, cells[7]]
        .map((node) => (node ? node.textContent : ""))
        .join(" ")
        .toLowerCase();
      return { row, sev: row.dataset.sev, rule: row.dataset.rule, tools: row.dataset.tools.split(" "), text };
    });
  }

  function applyFilters() {
    pending = 0;
    if (searchIndex === null) {
      searchIndex = indexRows();
    }
    const fields = form.elements;
    const severity = fields.namedItem("severity").value;
    const tool = fields.namedItem("tool").value;
    const rule = fields.namedItem("rule").value;
    const terms = fields.namedItem("q").value.toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    for (const item of searchIndex) {
      const keep =
        (severity === "" || item.sev === severity) &&
        (tool === "" || item.tools.includes(tool)) &&
        (rule === "" || item.rule === rule) &&
        terms.every((term) => item.text.includes(term));
      if (item.row.hidden === keep) {
        item.row.hidden = !keep;
      }
      if (keep) {
        shown += 1;
      }
    }
    status.textContent =
      shown === total ? `All ${total} findings shown.` : `${shown} of ${total} findings shown.`;
    writeState();
  }

  function scheduleFilters() {
    if (pending === 0) {
      pending = requestAnimationFrame(applyFilters);
    }
  }

  form.addEventListener("change", applyFilters);
  form.addEventListener("input", scheduleFilters);
  form.addEventListener("submit", (event) => event.preventDefault());
  form.addEventListener("reset", () => setTimeout(applyFilters, 0));

  // Sorting: click a column header; numeric columns compare as numbers, ties keep the ranking.
  function keysOf(column) {
    let keys = sortKeys.get(column);
    if (keys === undefined) {
      const numeric = headers[column].dataset.type === "num";
      keys = new Map();
      for (const row of rows) {
        const cell = row.cells[column];
        const raw = cell.dataset.key !== undefined ? cell.dataset.key : cell.textContent.trim();
        keys.set(row, numeric ? Number.parseFloat(raw) : raw.toLowerCase());
      }
      sortKeys.set(column, keys);
    }
    return keys;
  }

  function sortBy(column) {
    const header = headers[column];
    const descending = header.getAttribute("aria-sort") === "ascending";
    const keys = keysOf(column);
    const order = new Map(rows.map((row, position) => [row, position]));
    const sign = descending ? -1 : 1;
    const sorted = rows.slice().sort((a, b) => {
      const ka = keys.get(a);
      const kb = keys.get(b);
      if (ka < kb) {
        return -sign;
      }
      if (ka > kb) {
        return sign;
      }
      return order.get(a) - order.get(b);
    });
    for (const other of headers) {
      other.removeAttribute("aria-sort");
    }
    header.setAttribute("aria-sort", descending ? "descending" : "ascending");
    const fragment = document.createDocumentFragment();
    for (const row of sorted) {
      fragment.appendChild(row);
    }
    tbody.appendChild(fragment);
  }

  headers.forEach((header, column) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "sort";
    button.title = "Sort by this column";
    while (header.firstChild) {
      button.appendChild(header.firstChild);
    }
    header.appendChild(button);
    button.addEventListener("click", () => sortBy(column));
  });

  // Details: on first opening, copy the rule's problem, risk and fix from the rule reference.
  function complete(details) {
    if (details.dataset.completed === "1") {
      return;
    }
    details.dataset.completed = "1";
    const link = details.querySelector(".rule-link");
    const source = link ? document.getElementById(`rule-${link.dataset.rule}`) : null;
    const doc = source ? source.querySelector(".rule-doc") : null;
    if (doc) {
      details.insertBefore(doc.cloneNode(true), link);
      link.textContent = `${link.dataset.rule} in the rule reference, with an example`;
    }
  }

  tbody.addEventListener(
    "toggle",
    (event) => {
      const details = event.target;
      if (details instanceof HTMLDetailsElement && details.open) {
        complete(details);
      }
    },
    true,
  );

  // Anchors: #f-12 shows that finding (clearing filters that hide it) with its details open;
  // a fragment of filters (typed, or from history) sets them.
  function reveal() {
    const id = window.location.hash.slice(1);
    const state = stateFromHash(id);
    if (state !== null) {
      restoreState(state);
      applyFilters();
      return;
    }
    if (!FINDING.test(id)) {
      return;
    }
    const row = document.getElementById(id);
    if (!row || row.parentElement !== tbody) {
      return;
    }
    if (row.hidden) {
      form.reset();
      applyFilters();
    }
    const details = row.querySelector("details");
    if (details) {
      details.open = true;
    }
    row.scrollIntoView({ block: "start" });
  }

  window.addEventListener("hashchange", reveal);

  // Printing: open every finding so the paper copy carries the code and the rule.
  const openedForPrint = [];
  window.addEventListener("beforeprint", () => {
    for (const details of tbody.querySelectorAll("details:not([open])")) {
      details.open = true;
      openedForPrint.push(details);
    }
  });
  window.addEventListener("afterprint", () => {
    for (const details of openedForPrint.splice(0)) {
      details.open = false;
    }
  });

  form.hidden = false;
  const initial = window.location.hash.slice(1);
  const fromUrl = stateFromHash(initial);
  if (fromUrl !== null) {
    restoreState(fromUrl);
  } else if (FINDING.test(initial)) {
    form.reset(); // a link to a finding shows it among all findings, whatever the form kept
  }
  // Values the browser kept in the form across a reload count too, and go into the URL.
  const filtered = Array.from(form.elements).some((field) => field.name && field.value !== "");
  if (filtered) {
    applyFilters();
  } else {
    status.textContent = `All ${total} findings shown.`;
  }
  if (fromUrl === null) {
    reveal();
  }
  performance.mark("riskaudit-ready");
})();
