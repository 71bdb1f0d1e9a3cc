// Model output as safe Markdown: marked turns it into HTML, DOMPurify keeps only harmless tags and attributes
// (no scripts, no event handlers, no images that could call out), and citation marks [n] become buttons that
// open their source. Nothing the model writes is ever inserted as live HTML without passing DOMPurify.

import DOMPurify from "dompurify";
import { marked } from "marked";

marked.setOptions({ gfm: true, breaks: true });

const ALLOWED_TAGS = ["p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "code", "pre", "blockquote", "h1", "h2",
  "h3", "h4", "h5", "h6", "a", "table", "thead", "tbody", "tr", "th", "td", "hr", "del", "span"];

DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName === "A") {
    const href = node.getAttribute("href") || "";
    if (!/^https?:\/\//i.test(href)) node.removeAttribute("href");
    node.setAttribute("target", "_blank");
    node.setAttribute("rel", "noopener noreferrer nofollow");
  }
});

const CITE = /\[(\d{1,3})\]/g;
const HAS_CITE = /\[\d{1,3}\]/;

// A fragment for `text`; `cite(n)` returns an element for citation n, or null when there is no such source.
export function renderMarkdown(text, cite = () => null) {
  const html = DOMPurify.sanitize(marked.parse(text), { ALLOWED_TAGS, ALLOWED_ATTR: ["href", "title"],
    RETURN_DOM_FRAGMENT: true });
  const walker = document.createTreeWalker(html, NodeFilter.SHOW_TEXT);
  const texts = [];
  while (walker.nextNode()) texts.push(walker.currentNode);
  for (const node of texts) {
    if (!HAS_CITE.test(node.data) || node.parentElement?.closest("code, pre, a")) continue;
    const parts = document.createDocumentFragment();
    let last = 0;
    for (const match of node.data.matchAll(CITE)) {
      const element = cite(Number(match[1]));
      if (!element) continue;
      parts.append(node.data.slice(last, match.index), element);
      last = match.index + match[0].length;
    }
    parts.append(node.data.slice(last));
    node.replaceWith(parts);
  }
  return html;
}
