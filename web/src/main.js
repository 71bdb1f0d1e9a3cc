// The page's entry: which view the address names (#/chat, #/chat/<id>, #/dashboard, #/dashboard/<run>,
// #/dashboard/compare/<a>/<b>, #/feedback), the language switch, and start-up.

import { initChat, loadConversations, loadModels, loadReasons, openConversation, state } from "./chat.js";
import { fillStartForm, hideReport, initDashboard, showComparison, showFeedback, showRun, showRuns } from "./dashboard.js";
import { $ } from "./dom.js";
import { applyStatic, lang, setLang, t } from "./i18n.js";

function show(view) {
  for (const section of document.querySelectorAll("main > section")) section.hidden = section.id !== `${view}-view`;
  for (const link of document.querySelectorAll("nav.tabs a")) {
    link.toggleAttribute("aria-current", link.dataset.view === view);
  }
  document.body.dataset.view = view;
}

function report(error) {
  const banner = $("#page-error");
  banner.textContent = `${t("error")}: ${error.message}`;
  banner.hidden = false;
}

async function route() {
  $("#page-error").hidden = true;
  const [view = "chat", ...rest] = location.hash.replace(/^#\/?/, "").split("/").filter(Boolean);
  try {
    if (view === "dashboard") {
      show("dashboard");
      await showRuns();
      if (rest[0] === "compare" && rest.length === 3) await showComparison(rest[1], rest[2]);
      else if (rest[0]) await showRun(rest[0]);
      else hideReport();
    } else if (view === "feedback") {
      show("feedback");
      await showFeedback(state.reasons);
    } else {
      show("chat");
      await openConversation(rest[0] || null);
      $("#input").focus();
    }
  } catch (error) {
    report(error);
  }
}

async function start() {
  applyStatic();
  $("#lang-toggle").addEventListener("click", () => {
    setLang(lang() === "zh" ? "en" : "zh");
    // Tables are drawn in the language, so those views are drawn again; the chat keeps its conversation (and any
    // answer still streaming) and only its labels change.
    if (document.body.dataset.view !== "chat") route();
  });
  $("#menu-toggle").addEventListener("click", () => document.body.classList.toggle("sidebar-open"));
  initChat();
  initDashboard();
  window.addEventListener("hashchange", route);
  window.addEventListener("unhandledrejection", (event) => report(event.reason));
  try {
    await Promise.all([loadModels(), loadReasons(), fillStartForm()]);
  } catch (error) {
    report(error);
  }
  await route();
  await loadConversations().catch(report);
  document.body.dataset.ready = "true";
}

start();
