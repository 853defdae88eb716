/**
 * The console's own words in English and Simplified Chinese. Claim outcomes are not here: the API
 * renders them (SPEC §3) in the language the client asks for, so they read the same as everywhere else.
 */
export type Lang = 'en' | 'zh';

const en = {
  appTitle: 'Operator console',
  language: 'Language',
  signInTitle: 'Sign in',
  signInHelp: 'Paste the operator token you were given. It is kept in this tab only and forgotten when the tab closes.',
  tokenLabel: 'Operator token',
  signIn: 'Sign in',
  signingIn: 'Signing in…',
  signOut: 'Sign out',
  signedInAs: 'Signed in as {name}',
  signedIn: 'Signed in',
  tokenEmpty: 'Enter your operator token.',
  tokenUnknown: 'This token is unknown or has been revoked.',
  tokenForbidden: 'This token may not be used here: its operator is deactivated.',
  notOperatorToken: 'This console needs an operator token.',
  sessionEnded: 'You have been signed out: {reason}',
  claimable: 'Claimable tasks',
  claimableCount: '{count} to claim, most urgent first',
  noClaimable: 'No tasks to claim right now. The list refreshes by itself.',
  claim: 'Claim',
  claimTask: 'Claim {task}',
  claiming: 'Claiming…',
  refresh: 'Refresh',
  refreshing: 'Refreshing…',
  updatedAt: 'Updated {time}',
  live: 'Live',
  claimNext: 'Claim next',
  claimingNext: 'Claiming next…',
  claimNextHelp: 'The system picks the most urgent task you may claim, one nobody else is getting.',
  nextTask: 'Next task',
  previous: 'Previous',
  next: 'Next',
  pageOf: 'Page {page} of {pages}',
  pagination: 'Pages of claimable tasks',
  myClaims: 'Your claims',
  clearClaims: 'Clear',
  claimSending: 'Sending…',
  claimQueued: 'Queued — waiting for the decision…',
  claimSucceeded: 'Claimed',
  claimRejected: 'Rejected',
  claimFailed: 'Failed',
  claimError: 'Not sent',
  claimRetrying: 'Busy — retrying in {seconds} s…',
  outcomeOf: '{task}: {outcome}',
  announcement: '{task}: {badge}. {message}',
  release: 'Release',
  releaseTask: 'Release {task}',
  releasing: 'Releasing…',
  releaseSucceeded: 'Released',
  start: 'Start',
  startTask: 'Start {task}',
  starting: 'Starting…',
  startSucceeded: 'Started',
  endShift: 'End shift',
  endingShift: 'Ending shift…',
  endShiftQuestion: 'Release your {count} pending tasks so others can take them? Tasks you have started stay yours.',
  endShiftConfirm: 'Release them',
  cancel: 'Cancel',
  endShiftNone: 'You had no pending task to release.',
  endShiftReleasing: 'Releasing {count} tasks…',
  endShiftDone: 'Shift ended: {released} of {count} tasks released.',
  mine: 'My active tasks',
  mineCount: '{count} of {limit}',
  mineAtLimit: 'You are at your limit: finish a task before claiming another.',
  noMine: 'You have no active tasks.',
  notifications: 'Notifications',
  unread: 'unread',
  noNotifications: 'No notifications yet.',
  markRead: 'Mark as read',
  markReadLabel: 'Mark all notifications as read',
  markingRead: 'Marking…',
  workOrder: 'Work order {number}',
  created: 'created {time}',
  priority: 'Priority {priority}',
  urgentPriority: 'Urgent · priority {priority}',
  due: 'Due {time}',
  overdue: 'Overdue · was due {time}',
  skills: 'Skills: {skills}',
  listSeparator: ', ',
  leaseLeft: 'Lease: {time} left',
  leaseOver: 'Lease ran out',
  reassignedAway: '{task}: a supervisor gave this task to another operator.',
  status_pending: 'Pending',
  status_in_progress: 'In progress',
  status_draft: 'Draft',
  status_completed: 'Completed',
  status_cancelled: 'Cancelled',
  busy: 'The server is busy; trying again in {seconds} s.',
  offline: 'Cannot reach the server; trying again in {seconds} s.',
  networkError: 'Cannot reach the server.',
  unexpected: 'Something went wrong: {detail}',
};

export type MessageKey = keyof typeof en;

