/** A few DOM helpers: text goes in as text, never as HTML. */

type Child = Node | string | number | null | undefined | false;
type Props = Record<string, string | number | boolean | undefined | ((event: Event) => void)>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.slice(2).toLowerCase(), value);
    else if (name === 'class') element.className = String(value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) element.append(typeof child === 'number' ? String(child) : child);
  return element;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from index.html`);
  return element as T;
}

/**
 * Replaces a list's items only when what they show changed (`signature`), so a refresh that brings
 * nothing new neither moves keyboard focus nor makes a screen reader speak. Focus on an item's
 * control (marked `data-focus`) is put back on its successor after a change.
 */
export function replaceItems(list: HTMLElement, signature: string, build: () => Node[]): void {
  if (list.dataset.signature === signature) return;
  const active = document.activeElement instanceof HTMLElement && list.contains(document.activeElement) ? document.activeElement : undefined;
  const focusables = () => Array.from(list.querySelectorAll<HTMLElement>('[data-focus]'));
  const index = active ? focusables().indexOf(active) : -1;
  list.dataset.signature = signature;
  list.replaceChildren(...build());
  if (!active) return;
  const same = list.querySelector<HTMLElement>(`[data-focus="${CSS.escape(active.dataset.focus ?? '')}"]`);
  const after = focusables();
  // The focused item left the list (its task was claimed): focus the one that took its place.
  (same ?? after[Math.min(Math.max(index, 0), after.length - 1)])?.focus();
}

export function setText(element: HTMLElement, text: string): void {
  if (element.textContent !== text) element.textContent = text;
}
