// Parses a Mermaid diagram read from stdin with Mermaid itself; exits 1 with Mermaid's message when it is invalid.
// Mermaid sanitizes labels with DOMPurify, which needs a DOM: jsdom gives it one before Mermaid loads.
import { JSDOM } from 'jsdom';
const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import('mermaid');
let text = '';
for await (const chunk of process.stdin) text += chunk;
try {
  const result = await mermaid.parse(text);
  console.log(JSON.stringify(result));
} catch (error) {
  console.error(String(error?.message ?? error));
  process.exit(1);
}
