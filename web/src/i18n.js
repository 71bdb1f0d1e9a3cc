// The interface's words in English and Chinese. Answers follow the question's language on their own (the
// assistant detects it); this only switches the page's labels.

const STRINGS = {
  en: {
    appTitle: "medchat",
    newChat: "New chat",
    chat: "Chat",
    dashboard: "Evaluations",
    feedbackTab: "Feedback",
    model: "Model",
    compare: "Compare",
    compareWith: "against",
    placeholder: "Ask a health question… (Enter sends, Shift+Enter for a new line)",
    send: "Send",
    stop: "Stop",
    rename: "Rename",
    delete: "Delete",
    confirmDelete: "Delete this conversation and its feedback?",
    renamePrompt: "New title",
    noConversations: "No conversations yet.",
    emptyChat: "Ask anything about health. Answers cite their sources; an emergency is flagged first.",
    emergencyTitle: "This may be an emergency",
    emergencyCall: "Call {number} now",
    redacted: "{n} personal detail(s) removed before the model saw them",
    declined: "Declined: the message tried to change the assistant's instructions",
    declinedHarm: "Declined: a request that could cause harm",
    tooLong: "Not read: the message is too long",
    sources: "Sources",
    source: "Source",
    close: "Close",
    helpful: "Helpful",
    notHelpful: "Not helpful",
    reason: "What was wrong?",
    comment: "Comment (optional)",
    correction: "A better answer (optional; it becomes a test case)",
    submit: "Send feedback",
    cancel: "Cancel",
    thanks: "Thanks — feedback saved.",
    stopped: "Stopped.",
    error: "Error",
    keyTitle: "This server needs an API key",
    keyHelp: "Paste a key from `medchat keys create`. It is kept in this tab only.",
    keyLabel: "API key",
    keySave: "Use key",
    keyWrong: "That key was refused.",
    prefer: "Which answer is better?",
    preferA: "Left is better",
    preferB: "Right is better",
    tie: "Tie",
    bothBad: "Both bad",
    preferenceSaved: "Preference saved.",
    runs: "Runs",
    startRun: "Start a run",
    suites: "Suites",
    models: "Models",
    limit: "Samples per suite",
    start: "Start",
    status: "Status",
    progress: "Progress",
    created: "Created",
    cancelRun: "Cancel run",
    report: "Report",
    compareRuns: "Compare runs",
    compareSelected: "Compare the two selected",
    noRuns: "No runs yet: start one here or with `medchat eval`.",
    flagged: "Flagged answers",
    exportDataset: "Export as eval dataset",
    byReason: "By reason",
    byModel: "By model",
    noFeedback: "No feedback yet.",
    question: "Question",
    answer: "Answer",
    when: "When",
    rating: "Rating",
    language: "中文",
  },
  zh: {
    appTitle: "medchat",
    newChat: "新对话",
    chat: "对话",
    dashboard: "评测",
    feedbackTab: "反馈",
    model: "模型",
    compare: "对比",
    compareWith: "对比",
    placeholder: "输入健康问题……（回车发送，Shift+回车换行）",
    send: "发送",
    stop: "停止",
    rename: "重命名",
    delete: "删除",
    confirmDelete: "删除此对话及其反馈？",
    renamePrompt: "新标题",
    noConversations: "还没有对话。",
    emptyChat: "可以询问任何健康问题。回答会注明来源；紧急情况会首先提示。",
    emergencyTitle: "这可能是紧急情况",
    emergencyCall: "请立即拨打 {number}",
    redacted: "已在发送给模型前移除 {n} 项个人信息",
    declined: "已拒绝：该消息试图更改助手的指令",
    declinedHarm: "已拒绝：可能造成伤害的请求",
    tooLong: "未阅读：消息过长",
    sources: "来源",
    source: "来源",
    close: "关闭",
    helpful: "有帮助",
    notHelpful: "没有帮助",
    reason: "哪里有问题？",
    comment: "备注（可选）",
    correction: "更好的回答（可选，将成为测试用例）",
    submit: "提交反馈",
    cancel: "取消",
    thanks: "谢谢，反馈已保存。",
    stopped: "已停止。",
    error: "错误",
    keyTitle: "此服务器需要 API 密钥",
    keyHelp: "粘贴 `medchat keys create` 生成的密钥。仅保存在此标签页中。",
    keyLabel: "API 密钥",
    keySave: "使用密钥",
    keyWrong: "密钥被拒绝。",
    prefer: "哪个回答更好？",
    preferA: "左边更好",
    preferB: "右边更好",
    tie: "一样好",
    bothBad: "都不好",
    preferenceSaved: "已保存选择。",
    runs: "评测运行",
    startRun: "开始评测",
    suites: "测试集",
    models: "模型",
    limit: "每个测试集的样本数",
    start: "开始",
    status: "状态",
    progress: "进度",
    created: "创建时间",
    cancelRun: "取消运行",
    report: "报告",
    compareRuns: "对比运行",
    compareSelected: "对比所选的两个",
    noRuns: "还没有评测运行：在这里开始，或使用 `medchat eval`。",
    flagged: "被标记的回答",
    exportDataset: "导出为评测数据集",
    byReason: "按原因",
    byModel: "按模型",
    noFeedback: "还没有反馈。",
    question: "问题",
    answer: "回答",
    when: "时间",
    rating: "评价",
    language: "English",
  },
};

// Labels of the feedback reasons (the ids come from GET /api/feedback/reasons; English labels from the server).
const REASONS_ZH = {
  not_factually_correct: "内容不正确",
  refused_when_should_not: "不该拒绝却拒绝了",
  missed_emergency: "没有识别出紧急情况",
  unsafe_advice: "建议不安全",
  wrong_or_missing_source: "来源错误或缺失",
  unhelpful: "没有帮助或答非所问",
  wrong_language: "回答语言不对",
  other: "其他",
};

function initial() {
  const saved = localStorage.getItem("medchat.lang");
  if (saved === "en" || saved === "zh") return saved;
  return (navigator.language || "en").toLowerCase().startsWith("zh") ? "zh" : "en";
}

let current = initial();

export function lang() {
  return current;
}

export function t(key, values = {}, language = current) {
  const text = (STRINGS[language] && STRINGS[language][key]) || STRINGS.en[key] || key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
}

export function reasonLabel(id, english) {
  return current === "zh" ? REASONS_ZH[id] || english : english;
}

export function setLang(value) {
  current = value === "zh" ? "zh" : "en";
  localStorage.setItem("medchat.lang", current);
  applyStatic();
}

// Attributes for el(): the text of `key` in the page's language now, marked so that applyStatic redraws it in the
// next one (a label drawn with t() alone would stay in the language it was drawn in).
export function tx(key, values) {
  const attrs = { text: t(key, values), "data-i18n": key };
  if (values) attrs["data-i18n-args"] = JSON.stringify(values);
  return attrs;
}

// The same for a title (and aria-label).
export function titled(key) {
  return { title: t(key), "aria-label": t(key), "data-i18n-title": key };
}

// Elements with data-i18n get their text (with data-i18n-args' values), data-i18n-placeholder their placeholder,
// data-i18n-title their title.
export function applyStatic(root = document) {
  document.documentElement.lang = current === "zh" ? "zh-CN" : "en";
  for (const el of root.querySelectorAll("[data-i18n]")) {
    el.textContent = t(el.dataset.i18n, el.dataset.i18nArgs ? JSON.parse(el.dataset.i18nArgs) : {});
  }
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll("[data-i18n-title]")) {
    el.title = t(el.dataset.i18nTitle);
    el.setAttribute("aria-label", el.title);
  }
}
