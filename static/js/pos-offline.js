/* The offline point of sale (templates/staff/offline_pos.html).

   Every ticket gets its id (a UUID) on this device the moment it is rung up, and is written to
   IndexedDB before the screen says "sold". A sync sends the waiting tickets in the order they
   were rung up, each with its id; a ticket leaves the queue only in the same IndexedDB
   transaction that stores the server's answer, so a lost answer, a reload, a crash or a second
   tab mean the ticket is sent again, and the server answers with the order it first became.
   Texts come translated from the page (the #pos-config JSON block); nothing here is Turkish. */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("pos-config").textContent);
  var S = config.strings;
  var SESSION_ID = config.session.id;
  var DB_NAME = "coopshop-pos";
  var DB_VERSION = 1;
  var BACKOFF_MAX_S = 30;
  var PERIODIC_MS = 30000;
  var DONE_KEPT = 200;

  var db = null;
  var deviceId = null;
  var deviceLabel = "";
  var csrfToken = null;
  var catalogue = null; // {items: {CODE: item}, synced_at}
  var sessionStatus = config.session.status;
  var cart = []; // [{code, title, quantity, unit_price_kurus}]
  var queued = [];
  var done = [];
  var lastSync = null;
  var failures = 0;
  var retryTimer = null;
  var syncing = false;
  var saving = false;
  var loginNeeded = false;

  function $(id) {
    return document.getElementById(id);
  }

  function t(key, vars) {
    var text = S[key] || key;
    Object.keys(vars || {}).forEach(function (name) {
      text = text.split("%(" + name + ")s").join(String(vars[name]));
    });
    return text;
  }

  // ---- money: written the way the server's filter writes it -------------------------------

  function money(kurus) {
    var m = config.money;
    var negative = kurus < 0;
    var abs = Math.abs(kurus);
    var whole = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, m.group);
    var frac = String(abs % 100).padStart(2, "0");
    return (negative ? "-" : "") + m.prefix + whole + m.decimal + frac + m.suffix;
  }

  function parseKurus(text) {
    var raw = String(text || "").replace(/[\s\u00a0₺]|TRY/g, "");
    if (!raw) {
      return null;
    }
    var decimal = config.money.decimal;
    var group = config.money.group;
    var normal = raw.split(group).join("");
    if (decimal !== ".") {
      normal = normal.split(decimal).join(".");
    }
    if (!/^\d+(\.\d{1,2})?$/.test(normal)) {
      return NaN;
    }
    var parts = normal.split(".");
    return parseInt(parts[0], 10) * 100 + parseInt((parts[1] || "0").padEnd(2, "0"), 10);
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) {
      return crypto.randomUUID();
    }
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) {
      return b.toString(16).padStart(2, "0");
    }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  function timeText(iso) {
    var locale = config.locale === "en" ? "en-GB" : "tr-TR";
    return new Date(iso).toLocaleString(locale, { dateStyle: "short", timeStyle: "medium" });
  }

  // ---- IndexedDB ---------------------------------------------------------------------------

  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = function () {
        var base = request.result;
        base.createObjectStore("meta");
        var queue = base.createObjectStore("queue", { keyPath: "seq", autoIncrement: true });
        queue.createIndex("client_ref", "client_ref", { unique: true });
        queue.createIndex("session", "session_id");
        var kept = base.createObjectStore("done", { keyPath: "client_ref" });
        kept.createIndex("session", "session_id");
      };
      request.onsuccess = function () {
        resolve(request.result);
      };
      request.onerror = function () {
        reject(request.error);
      };
    });
  }

  // One transaction; resolves with what ``work`` returned once it is durably committed.
  function transact(stores, mode, work) {
    return new Promise(function (resolve, reject) {
      var txn = db.transaction(stores, mode, { durability: "strict" });
      var result;
      txn.oncomplete = function () {
        resolve(result && typeof result === "object" && "result" in result ? result.result : result);
      };
      txn.onerror = function () {
        reject(txn.error);
      };
      txn.onabort = function () {
        reject(txn.error || new Error("aborted"));
      };
      result = work(txn);
    });
  }

  function metaGet(key) {
    return transact(["meta"], "readonly", function (txn) {
      return txn.objectStore("meta").get(key);
    });
  }

  function metaPut(key, value) {
    return transact(["meta"], "readwrite", function (txn) {
      txn.objectStore("meta").put(value, key);
    });
  }

  function bySession(store) {
    return transact([store], "readonly", function (txn) {
      return txn.objectStore(store).index("session").getAll(SESSION_ID);
    });
  }

  async function loadLists() {
    queued = (await bySession("queue")).sort(function (a, b) {
      return a.seq - b.seq;
    });
    done = (await bySession("done")).sort(function (a, b) {
      return a.synced_at < b.synced_at ? 1 : -1;
    });
  }

  // The ticket leaves the queue in the transaction that keeps the server's answer.
  function confirmTicket(ticket, answer) {
    return transact(["queue", "done"], "readwrite", function (txn) {
      txn.objectStore("queue").delete(ticket.seq);
      var kept = Object.assign({}, ticket, { answer: answer, synced_at: new Date().toISOString() });
      delete kept.seq;
      txn.objectStore("done").put(kept);
    });
  }

  function updateQueued(ticket) {
    return transact(["queue"], "readwrite", function (txn) {
      txn.objectStore("queue").put(ticket);
    });
  }

  function pruneDone() {
    if (done.length <= DONE_KEPT) {
      return Promise.resolve();
    }
    var old = done.slice(DONE_KEPT);
    return transact(["done"], "readwrite", function (txn) {
      old.forEach(function (ticket) {
        txn.objectStore("done").delete(ticket.client_ref);
      });
    });
  }

  // ---- the catalogue as of the last sync ---------------------------------------------------

  function product(code) {
    return catalogue ? catalogue.items[code] : undefined;
  }

  // Stock as of the last sync, less what this device sold since and what is on the ticket.
  function available(code) {
    var item = product(code);
    if (!item || item.made_to_order) {
      return Infinity;
    }
    var held = 0;
    queued.forEach(function (ticket) {
      ticket.lines.forEach(function (line) {
        if (line.code === code) {
          held += line.quantity;
        }
      });
    });
    cart.forEach(function (line) {
      if (line.code === code) {
        held += line.quantity;
      }
    });
    return item.stock - held;
  }

  async function keepCatalogue(items) {
    var byCode = {};
    items.forEach(function (item) {
      byCode[item.code] = item;
    });
    catalogue = { items: byCode, synced_at: new Date().toISOString() };
    await metaPut("catalogue:" + SESSION_ID, catalogue);
    var list = $("pos-codes");
    list.replaceChildren();
    items.slice(0, 500).forEach(function (item) {
      var option = document.createElement("option");
      option.value = item.code;
      option.label = item.title;
      list.appendChild(option);
    });
  }

  // ---- drawing -----------------------------------------------------------------------------

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined && text !== null) {
      node.textContent = text;
    }
    return node;
  }

  function showMessage(text) {
    var box = $("pos-message");
    box.textContent = text || "";
    box.hidden = !text;
  }

  function cartTotal() {
    return cart.reduce(function (sum, line) {
      return sum + line.unit_price_kurus * line.quantity;
    }, 0);
  }

  function drawCart() {
    var body = $("pos-ticket").querySelector("tbody");
    body.replaceChildren();
    cart.forEach(function (line, index) {
      var row = el("tr");
      var name = el("td");
      name.appendChild(el("span", "font-monospace small", line.code));
      name.appendChild(el("br"));
      name.appendChild(document.createTextNode(line.title));
      var left = available(line.code);
      if (left < 0) {
        row.className = "table-warning";
        name.appendChild(el("div", "small text-danger fw-semibold", t("stock_warning", { n: Math.max(0, left + line.quantity) })));
      }
      row.appendChild(name);
      row.appendChild(el("td", "text-end fs-5", String(line.quantity)));
      row.appendChild(el("td", "text-end", money(line.unit_price_kurus)));
      row.appendChild(el("td", "text-end fw-semibold", money(line.unit_price_kurus * line.quantity)));
      var cell = el("td", "text-end");
      var remove = el("button", "btn btn-sm btn-outline-danger", S.remove);
      remove.type = "button";
      remove.appendChild(el("span", "visually-hidden", ": " + line.code));
      remove.addEventListener("click", function () {
        cart.splice(index, 1);
        drawCart();
      });
      cell.appendChild(remove);
      row.appendChild(cell);
      body.appendChild(row);
    });
    $("pos-total").textContent = money(cartTotal());
    $("pos-empty").hidden = cart.length > 0;
    $("pos-ticket").hidden = cart.length === 0;
    var closed = sessionStatus !== "open";
    $("pos-pay-cash").disabled = cart.length === 0 || closed || saving;
    $("pos-pay-card").disabled = cart.length === 0 || closed || saving;
  }

  function drawStatus() {
    var badge = $("pos-pending");
    var n = queued.length;
    badge.textContent = n ? t("pending_one", { n: n }) : S.pending_none;
    badge.className = "badge fs-6 " + (n ? "text-bg-warning" : "text-bg-success");
    badge.dataset.pending = String(n);
    $("pos-last-sync").textContent = lastSync ? t("last_sync", { time: timeText(lastSync) }) : S.never_synced;
    var net = $("pos-net");
    if (loginNeeded) {
      net.textContent = S.login_needed;
    } else if (syncing) {
      net.textContent = S.syncing;
    } else if (!navigator.onLine) {
      net.textContent = S.offline;
    } else if (retryTimer && failures) {
      net.textContent = t("retry_in", { s: Math.min(BACKOFF_MAX_S, Math.pow(2, failures - 1)) });
    } else {
      net.textContent = S.online;
    }
  }

  function conflictTexts(answer) {
    var texts = [];
    ((answer && answer.order && answer.order.lines) || []).forEach(function (line) {
      if (line.stock_short > 0) {
        texts.push(line.code + ": " + t("conflict_stock", { n: line.stock_short }));
      }
      if (line.list_price_kurus !== null && line.list_price_kurus !== undefined) {
        texts.push(line.code + ": " + t("conflict_price", {
          shown: money(line.unit_price_kurus),
          list: money(line.list_price_kurus),
        }));
      }
    });
    return texts;
  }

  function ticketTotal(ticket) {
    return ticket.lines.reduce(function (sum, line) {
      return sum + line.unit_price_kurus * line.quantity;
    }, 0);
  }

  function ticketItem(ticket, synced) {
    var item = el("li", "list-group-item pos-ticket-item");
    item.dataset.clientRef = ticket.client_ref;
    item.dataset.state = synced ? "synced" : ticket.refused ? "refused" : "waiting";
    var head = el("div", "d-flex flex-wrap justify-content-between gap-2");
    var when = el("span", "pos-tickets-time small", timeText(ticket.rung_at));
    head.appendChild(when);
    var method = ticket.payment_method === "cash" ? S.cash : S.card;
    if (ticket.slip_number) {
      method += " · " + S.slip + " " + ticket.slip_number;
    }
    head.appendChild(el("span", "small", method));
    head.appendChild(el("strong", null, money(ticketTotal(ticket))));
    item.appendChild(head);
    item.appendChild(el("div", "small", ticket.lines.map(function (line) {
      return line.quantity + " × " + line.title + " (" + line.code + ")";
    }).join(", ")));
    var state;
    if (synced) {
      state = el("div", "small text-success pos-ticket-state", t("synced", { number: ticket.answer.order.number }));
    } else if (ticket.refused) {
      state = el("div", "small text-danger pos-ticket-state", t("refused", { message: ticket.refused }));
    } else {
      state = el("div", "small text-warning-emphasis pos-ticket-state", S.waiting);
    }
    item.appendChild(state);
    if (synced) {
      conflictTexts(ticket.answer).forEach(function (text) {
        item.appendChild(el("div", "small text-danger pos-ticket-conflict", text));
      });
    }
    var buttons = el("div", "d-flex gap-2 mt-1");
    ["58", "80"].forEach(function (paper) {
      var button = el("button", "btn btn-sm btn-outline-secondary", S["print" + paper]);
      button.type = "button";
      button.dataset.paper = paper;
      button.addEventListener("click", function () {
        printReceipt(ticket, paper);
      });
      buttons.appendChild(button);
    });
    item.appendChild(buttons);
    return item;
  }

  function drawTickets() {
    var list = $("pos-tickets");
    list.replaceChildren();
    queued.forEach(function (ticket) {
      list.appendChild(ticketItem(ticket, false));
    });
    done.slice(0, 30).forEach(function (ticket) {
      list.appendChild(ticketItem(ticket, true));
    });
  }

  function drawDevices(unsent) {
    var box = $("pos-devices");
    var others = (unsent || []).filter(function (d) {
      return d.pending > 0;
    });
    if (sessionStatus !== "open") {
      box.textContent = S.session_closed;
      box.hidden = false;
      return;
    }
    box.textContent = others.length ? t("devices_waiting", {
      devices: others.map(function (d) {
        return (d.label || d.device_id.slice(0, 8)) + " (" + d.pending + ")";
      }).join(", "),
    }) : "";
    box.hidden = !others.length;
  }

  function drawAll() {
    drawCart();
    drawStatus();
    drawTickets();
  }

  // ---- the receipt -------------------------------------------------------------------------

  function fillReceipt(ticket) {
    var box = $("receipt");
    box.replaceChildren();
    box.appendChild(el("h2", null, document.querySelector(".navbar-brand").textContent.trim()));
    box.appendChild(el("p", "center", S.receipt_title + " · " + config.session.event_name + " · " + config.session.desk));
    box.appendChild(el("p", "center", timeText(ticket.rung_at)));
    var table = el("table");
    ticket.lines.forEach(function (line) {
      var row = el("tr");
      row.appendChild(el("td", null, line.quantity + " × " + line.title));
      row.appendChild(el("td", "num", money(line.unit_price_kurus * line.quantity)));
      table.appendChild(row);
    });
    var total = el("tr", "total");
    total.appendChild(el("td", null, S.receipt_total));
    total.appendChild(el("td", "num", money(ticketTotal(ticket))));
    table.appendChild(total);
    box.appendChild(table);
    var method = ticket.payment_method === "cash" ? S.cash : S.card;
    if (ticket.slip_number) {
      method += " · " + S.slip + ": " + ticket.slip_number;
    }
    box.appendChild(el("p", null, method));
    if (ticket.tendered_kurus) {
      box.appendChild(el("p", null, t("change", { amount: money(ticket.tendered_kurus - ticketTotal(ticket)) })));
    }
    if (ticket.answer) {
      box.appendChild(el("p", null, t("synced", { number: ticket.answer.order.number })));
    }
    if (ticket.email) {
      box.appendChild(el("p", null, t("receipt_mail", { email: ticket.email })));
    }
    box.appendChild(el("p", "ref", S.receipt_ref + ": " + ticket.client_ref));
    box.appendChild(el("p", "center", S.receipt_thanks));
    box.hidden = false;
  }

  function choosePaper(paper) {
    ["58", "80"].forEach(function (size) {
      $("paper-" + size).disabled = size !== paper;
    });
    document.body.dataset.paper = paper;
  }

  function printReceipt(ticket, paper) {
    fillReceipt(ticket);
    choosePaper(paper);
    window.print();
  }

  // ---- ringing up --------------------------------------------------------------------------

  function addError(text) {
    $("pos-add-error").textContent = text || "";
    $("pos-code").classList.toggle("is-invalid", !!text);
  }

  function addToCart(event) {
    event.preventDefault();
    var code = $("pos-code").value.replace(/\s+/g, "").toUpperCase();
    var quantity = parseInt($("pos-quantity").value, 10);
    if (!code) {
      addError(S.empty_ticket);
      return;
    }
    if (!catalogue) {
      addError(S.no_catalogue);
      return;
    }
    var item = product(code);
    if (!item) {
      addError(t("unknown_code", { code: code }));
      return;
    }
    if (!(quantity >= 1 && quantity <= 999)) {
      quantity = 1;
    }
    var line = cart.find(function (l) {
      return l.code === code;
    });
    if (line) {
      line.quantity = Math.min(999, line.quantity + quantity);
    } else {
      // The price shown now is the price sold: the server keeps it, and flags a change.
      cart.push({ code: code, title: item.title, quantity: quantity, unit_price_kurus: item.price_kurus });
    }
    addError("");
    $("pos-code").value = "";
    $("pos-quantity").value = "1";
    $("pos-sold").hidden = true;
    drawCart();
    $("pos-code").focus();
  }

  async function sell(event) {
    event.preventDefault();
    var method = event.submitter && event.submitter.value;
    var error = $("pos-pay-error");
    error.textContent = "";
    if (saving || !cart.length || (method !== "cash" && method !== "card_terminal")) {
      return;
    }
    var total = cartTotal();
    var tendered = null;
    var slip = $("pos-slip").value.trim();
    var email = $("pos-email");
    if (method === "cash") {
      tendered = parseKurus($("pos-tendered").value);
      if (tendered !== null && (isNaN(tendered) || tendered < total)) {
        error.textContent = S.tendered_short;
        return;
      }
    } else if (!slip) {
      error.textContent = S.slip_needed;
      $("pos-slip").focus();
      return;
    }
    if (email.value.trim() && !email.checkValidity()) {
      error.textContent = S.bad_email;
      return;
    }
    saving = true;
    drawCart();
    var ticket = {
      client_ref: uuid(),
      session_id: SESSION_ID,
      device_id: deviceId,
      payment_method: method,
      slip_number: method === "card_terminal" ? slip : "",
      email: email.value.trim(),
      rung_at: new Date().toISOString(),
      tendered_kurus: tendered,
      lines: cart.map(function (line) {
        return { code: line.code, title: line.title, quantity: line.quantity, unit_price_kurus: line.unit_price_kurus };
      }),
      attempts: 0,
    };
    try {
      // Kept on the device first: only then is it "sold".
      ticket.seq = await transact(["queue"], "readwrite", function (txn) {
        return txn.objectStore("queue").add(ticket);
      });
    } catch (exc) {
      saving = false;
      error.textContent = String(exc && exc.message ? exc.message : exc);
      drawCart();
      return;
    }
    saving = false;
    cart = [];
    $("pos-tendered").value = "";
    $("pos-slip").value = "";
    email.value = "";
    await loadLists();
    $("pos-sold-title").textContent = S.sold + " · " + money(total);
    $("pos-sold-detail").textContent = S.sold_detail;
    $("pos-sold-change").textContent = tendered !== null ? t("change", { amount: money(tendered - total) }) : "";
    var sold = $("pos-sold");
    sold.querySelectorAll("button").forEach(function (b) {
      b.remove();
    });
    ["58", "80"].forEach(function (paper) {
      var button = el("button", "btn btn-sm btn-outline-secondary mt-2 me-1", S["print" + paper]);
      button.type = "button";
      button.addEventListener("click", function () {
        printReceipt(ticket, paper);
      });
      sold.appendChild(button);
    });
    sold.hidden = false;
    drawAll();
    $("pos-code").focus();
    syncSoon();
  }

  // ---- talking to the server ---------------------------------------------------------------

  function Transient(message) {
    this.message = message;
  }

  function LoginNeeded() {
    this.message = S.login_needed;
  }

  async function call(url, body) {
    var options = {
      method: body === undefined ? "GET" : "POST",
      credentials: "same-origin",
      redirect: "manual", // a lapsed login answers with a redirect: never follow it as success
      cache: "no-store",
      headers: { Accept: "application/json" },
    };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.headers["X-CSRFToken"] = csrfToken || "";
      options.body = JSON.stringify(body);
    }
    var response;
    try {
      response = await fetch(url, options);
    } catch (exc) {
      throw new Transient(S.offline);
    }
    if (response.type === "opaqueredirect" || response.status === 401) {
      throw new LoginNeeded();
    }
    var data = null;
    try {
      data = await response.json();
    } catch (exc) {
      data = null;
    }
    return { status: response.status, data: data };
  }

  async function fetchState() {
    var answer = await call(config.urls.state);
    if (answer.status !== 200 || !answer.data) {
      throw new Transient(String(answer.status));
    }
    var state = answer.data;
    csrfToken = state.csrf_token;
    sessionStatus = state.session.status;
    await keepCatalogue(state.catalogue);
    drawDevices(state.unsent);
    return state;
  }

  async function reportDevice(pending) {
    var answer = await call(config.urls.device, { device_id: deviceId, label: deviceLabel, pending: pending });
    if (answer.status === 200 && answer.data) {
      drawDevices(answer.data.unsent);
    } else if (answer.status === 400) {
      csrfToken = null;
      throw new Transient("csrf");
    }
  }

  // Send one ticket: true when the server has it (first time or before), false when it refused
  // it for good (a closed desk, an unknown code): the ticket stays, with the server's reason.
  async function sendTicket(ticket) {
    var body = {
      client_ref: ticket.client_ref,
      device_id: ticket.device_id,
      payment_method: ticket.payment_method,
      rung_at: ticket.rung_at,
      slip_number: ticket.slip_number || "",
      email: ticket.email || "",
      lines: ticket.lines.map(function (line) {
        return { code: line.code, quantity: line.quantity, unit_price_kurus: line.unit_price_kurus };
      }),
    };
    ticket.attempts = (ticket.attempts || 0) + 1;
    var answer = await call(config.urls.tickets, body);
    if (answer.status === 200 || answer.status === 201) {
      await confirmTicket(ticket, answer.data);
      return true;
    }
    var error = (answer.data && answer.data.error) || {};
    if (answer.status === 400 || answer.status === 429 || answer.status >= 500 ||
        (answer.status === 409 && error.code === "conflict")) {
      if (answer.status === 400) {
        csrfToken = null; // an old token: a fresh one comes with the next state
      }
      throw new Transient(error.message || String(answer.status));
    }
    ticket.refused = error.message || String(answer.status);
    await updateQueued(ticket);
    return false;
  }

  async function syncRun() {
    await fetchState();
    await loadLists();
    await reportDevice(queued.length);
    var refused = 0;
    var waiting = queued.slice(); // in the order they were rung up
    for (var i = 0; i < waiting.length; i += 1) {
      var sent = await sendTicket(waiting[i]);
      if (!sent) {
        refused += 1;
      }
      await loadLists();
      drawAll();
    }
    await reportDevice(queued.length);
    if (queued.length === 0 || refused === queued.length) {
      lastSync = new Date().toISOString();
      await metaPut("last_sync:" + SESSION_ID, lastSync);
    }
    await fetchState(); // the stock as the server has it now
    await pruneDone();
    return refused;
  }

  async function syncNow() {
    if (syncing) {
      return;
    }
    syncing = true;
    clearTimeout(retryTimer);
    retryTimer = null;
    drawStatus();
    var run = async function () {
      try {
        var refused = await syncRun();
        failures = 0;
        loginNeeded = false;
        showMessage(refused ? t("refused", { message: queued[0] && queued[0].refused }) : "");
        if (refused) {
          schedule(BACKOFF_MAX_S * 1000);
        }
      } catch (exc) {
        if (exc instanceof LoginNeeded) {
          loginNeeded = true;
          showMessage(S.login_needed);
        } else if (!(exc instanceof Transient)) {
          showMessage(String(exc && exc.message ? exc.message : exc));
        }
        failures += 1;
        // 1, 2, 4 … seconds, up to BACKOFF_MAX_S, with some spread so devices do not march.
        var delay = Math.min(BACKOFF_MAX_S, Math.pow(2, failures - 1)) * 1000;
        schedule(delay * (0.75 + Math.random() * 0.5));
      }
    };
    try {
      // One sync at a time across this browser's tabs (two tabs, one queue).
      if (navigator.locks && navigator.locks.request) {
        await navigator.locks.request("coopshop-pos-sync-" + SESSION_ID, run);
      } else {
        await run();
      }
    } finally {
      syncing = false;
      await loadLists();
      drawAll();
    }
  }

  function schedule(ms) {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(function () {
      retryTimer = null;
      syncNow();
    }, ms);
    drawStatus();
  }

  function syncSoon() {
    schedule(50);
  }

  // ---- start -------------------------------------------------------------------------------

  function registerWorker() {
    if (!("serviceWorker" in navigator)) {
      return;
    }
    navigator.serviceWorker.register(config.urls.worker, { scope: config.urls.scope }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      var urls = [location.href.split("#")[0], config.urls.scope];
      document.querySelectorAll("link[rel=stylesheet], script[src], link[rel=manifest]").forEach(function (node) {
        urls.push(node.href || node.src);
      });
      if (registration.active) {
        registration.active.postMessage({ type: "cache-shell", urls: urls });
      }
    }).catch(function () {
      return undefined; // no worker (a private window): the page still works while it is open
    });
  }

  async function start() {
    choosePaper("80"); // both sheets are loaded with the page; one is on at a time
    registerWorker();
    db = await openDb();
    deviceId = await metaGet("device_id");
    if (!deviceId) {
      deviceId = uuid();
      await metaPut("device_id", deviceId);
    }
    deviceLabel = (await metaGet("device_label")) || t("device_label", { id: deviceId.slice(0, 4).toUpperCase() });
    $("pos-device-label").value = deviceLabel;
    $("pos-device-label").addEventListener("change", async function () {
      deviceLabel = this.value.trim().slice(0, 60) || deviceLabel;
      await metaPut("device_label", deviceLabel);
      syncSoon();
    });
    catalogue = (await metaGet("catalogue:" + SESSION_ID)) || null;
    lastSync = (await metaGet("last_sync:" + SESSION_ID)) || null;
    await loadLists();
    $("pos-add").addEventListener("submit", addToCart);
    $("pos-pay").addEventListener("submit", sell);
    $("pos-sync-now").addEventListener("click", function () {
      failures = 0;
      syncNow();
    });
    window.addEventListener("online", function () {
      failures = 0;
      syncNow();
    });
    window.addEventListener("offline", drawStatus);
    setInterval(function () {
      if (!syncing && !retryTimer) {
        syncNow();
      }
    }, PERIODIC_MS);
    drawDevices([]);
    drawAll();
    document.body.dataset.posReady = "1";
    $("pos-code").focus();
    syncNow();
  }

  start().catch(function (exc) {
    showMessage(String(exc && exc.message ? exc.message : exc));
  });
})();
