import type { ClaimParams } from './decide-claim';

export const LANGUAGES = ['en', 'zh'] as const;
export type Language = (typeof LANGUAGES)[number];

/** Chinese sentences come from the seed's Django service; English ones say the same. */
const MESSAGES = {
  operator_inactive: {
    en: 'Operator {username} is deactivated and cannot claim tasks.',
    zh: '操作员 {username} 已停用，无法认领任务',
  },
  task_not_found: {
    en: 'Task {task_id} does not exist.',
    zh: '任务ID {task_id} 不存在',
  },
  task_draft: {
    en: 'Draft tasks cannot be claimed; wait until the work order has been approved.',
    zh: '草稿状态的任务不能认领，请先等待施工单审核通过',
  },
  task_completed: {
    en: 'Completed tasks cannot be claimed.',
    zh: '已完成的任务不能认领',
  },
  task_cancelled: {
    en: 'Cancelled tasks cannot be claimed.',
    zh: '已取消的任务不能认领',
  },
  task_no_department: {
    en: 'This task has not been assigned to a department yet, so it cannot be claimed.',
    zh: '该任务尚未分配到部门，无法认领',
  },
  not_in_department: {
    en: 'You are not a member of department {department_name}, so you cannot claim this task.',
    zh: '您不属于部门 {department_name}，无法认领该任务',
  },
  missing_skill: {
    en: 'Operator {username} lacks the skills this task requires: {skills}.',
    zh: '操作员 {username} 缺少该任务所需的技能：{skills}',
  },
  already_claimed: {
    en: 'This task has already been claimed by {username}.',
    zh: '该任务已被 {username} 认领，无法重复认领',
  },
  capacity_reached: {
    en: 'You already have {active_count} active tasks and the limit is {limit}; finish one before claiming another.',
    zh: '您当前有 {active_count} 个进行中的任务，已达到上限 {limit} 个，请先完成部分任务后再认领',
  },
  not_assignee: {
    en: 'This task is assigned to {username}, not to you, so you cannot release it.',
    zh: '该任务由 {username} 认领，您无法释放',
  },
  /** not_assignee of a task nobody holds */
  not_assignee_unassigned: {
    en: 'This task is not assigned to anyone, so there is nothing to release.',
    zh: '该任务尚未被认领，无需释放',
  },
  /** not_assignee told to a caller that does not see the task (another department's): the holder stays unnamed */
  not_assignee_hidden: {
    en: 'This task is not assigned to you, so you cannot release it.',
    zh: '该任务未分配给您，您无法释放',
  },
  task_not_releasable: {
    en: 'Work on this task has started or it is closed, so it can no longer be released.',
    zh: '该任务已开始或已关闭，无法释放',
  },
  /** not_assignee of a start */
  not_assignee_start: {
    en: 'This task is assigned to {username}, not to you, so you cannot start it.',
    zh: '该任务由 {username} 认领，您无法开始',
  },
  not_assignee_start_unassigned: {
    en: 'This task is not assigned to anyone; claim it before starting it.',
    zh: '该任务尚未被认领，请先认领再开始',
  },
  not_assignee_start_hidden: {
    en: 'This task is not assigned to you, so you cannot start it.',
    zh: '该任务未分配给您，您无法开始',
  },
  task_not_startable: {
    en: 'Only a pending task can be started; this one is a draft or closed.',
    zh: '只有待处理的任务可以开始，该任务为草稿或已关闭',
  },
  /** not_assignee of a lease expiry: the task changed hands first */
  lease_superseded: {
    en: 'The task changed hands before the lease ran out, so the lease released nothing.',
    zh: '租约到期前任务已变更，租约未释放任何任务',
  },
  lease_not_expired: {
    en: 'The claim lease of this task has not run out, so the task stays assigned.',
    zh: '该任务的认领租约尚未到期，任务保持分配',
  },
  no_claimable_task: {
    en: 'There is no task left to claim in your departments right now.',
    zh: '您所在的部门目前没有可认领的任务',
  },
  claim_succeeded: {
    en: 'Task claimed successfully.',
    zh: '任务认领成功',
  },
  claim_already_yours: {
    en: 'You have already claimed this task.',
    zh: '您已经认领了该任务',
  },
  claim_queued: {
    en: 'The claim is queued and will be decided shortly.',
    zh: '认领请求已排队，稍后给出结果',
  },
  release_succeeded: {
    en: 'Task released.',
    zh: '任务已释放',
  },
  release_queued: {
    en: 'The release is queued and will be decided shortly.',
    zh: '释放请求已排队，稍后给出结果',
  },
  start_succeeded: {
    en: 'Work on the task has started.',
    zh: '任务已开始',
  },
  start_already: {
    en: 'Work on this task had already started.',
    zh: '该任务已经开始',
  },
  start_queued: {
    en: 'The start is queued and will be decided shortly.',
    zh: '开始请求已排队，稍后给出结果',
  },
  reassign_succeeded: {
    en: 'Task reassigned.',
    zh: '任务已转派',
  },
  reassign_already: {
    en: 'The task is already assigned to this operator.',
    zh: '该任务已分配给该操作员',
  },
  reassign_queued: {
    en: 'The reassignment is queued and will be decided shortly.',
    zh: '转派请求已排队，稍后给出结果',
  },
  expire_succeeded: {
    en: 'The claim lease ran out: the task went back to the pool.',
    zh: '认领租约已到期，任务已退回任务池',
  },
  expire_queued: {
    en: 'The lease expiry is queued and will be decided shortly.',
    zh: '租约到期请求已排队，稍后给出结果',
  },
  claim_failed: {
    // Final: a replay of this request's Idempotency-Key answers this same failed claim, so only a new key submits again.
    en: 'The claim could not be applied after repeated attempts; please submit it again with a new Idempotency-Key.',
    zh: '认领请求多次重试后仍未能处理，请使用新的 Idempotency-Key 重新提交',
  },
  notification_title: {
    en: 'Task claimed: {work_content}',
    zh: '任务认领成功：{work_content}',
  },
  // The title names the task; the content adds what the title does not say.
  notification_content: {
    en: 'Work order: {order_number}.',
    zh: '施工单：{order_number}',
  },
  release_notification_title: {
    en: 'Task released: {work_content}',
    zh: '任务已释放：{work_content}',
  },
  lease_notification_title: {
    en: 'Lease ran out: {work_content}',
    zh: '认领租约已到期：{work_content}',
  },
  lease_notification_content: {
    en: 'It was not started within its claim lease and went back to the pool. Work order: {order_number}.',
    zh: '未在认领租约内开始，已退回任务池。施工单：{order_number}',
  },
  reassigned_away_notification_title: {
    en: 'Task reassigned: {work_content}',
    zh: '任务已转派：{work_content}',
  },
  reassigned_away_notification_content: {
    en: 'A supervisor reassigned it to another operator. Work order: {order_number}.',
    zh: '主管已将其转派给其他操作员。施工单：{order_number}',
  },
  reassigned_to_notification_title: {
    en: 'Task assigned to you: {work_content}',
    zh: '任务已分配给您：{work_content}',
  },
  reassigned_to_notification_content: {
    en: 'A supervisor assigned it to you. Work order: {order_number}.',
    zh: '主管已将其分配给您。施工单：{order_number}',
  },
  notification_notes: {
    en: ' Notes: {notes}',
    zh: ' 备注：{notes}',
  },
} as const satisfies Record<string, Record<Language, string>>;

export type MessageKey = keyof typeof MESSAGES;

export function renderMessage(key: MessageKey, params: ClaimParams, language: Language): string {
  return MESSAGES[key][language].replace(/\{(\w+)\}/g, (placeholder, name: string) =>
    name in params ? String(params[name]) : placeholder,
  );
}
