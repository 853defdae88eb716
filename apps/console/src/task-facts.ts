import type { Task } from '@taskclaim/client';
import { h, setText } from './dom';
import { LOCALE, type Lang, type Translate } from './i18n';

/** A task this urgent or more is marked as such (priority is 0–100, SPEC §2). */
const URGENT_PRIORITY = 80;
/** A lease with less than this left is shown as running out. */
const LEASE_WARNING_MS = 5 * 60_000;

export const isUrgent = (task: Task): boolean => task.priority >= URGENT_PRIORITY;

/**
 * The tasks to show: `current`, and the rows of `previous` whose outcome is still held, each kept after
 * the row it followed, so a task that was just claimed (by me or by someone faster) stays where the
 * operator pressed it until its outcome has been read.
 */
export function withHeldRows(previous: Task[], current: Task[], isHeld: (taskId: number) => boolean): Task[] {
  const shown = [...current];
  previous.forEach((task, index) => {
    if (shown.some((kept) => kept.id === task.id) || !isHeld(task.id)) return;
    const before = previous.slice(0, index).reverse().find((earlier) => shown.some((kept) => kept.id === earlier.id));
    shown.splice(before ? shown.findIndex((kept) => kept.id === before.id) + 1 : 0, 0, task);
  });
  return shown;
}

/**
 * Priority (urgent ones marked), due time, required skills and, on a pending task held by me, the lease.
 * The due time and the lease change with the clock: `updateClocks` words them.
 */
export function dispatchFacts(task: Task, t: Translate): HTMLElement {
  const urgent = isUrgent(task);
  return h(
    'p',
    { class: 'facts' },
    h('span', { class: urgent ? 'fact priority urgent' : 'fact priority' }, t(urgent ? 'urgentPriority' : 'priority', { priority: task.priority })),
    task.due_at && h('span', { class: 'fact due', 'data-due': task.due_at }),
    task.required_skills.length > 0 && h('span', { class: 'fact skills' }, t('skills', { skills: task.required_skills.join(t('listSeparator')) })),
    task.status === 'pending' && task.lease_expires_at && h('span', { class: 'fact lease', 'data-lease-expires': task.lease_expires_at }),
  );
}

/** Words the due times under `root` (overdue once passed) and the time left on its leases, as of now. */
export function updateClocks(root: ParentNode, lang: Lang, t: Translate): void {
  const now = Date.now();
  for (const element of root.querySelectorAll<HTMLElement>('[data-due]')) {
    const due = element.dataset.due!;
    const overdue = Date.parse(due) <= now;
    element.classList.toggle('overdue', overdue);
    setText(element, t(overdue ? 'overdue' : 'due', { time: formatWhen(due, lang) }));
  }
  for (const element of root.querySelectorAll<HTMLElement>('[data-lease-expires]')) {
    const left = Date.parse(element.dataset.leaseExpires!) - now;
    element.classList.toggle('lapsing', left < LEASE_WARNING_MS);
    setText(element, left > 0 ? t('leaseLeft', { time: duration(left) }) : t('leaseOver'));
  }
}

/** Today: the time; before or after: the date and time. */
export function formatWhen(iso: string, lang: Lang): string {
  const date = new Date(iso);
  const today = date.toDateString() === new Date().toDateString();
  return new Intl.DateTimeFormat(LOCALE[lang], today ? { timeStyle: 'short' } : { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

/** A time left, as 4:05 or 1:04:05. */
function duration(ms: number): string {
  const seconds = Math.ceil(ms / 1000);
  const [hours, minutes] = [Math.floor(seconds / 3600), Math.floor(seconds / 60) % 60];
  const mmss = `${String(minutes).padStart(hours ? 2 : 1, '0')}:${String(seconds % 60).padStart(2, '0')}`;
  return hours ? `${hours}:${mmss}` : mmss;
}
