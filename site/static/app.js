/* CRB Analyser: the site's one script, no framework. Each page names its controller in <body data-page>.
 *
 * The session (id and bearer token) lives in localStorage, so every tab of this browser shares it and a reload
 * resumes. Answers are saved to the edge as the visitor moves on; those that could not be sent (offline, a
 * server hiccup) wait in localStorage and go as soon as the connection returns. */
(() => {
  "use strict";

  const $ = (sel, root = document) => root.querySelector(sel);
  const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));
  const API = ($('meta[name="crb-api"]')?.content || "").replace(/\/+$/, "");
  const params = new URLSearchParams(location.search);
  // The paid statuses, written into every page by the build from crb/lifecycle.py.
  const PAID = ($('meta[name="crb-paid"]')?.content || "").split(" ").filter(Boolean);
  const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

  /* ---- the session kept in this browser ---- */
  const KEY = "crb.session";
  const store = {
    get() {
      try {
        const value = JSON.parse(localStorage.getItem(KEY) || "{}");
        return value && typeof value === "object" ? value : {};
      } catch {
        return {};
      }
    },
    patch(fields) {
      localStorage.setItem(KEY, JSON.stringify({ ...store.get(), ...fields }));
    },
    clear() {
      localStorage.removeItem(KEY);
    },
  };
  const sessionPath = (suffix = "") => `/api/sessions/${encodeURIComponent(store.get().id)}${suffix}`;

  /* ---- the edge's JSON API ---- */
  class ApiError extends Error {
    constructor(status, error) {
      super(error.message || `HTTP ${status}`);
      Object.assign(this, { status, code: error.code, field: error.field, errors: error.errors || [] });
    }
  }
  class Offline extends Error {}

  async function api(method, path, body) {
    const headers = { Accept: "application/json" };
    const { token } = store.get();
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      const init = { method, headers, cache: "no-store" };
      if (body !== undefined) init.body = JSON.stringify(body);
      response = await fetch(API + path, init);
    } catch {
      throw new Offline("no connection");
    }
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new ApiError(response.status, data.error || {});
    return data;
  }
  const lost = (e) => e instanceof ApiError && (e.status === 401 || e.status === 404);
  const transient = (e) => e instanceof Offline || (e instanceof ApiError && (e.status >= 500 || e.status === 429));

  /* The API names the fault after the question ("is required", "must be between 1 and 10"): a sentence. */
  function sentence(message) {
    const m = String(message || "").trim().replace(/\.$/, "");
    if (!m) return "Please check this answer.";
    return (/^(is|must|should|can)\b/.test(m) ? `This answer ${m}` : m[0].toUpperCase() + m.slice(1)) + (/[?!]$/.test(m) ? "" : ".");
  }

  /* Where a session in this state belongs. */
  function home(status, query = "") {
    if (status === "in_progress") return "quiz.html";
    if (status === "completed" || status === "checkout") return "results.html" + query;
    if (PAID.includes(status)) return `success.html?session_id=${encodeURIComponent(store.get().id)}`;
    return null;
  }

  const OOPS = "Something went wrong on our side. Please try again in a moment.";
  const BUSY = "That was a lot of requests in a short time. Please wait a minute, then try again.";
  /* What to say when the server cannot take a request now: too many of them (429), or it is not reachable. */
  const unreachable = (e) =>
    e instanceof ApiError && e.status === 429 ? BUSY : "We could not reach our server. Check your connection and try again.";

  function say(el, message, kind) {
    if (!el) return;
    if (el.textContent !== message) el.textContent = message;
    el.classList.toggle("warn", kind === "warn");
  }

  /* ---- quiz.html: one question per screen ---- */
  function quizPage() {
    const form = $("#quiz");
    const steps = $$(".q", form);
    const back = $("#back");
    const next = $("#next");
    const note = $("#note");
    const nav = $("#nav");
    const box = $("#confirm");
    const saved = {};
    let toConfirm = []; // the edge's list of extreme answers not yet confirmed: [{field, value, message}]
    let asking = null; // the confirmation on screen: {items, finishing}
    let at = 0;
    let busy = false;
    let waiting = false; // answers wait in localStorage for the connection
    let finishing = false; // the visitor asked for the results while offline

    const required = (q) => q.hasAttribute("data-required");
    const blank = (v) => v === null || v === "" || (Array.isArray(v) && v.length === 0);
    const inputs = (q) => $$("input, textarea", q);

    function read(q) {
      const type = q.dataset.type;
      const all = inputs(q);
      if (type === "multi") return all.filter((i) => i.checked).map((i) => i.value);
      if (type === "single" || type === "scale") {
        const chosen = all.find((i) => i.checked);
        if (!chosen) return null;
        return type === "scale" ? Number(chosen.value) : chosen.value;
      }
      const field = all[0];
      if (type === "number") return field.validity.badInput ? NaN : field.value.trim() === "" ? null : Number(field.value);
      return field.value.trim() === "" ? null : field.value;
    }

    function write(q, value) {
      if (value === undefined || value === null) return;
      const values = [].concat(value).map(String);
      for (const field of inputs(q)) {
        if (field.type === "radio" || field.type === "checkbox") field.checked = values.includes(field.value);
        else field.value = String(value);
      }
    }

    function error(q, message) {
      const box = $(".err", q);
      say(box, message || "");
      box.hidden = !message;
      q.classList.toggle("invalid", Boolean(message));
      for (const field of inputs(q)) field.setAttribute("aria-invalid", message ? "true" : "false");
      if (message) focusIn(q);
    }

    function focusIn(q) {
      const target = $("input:checked", q) || inputs(q)[0];
      if (target) target.focus();
    }

    function go(index, focus = true) {
      unask();
      at = Math.max(0, Math.min(index, steps.length - 1));
      steps.forEach((q, n) => {
        q.hidden = n !== at;
      });
      const q = steps[at];
      const total = steps.length;
      $("#bar").style.setProperty("width", `${Math.round((at / total) * 100)}%`);
      const progress = $("#progress");
      progress.setAttribute("aria-valuenow", String(at + 1));
      progress.setAttribute("aria-valuetext", `Question ${at + 1} of ${total}`);
      say($("#count"), `Question ${at + 1} of ${total} · ${q.dataset.section}`);
      back.disabled = at === 0;
      next.textContent = at === total - 1 ? "See my results" : "Next";
      store.patch({ at });
      if (focus) focusIn(q);
    }

    const stepOf = (id) => steps.findIndex((q) => q.dataset.id === id);

    async function ensureSession() {
      if (store.get().id) return;
      const created = await api("POST", "/api/sessions");
      store.patch({ id: created.id, token: created.token });
    }

    function everyAnswer() {
      const answers = {};
      for (const q of steps) {
        const value = read(q);
        if (!blank(value) && !Number.isNaN(value)) answers[q.dataset.id] = value;
      }
      return answers;
    }

    function queue(id, value) {
      store.patch({ pending: { ...(store.get().pending || {}), [id]: value } });
    }

    function offline(e) {
      const why = e instanceof ApiError && e.status === 429 ? "We are saving a lot of answers just now." : "You are offline.";
      say(note, `${why} Your answers are kept on this device and will be saved as soon as the connection returns.`, "warn");
      if (!waiting) {
        waiting = true;
        retry();
      }
    }

    async function retry() {
      while (waiting) {
        await Promise.race([sleep(4000), new Promise((done) => addEventListener("online", done, { once: true }))]);
        await flush().catch(() => {});
        if (Object.keys(store.get().pending || {}).length) continue;
        waiting = false;
        if (finishing) form.requestSubmit();
        else say(note, "Back online: your answers are saved.");
      }
    }

    /* Send what waits in localStorage. True when nothing is left to send; false when the edge refused an answer. */
    async function flush() {
      const pending = store.get().pending || {};
      if (!Object.keys(pending).length) return true;
      try {
        await ensureSession();
        toConfirm = (await api("PUT", sessionPath("/answers"), { answers: pending })).needs_confirmation || [];
      } catch (e) {
        if (transient(e)) {
          offline(e);
          return true;
        }
        if (lost(e)) {
          // The session is gone (erased after its retention period): start a new one with every answer here.
          store.patch({ id: null, token: null, pending: { ...everyAnswer(), ...pending } });
          return flush();
        }
        if (e instanceof ApiError && e.code === "quiz_complete") {
          location.assign("results.html");
          return false;
        }
        if (e instanceof ApiError && e.status === 422) {
          const bad = e.errors.find((x) => x.field in pending) || { field: e.field, message: e.message };
          const left = { ...pending };
          delete left[bad.field];
          store.patch({ pending: bad.field in pending ? left : {} }); // never resend what the edge refuses
          const index = stepOf(bad.field);
          if (index >= 0) {
            if (index !== at) go(index);
            error(steps[index], sentence(bad.message));
          } else say(note, sentence(bad.message), "warn");
          return false;
        }
        throw e;
      }
      const now = store.get().pending || {};
      for (const [id, value] of Object.entries(pending)) {
        if (JSON.stringify(now[id]) === JSON.stringify(value)) delete now[id];
        saved[id] = value;
      }
      store.patch({ pending: now });
      return !Object.keys(now).length || flush();
    }

    async function save(q, value) {
      const id = q.dataset.id;
      if (blank(value)) {
        if (blank(saved[id] ?? null)) return true; // nothing stored, nothing to store
        value = q.dataset.type === "multi" ? [] : q.dataset.type === "text" ? "" : null;
      }
      if (value === null || JSON.stringify(saved[id]) === JSON.stringify(value)) return true;
      queue(id, value);
      return flush();
    }

    async function finish() {
      if (!(await flush())) return;
      finishing = Object.keys(store.get().pending || {}).length > 0;
      if (finishing) {
        return say(note, "You are offline. Your results will appear as soon as the connection returns.", "warn");
      }
      try {
        await ensureSession();
        await api("POST", sessionPath("/complete"));
        location.assign("results.html");
      } catch (e) {
        if (transient(e)) {
          finishing = true;
          return offline(e);
        }
        if (!(e instanceof ApiError && e.status === 422)) throw e;
        const first = e.errors.find((x) => stepOf(x.field) >= 0);
        if (!first) return say(note, sentence(e.message), "warn");
        go(stepOf(first.field));
        if (e.code === "needs_confirmation") return ask(e.errors.filter((x) => stepOf(x.field) >= 0), true);
        error(steps[at], sentence(first.message));
      }
    }

    /* An extreme answer (far more hours than the team size suggests): the visitor confirms it before moving on. */
    const key = (x) => `${x.field}=${x.value}`;

    function ask(items, finishing = false) {
      asking = { items, finishing };
      say($("#confirm-text"), items.map((x) => sentence(x.message)).join(" "));
      box.hidden = false;
      nav.hidden = true;
      $("#confirm-yes").focus();
    }

    function unask() {
      asking = null;
      box.hidden = true;
      nav.hidden = false;
    }

    async function moveOn(finishing) {
      if (finishing || at === steps.length - 1) await finish();
      else go(at + 1);
    }

    $("#confirm-yes").addEventListener("click", async () => {
      if (!asking || busy) return;
      const { items, finishing } = asking;
      busy = true;
      try {
        const confirm = Object.fromEntries(items.map((x) => [x.field, x.value]));
        toConfirm = (await api("PUT", sessionPath("/answers"), { confirm })).needs_confirmation || [];
        unask();
        await moveOn(finishing);
      } catch (e) {
        if (transient(e)) return say(note, unreachable(e), "warn");
        unask(); // the answer changed meanwhile (another tab): the edge says how
        say(note, e instanceof ApiError ? sentence(e.errors[0]?.message || e.message) : OOPS, "warn");
        focusIn(steps[at]);
      } finally {
        busy = false;
      }
    });

    const change = () => {
      unask();
      focusIn(steps[at]);
    };
    $("#confirm-no").addEventListener("click", change);
    box.addEventListener("keydown", (event) => event.key === "Escape" && change());
    form.addEventListener("input", () => asking && unask());

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (busy) return;
      const q = steps[at];
      const value = read(q);
      if (Number.isNaN(value)) return error(q, "This answer must be a number.");
      if (blank(value) && required(q)) return error(q, "This answer is required.");
      error(q, "");
      busy = true;
      next.setAttribute("aria-busy", "true");
      try {
        const known = new Set(toConfirm.map(key));
        if (!(await save(q, value))) return;
        // This answer, or one its save made extreme (a smaller team), waits for a "yes" before the next question.
        const items = toConfirm.filter((x) => x.field === q.dataset.id || !known.has(key(x)));
        if (items.length) return ask(items);
        await moveOn(false);
      } catch {
        say(note, OOPS, "warn");
      } finally {
        busy = false;
        next.removeAttribute("aria-busy");
      }
    });

    back.addEventListener("click", () => {
      const q = steps[at];
      const value = read(q);
      if (!Number.isNaN(value) && !blank(value)) save(q, value).catch(() => {});
      error(q, "");
      go(at - 1);
    });

    // Enter on a radio button or checkbox moves on too, as it does in a text field.
    form.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && event.target.matches('input[type="radio"], input[type="checkbox"]')) {
        event.preventDefault();
        form.requestSubmit();
      }
    });

    async function start() {
      const here = store.get();
      const wanted = params.get("session_id");
      const checkout = params.get("checkout");
      if (wanted && wanted !== here.id && checkout) {
        return location.replace(`cancel.html?session_id=${encodeURIComponent(wanted)}`);
      }
      let position = Number.isInteger(here.at) ? here.at : null;
      if (here.id) {
        try {
          const state = await api("GET", sessionPath());
          const target = home(state.status, checkout ? `?checkout=${encodeURIComponent(checkout)}` : "");
          if (state.status !== "in_progress") {
            if (target) return location.replace(target);
            store.clear();
            position = 0;
            say(note, "Your earlier assessment has expired and its answers were erased. Here is a fresh one.");
          } else {
            Object.assign(saved, state.answers || {});
            toConfirm = state.needs_confirmation || [];
            for (const q of steps) write(q, saved[q.dataset.id]);
          }
        } catch (e) {
          if (lost(e)) {
            store.patch({ id: null, token: null });
            say(note, "We could not find your earlier answers; they are erased after a week. Here is a fresh start.");
          } else if (transient(e)) offline(e);
          else throw e;
        }
      }
      for (const [id, value] of Object.entries(store.get().pending || {})) {
        const index = stepOf(id);
        if (index >= 0) write(steps[index], value);
      }
      if (position === null) {
        const open = steps.findIndex((q) => required(q) && blank(read(q)));
        position = open < 0 ? 0 : open;
      }
      go(position, false);
      if (Object.keys(store.get().pending || {}).length) flush().catch(() => {});
    }

    // Another tab of this browser moved on: pick up its answers when this one is shown again.
    document.addEventListener("visibilitychange", async () => {
      if (document.visibilityState !== "visible" || busy || !store.get().id) return;
      try {
        const state = await api("GET", sessionPath());
        if (state.status !== "in_progress") return location.replace(home(state.status) || "quiz.html");
        Object.assign(saved, state.answers || {});
        toConfirm = state.needs_confirmation || [];
        steps.forEach((q, n) => n !== at && write(q, saved[q.dataset.id]));
      } catch {
        /* stay as we are */
      }
    });

    start().catch(() => say(note, "Something went wrong on our side. Please reload the page.", "warn"));
  }

  /* ---- results.html: the teaser and the checkout ---- */
  const money = (n) =>
    new Intl.NumberFormat("en-IE", { style: "currency", currency: "EUR", maximumFractionDigits: 0 }).format(n);
  const STATUS = { recommended: "Recommended", caution: "Proceed with caution", not_recommended: "Not recommended" };

  function fill(template, values) {
    const node = template.content.firstElementChild.cloneNode(true);
    for (const el of $$("[data-f]", node)) {
      const value = values[el.dataset.f];
      if (value === undefined || value === null || value === "") el.remove();
      else el.textContent = value;
    }
    return node;
  }

  function showTeaser(t) {
    const score = Number(t.readiness_score ?? t.score);
    if (Number.isFinite(score)) {
      const clamped = Math.max(0, Math.min(100, Math.round(score)));
      $("#gauge-fill").setAttribute("stroke-dasharray", `${clamped} 100`);
      $("#gauge-score").textContent = String(clamped);
      $("#score").textContent = String(clamped);
      $("#gauge-label").textContent = `AI readiness score: ${clamped} out of 100${t.band ? `, ${t.band}` : ""}`;
    }
    $("#band").textContent = t.band || "–";

    const v = t.verdict; // teasers stored before the verdict existed have none: the section stays hidden
    if (v && v.label) {
      const sec = $("#verdict-sec");
      if (["go", "proceed_with_caution", "wait", "not_now"].includes(v.decision)) sec.classList.add(v.decision);
      $("#verdict-label").textContent = v.label;
      $("#verdict-summary").textContent = v.summary || "";
      const reasons = Array.isArray(v.reasons) ? v.reasons : [];
      for (const reason of reasons) $("#verdict-reasons").append(Object.assign(document.createElement("li"), { textContent: reason }));
      $("#verdict-reasons").hidden = !reasons.length;
      sec.hidden = false;
    }

    const pillars = Array.isArray(t.pillars) ? t.pillars : [];
    $("#pillars-sec").hidden = !pillars.length;
    for (const p of pillars) {
      const max = Number(p.max) || 100;
      const value = Number(p.score);
      const row = fill($("#t-pillar"), { name: p.name || p.id, score: `${value} / ${max}` });
      $(".bar span", row).style.setProperty("width", `${Math.max(0, Math.min(100, (value / max) * 100))}%`);
      $("#pillars").append(row);
    }

    const findings = (Array.isArray(t.findings) ? t.findings : []).slice(0, 2);
    $("#findings-sec").hidden = !findings.length;
    for (const f of findings) {
      const value = (Number(f.value_saved_per_year) || 0) + (Number(f.value_created_per_year) || 0);
      const card = fill($("#t-finding"), {
        title: f.title,
        status: STATUS[f.status] || f.status,
        summary: f.summary,
        hours: f.hours_saved_per_week != null ? `${f.hours_saved_per_week} hours a week` : null,
        value: value ? `about ${money(value)}` : null,
        confidence: f.confidence ? f.confidence[0].toUpperCase() + f.confidence.slice(1) : null,
        rationale: f.rationale,
        why_not: f.why_not ? `Why not: ${f.why_not}` : null,
        what_instead: f.what_instead ? `What instead: ${f.what_instead}` : null,
      });
      $(".tag", card)?.classList.add(f.status);
      $$(".facts > div", card).forEach((pair) => !$("dd", pair) && pair.remove());
      $("#findings").append(card);
    }

    const locked = Array.isArray(t.locked_titles) ? t.locked_titles : [];
    $("#locked-sec").hidden = !locked.length;
    $("#locked-h").textContent = `${locked.length} more findings in your report`;
    for (const title of locked) {
      const item = document.createElement("li");
      item.textContent = title;
      const hidden = document.createElement("span");
      hidden.className = "visually-hidden";
      hidden.textContent = " (locked)";
      item.append(hidden);
      $("#locked").append(item);
    }
  }

  const news = (key) => (key && $(`#news [data-news="${CSS.escape(key)}"]`)?.textContent) || "";

  async function resultsPage() {
    const loading = $("#loading");
    const missing = (text) => {
      loading.hidden = true;
      if (text) $("#missing-text").textContent = text;
      $("#missing").hidden = false;
    };
    if (!store.get().id) return missing();
    let state;
    try {
      state = await api("GET", sessionPath());
    } catch (e) {
      if (lost(e)) {
        store.clear();
        return missing("These results are no longer available: unpaid answers are erased after a week.");
      }
      return missing("We could not reach our server. Check your connection and reload the page.");
    }
    if (state.status === "in_progress") return location.replace("quiz.html");
    if (PAID.includes(state.status)) return location.replace(home(state.status));
    if (!state.teaser) {
      store.clear();
      return missing("These results are no longer available: unpaid answers are erased after a week.");
    }
    showTeaser(state.teaser);
    loading.hidden = true;
    $("#teaser").hidden = false;

    const message = news(state.checkout?.last_event) || news(params.get("checkout"));
    if (message) {
      const banner = $("#banner");
      banner.textContent = message;
      banner.className = "banner warn";
      banner.hidden = false;
      banner.focus();
    }
    const tier = state.tier && $(`input[name="tier"][value="${CSS.escape(state.tier)}"]`);
    if (tier) tier.checked = true;
    checkoutForm();
    eraseButton();
  }

  function checkoutForm() {
    const form = $("#checkout");
    const email = $("#email");
    const pay = $("#pay");
    const show = (id, message) => {
      const box = $(`#e-${id}`);
      box.textContent = message || "";
      box.hidden = !message;
      if (id === "email") email.setAttribute("aria-invalid", message ? "true" : "false");
      if (message && id === "email") email.focus();
    };
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      show("email");
      show("tier");
      const address = email.value.trim();
      if (!address) return show("email", "Enter your email address, so we can send you the report.");
      const tier = $('input[name="tier"]:checked')?.value;
      pay.disabled = true;
      pay.setAttribute("aria-busy", "true");
      try {
        const { url } = await api("POST", sessionPath("/checkout"), { email: address, tier });
        location.assign(url);
        return;
      } catch (e) {
        if (e instanceof ApiError && e.code === "already_paid") return location.replace(home("paid"));
        if (e instanceof ApiError && (e.field === "email" || e.field === "tier")) show(e.field, sentence(e.message));
        else if (transient(e)) show("email", unreachable(e));
        else show("email", sentence(e.message));
      } finally {
        pay.disabled = false;
        pay.removeAttribute("aria-busy");
      }
    });
  }

  function eraseButton() {
    $("#erase").addEventListener("click", async () => {
      if (!confirm("Erase your answers and results? This cannot be undone.")) return;
      try {
        await api("DELETE", sessionPath());
      } catch (e) {
        // Answers erased, files not yet: the message says so, and the same button finishes the job.
        if (e instanceof ApiError && e.code === "erasure_incomplete") return alert(sentence(e.message));
        if (!lost(e)) return alert("We could not reach our server; nothing was erased. Please try again.");
      }
      store.clear();
      location.assign("index.html");
    });
  }

  /* ---- success.html: payment received → generating → ready ---- */
  const FAILED_CHECKOUT = ["expired", "async_payment_failed", "payment_failed"];

  /* The session's state as one of success.html's views (their words live in the page's #views). */
  function describe(state) {
    const event = state.checkout?.last_event;
    const download = state.report?.download_url;
    switch (state.status) {
      case "checkout":
        if (event === "awaiting_payment") return { view: "awaiting", step: 0, slow: true };
        if (FAILED_CHECKOUT.includes(event)) return { view: "unpaid", step: 0, done: true, back: true };
        return { view: "confirming", step: 0 };
      case "paid":
        return { view: "paid", step: 1 };
      case "generating":
        return { view: "generating", step: 2 };
      case "delivered":
        return download ? { view: "ready", step: 3, done: true, download } : { view: "delivered", step: 3, done: true };
      case "failed":
        return { view: "failed", step: 2, done: true, failed: true };
      case "refunded":
        return { view: "refunded", step: 0, done: true };
      case "completed":
      case "in_progress":
        return { view: "no_payment", step: 0, done: true, back: true };
      default:
        return { view: "gone", step: 0, done: true };
    }
  }

  function showOrder(view, late = false) {
    const words = $(`#views [data-view="${view.view}"]`);
    say($("#status"), words.dataset.title);
    say($("#detail"), late ? $('#views [data-view="late"]').textContent : words.textContent);
    $$("#steps li").forEach((li, n) => {
      li.classList.toggle("done", n < view.step);
      if (n === view.step && !view.done) li.setAttribute("aria-current", "step");
      else li.removeAttribute("aria-current");
    });
    const progress = $("#progress");
    progress.setAttribute("aria-valuenow", String(view.step));
    progress.setAttribute("aria-valuetext", words.dataset.title);
    $("#bar").style.setProperty("width", `${(view.step / 3) * 100}%`);
    $("#status-box").className = view.failed ? "banner bad" : view.download ? "banner ok" : "";
    const aside = view.done && !view.download && !view.failed; // nothing in progress: no steps to show
    $("#steps").hidden = $("#progress").hidden = $("#email-note").hidden = aside;
    const download = $("#download");
    if (view.download && download.getAttribute("href") !== view.download) download.setAttribute("href", view.download);
    download.hidden = !view.download;
    $("#back-to-results").hidden = !view.back;
    $("#actions").hidden = !view.download && !view.back;
  }

  /* The order's reference, amount with its VAT, invoice and strategy call, once the checkout has begun. */
  function showDetails(order) {
    if (!order) return;
    $("#order").hidden = false;
    $("#order-ref").textContent = order.reference;
    $("#order-amount").textContent = order.amount;
    const link = (id, url) => {
      $(`#${id}`).hidden = !url;
      if (url) $(`#${id} a`).setAttribute("href", url);
    };
    link("order-invoice", order.invoice?.url);
    link("order-book", order.call?.booking_url);
    $("#order-call").hidden = !order.call || !!order.call.booking_url;
  }

  async function successPage() {
    const here = store.get();
    const wanted = params.get("session_id");
    if (!here.id || (wanted && wanted !== here.id)) return showOrder({ view: "elsewhere", step: 0, done: true });
    const started = Date.now();
    let delay = 1000;
    let now = () => {};
    document.addEventListener("visibilitychange", () => document.visibilityState === "visible" && now());
    for (;;) {
      let view;
      try {
        const state = await api("GET", sessionPath());
        view = describe(state);
        showDetails(state.order);
      } catch (e) {
        if (lost(e)) return showOrder(describe({ status: "gone" }));
        view = { view: "unreachable", step: 0 };
      }
      const late = !view.done && !view.slow && Date.now() - started > 10 * 60 * 1000;
      showOrder(view, late);
      if (view.done) return;
      const pause = view.slow || late ? 30000 : delay;
      delay = Math.min(delay * 1.25, 4000);
      await new Promise((done) => {
        now = done;
        setTimeout(done, pause);
      });
    }
  }

  /* ---- cancel.html and unsubscribe.html ---- */
  function cancelPage() {
    const here = store.get();
    const wanted = params.get("session_id");
    if (here.id && (!wanted || wanted === here.id)) {
      $("#here").hidden = false;
      $("#elsewhere").hidden = true;
      $("#to-results").hidden = false;
    }
  }

  function unsubscribePage() {
    if (params.get("done") === "1") $("#done").hidden = false;
  }

  const pages = { quiz: quizPage, results: resultsPage, success: successPage, cancel: cancelPage, unsubscribe: unsubscribePage };
  pages[document.body.dataset.page]?.();
})();