const zh: Record<MessageKey, string> = {
  appTitle: '操作员控制台',
  language: '语言',
  signInTitle: '登录',
  signInHelp: '粘贴分配给您的操作员令牌。令牌只保存在当前标签页中，关闭标签页即被清除。',
  tokenLabel: '操作员令牌',
  signIn: '登录',
  signingIn: '正在登录…',
  signOut: '退出',
  signedInAs: '当前用户：{name}',
  signedIn: '已登录',
  tokenEmpty: '请输入操作员令牌。',
  tokenUnknown: '该令牌无效或已被吊销。',
  tokenForbidden: '该令牌不能在此使用：其操作员已停用。',
  notOperatorToken: '此控制台需要操作员令牌。',
  sessionEnded: '您已退出登录：{reason}',
  claimable: '可认领的任务',
  claimableCount: '共 {count} 个可认领，最紧急的在前',
  noClaimable: '当前没有可认领的任务。列表会自动刷新。',
  claim: '认领',
  claimTask: '认领 {task}',
  claiming: '认领中…',
  refresh: '刷新',
  refreshing: '刷新中…',
  updatedAt: '更新于 {time}',
  live: '实时',
  claimNext: '认领下一个',
  claimingNext: '正在认领下一个…',
  claimNextHelp: '系统为您挑选最紧急的、无人正在认领的任务。',
  nextTask: '下一个任务',
  previous: '上一页',
  next: '下一页',
  pageOf: '第 {page} / {pages} 页',
  pagination: '可认领任务分页',
  myClaims: '我的认领',
  clearClaims: '清除',
  claimSending: '发送中…',
  claimQueued: '已排队，等待处理结果…',
  claimSucceeded: '认领成功',
  claimRejected: '认领被拒绝',
  claimFailed: '处理失败',
  claimError: '未发送',
  claimRetrying: '服务器繁忙，{seconds} 秒后重试…',
  outcomeOf: '{task}：{outcome}',
  announcement: '{task}：{badge}。{message}',
  release: '释放',
  releaseTask: '释放 {task}',
  releasing: '释放中…',
  releaseSucceeded: '已释放',
  start: '开始',
  startTask: '开始 {task}',
  starting: '开始中…',
  startSucceeded: '已开始',
  endShift: '结束班次',
  endingShift: '正在交班…',
  endShiftQuestion: '释放您的 {count} 个待处理任务，让其他人可以认领？已开始的任务仍归您。',
  endShiftConfirm: '确认释放',
  cancel: '取消',
  endShiftNone: '您没有待释放的任务。',
  endShiftReleasing: '正在释放 {count} 个任务…',
  endShiftDone: '交班完成：已释放 {released} / {count} 个任务。',
  mine: '我的进行中任务',
  mineCount: '{count} / {limit}',
  mineAtLimit: '已达到任务上限：请先完成一个任务再认领。',
  noMine: '您当前没有进行中的任务。',
  notifications: '通知',
  unread: '未读',
  noNotifications: '暂无通知。',
  markRead: '标为已读',
  markReadLabel: '将全部通知标为已读',
  markingRead: '正在标记…',
  workOrder: '施工单 {number}',
  created: '创建于 {time}',
  priority: '优先级 {priority}',
  urgentPriority: '紧急 · 优先级 {priority}',
  due: '截止 {time}',
  overdue: '已逾期 · 截止 {time}',
  skills: '所需技能：{skills}',
  listSeparator: '、',
  leaseLeft: '租约剩余 {time}',
  leaseOver: '认领租约已到期',
  reassignedAway: '{task}：主管已将该任务转派给其他操作员。',
  status_pending: '待处理',
  status_in_progress: '进行中',
  status_draft: '草稿',
  status_completed: '已完成',
  status_cancelled: '已取消',
  busy: '服务器繁忙，{seconds} 秒后重试。',
  offline: '无法连接服务器，{seconds} 秒后重试。',
  networkError: '无法连接服务器。',
  unexpected: '出现错误：{detail}',
};

const DICTIONARIES: Record<Lang, Record<MessageKey, string>> = { en, zh };

export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

export function translator(lang: Lang): Translate {
  const dictionary = DICTIONARIES[lang];
  return (key, params = {}) => dictionary[key].replace(/\{(\w+)\}/g, (placeholder, name: string) => (name in params ? String(params[name]) : placeholder));
}

const STORED_LANGUAGE = 'taskclaim.console.language';

/** The language chosen here before, else the first of the browser's languages the console speaks, else English. */
export function initialLanguage(): Lang {
  const stored = safeStorage(() => localStorage.getItem(STORED_LANGUAGE));
  if (stored === 'en' || stored === 'zh') return stored;
  const preferred = navigator.languages?.length ? navigator.languages : [navigator.language];
  for (const tag of preferred) {
    const primary = tag?.toLowerCase().split('-')[0];
    if (primary === 'zh' || primary === 'en') return primary;
  }
  return 'en';
}

export function rememberLanguage(lang: Lang): void {
  safeStorage(() => localStorage.setItem(STORED_LANGUAGE, lang));
}

/** Storage throws in some private modes; the console then simply does not remember. */
export function safeStorage<T>(action: () => T): T | undefined {
  try {
    return action();
  } catch {
    return undefined;
  }
}

/** BCP 47 tags for Intl formatting and the page's lang attribute. */
export const LOCALE: Record<Lang, string> = { en: 'en', zh: 'zh-CN' };
