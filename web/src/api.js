// Talking to medchat serve: every call carries the key kept in this tab's session storage; a 401 asks for a key
// (once, shared by calls that fail together) and retries. Chat answers arrive as OpenAI's server-sent events.

import { t } from "./i18n.js";

const KEY = "medchat.key";
let asking = null; // the pending key prompt, so concurrent 401s share one dialog

export class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(error.message || `HTTP ${status}`);
    this.status = status;
    this.code = error.code || null;
  }
}

function headers(extra = {}) {
  const key = sessionStorage.getItem(KEY);
  return key ? { ...extra, authorization: `Bearer ${key}` } : extra;
}

async function errorOf(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  return new ApiError(response.status, body);
}

function askForKey(refused) {
  if (!asking) {
    asking = new Promise((resolve) => {
      const dialog = document.getElementById("key-dialog");
      const input = dialog.querySelector("input");
      dialog.querySelector(".key-wrong").hidden = !refused;
      input.value = "";
      dialog.showModal();
      dialog.querySelector("form").onsubmit = (event) => {
        event.preventDefault();
        sessionStorage.setItem(KEY, input.value.trim());
        dialog.close();
        asking = null;
        resolve();
      };
    });
  }
  return asking;
}

// fetch() with the key; a 401 prompts for a key and tries again.
export async function request(path, options = {}) {
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(path, { ...options, headers: headers(options.headers || {}) });
    if (response.status !== 401) return response;
    await askForKey(attempt > 0 || Boolean(sessionStorage.getItem(KEY)));
  }
}

export async function json(path, options = {}) {
  const init = { ...options };
  if (options.body !== undefined && typeof options.body !== "string") {
    init.body = JSON.stringify(options.body);
    init.headers = { "content-type": "application/json", ...(options.headers || {}) };
  }
  const response = await request(path, init);
  if (!response.ok) throw await errorOf(response);
  return response.status === 204 ? null : response.json();
}

// Downloads a file the API serves (the key cannot ride on a plain link).
export async function download(path, fallbackName) {
  const response = await request(path);
  if (!response.ok) throw await errorOf(response);
  const disposition = response.headers.get("content-disposition") || "";
  const match = /filename="([^"]+)"/.exec(disposition);
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = match ? match[1] : fallbackName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// The data of each server-sent event of a response, as it arrives (events without data are skipped).
export async function* serverSentData(response) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const data = buffer.slice(0, end).split("\n").filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(5).trimStart()).join("\n");
      buffer = buffer.slice(end + 2);
      if (data) yield data;
    }
  }
}

// POST /v1/chat/completions with stream: true. onEvent(chunk) gets each parsed chunk; resolves when the stream
// ends ([DONE]), rejects with ApiError for an HTTP error or an error event, and with an AbortError when signal
// aborts (the server then stops the generation).
export async function streamChat(body, onEvent, signal) {
  const response = await request("/v1/chat/completions", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ...body, stream: true, stream_options: { include_usage: true } }),
    signal,
  });
  if (!response.ok) throw await errorOf(response);
  for await (const data of serverSentData(response)) {
    if (data === "[DONE]") return;
    const chunk = JSON.parse(data);
    if (chunk.error) throw new ApiError(500, chunk);
    onEvent(chunk);
  }
  throw new ApiError(502, { error: { message: t("error") + ": the answer ended early" } });
}
