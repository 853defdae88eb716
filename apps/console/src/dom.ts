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

/** One item of a keyed list: rebuilt only when its `signature` (what it shows) changed. */
export interface KeyedItem {
  key: string;
  signature: string;
  build(): HTMLElement;
}

/**
 * Renders a list by key: an item that shows the same keeps its element, so a refresh that brings
 * nothing new neither moves keyboard focus nor makes a screen reader speak, and the browser's scroll
 * anchoring keeps what the operator looks at in place while items above it come and go. Focus on an
 * item's control (marked `data-focus`) is put back on its rebuilt twin, or on the control that took
 * its place when its item left.
 */
export function renderKeyed(list: HTMLElement, items: KeyedItem[]): void {
  const existing = new Map(Array.from(list.children as HTMLCollectionOf<HTMLElement>, (element) => [element.dataset.key, element]));
  const active = document.activeElement instanceof HTMLElement && list.contains(document.activeElement) ? document.activeElement : undefined;
  const focusables = () => Array.from(list.querySelectorAll<HTMLElement>('[data-focus]'));
  const index = active ? focusables().indexOf(active) : -1;
  items.forEach((item, position) => {
    let element = existing.get(item.key);
    existing.delete(item.key);
    if (element?.dataset.signature !== item.signature) {
      const built = item.build();
      built.dataset.key = item.key;
      built.dataset.signature = item.signature;
      element?.replaceWith(built);
      element = built;
    }
    if (list.children[position] !== element) list.insertBefore(element, list.children[position] ?? null);
  });
  for (const gone of existing.values()) gone.remove();
  if (!active || active.isConnected) return;
  const same = list.querySelector<HTMLElement>(`[data-focus="${CSS.escape(active.dataset.focus ?? '')}"]`);
  const after = focusables();
  (same ?? after[Math.min(Math.max(index, 0), after.length - 1)])?.focus();
}

export function setText(element: HTMLElement, text: string): void {
  if (element.textContent !== text) element.textContent = text;
}
