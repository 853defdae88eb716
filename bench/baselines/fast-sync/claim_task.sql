-- The whole claim of the fast-sync baseline in one round trip (created by server.ts at start-up).
-- Locks the task row, then the operator row, always in that order, so no two claims deadlock; the
-- operator lock serialises an operator's claims on different tasks, which makes the capacity count
-- exact. Applies SPEC §3's rules in order (rule 4a's skills too), writes the task and the notification, and returns what
-- the response needs (rejections as a code with the parameters of their message).
-- Dropped first: a database made by an earlier version keeps a function whose result columns differ.
DROP FUNCTION IF EXISTS claim_task(bigint, bigint, text, integer);
CREATE FUNCTION claim_task(p_task_id bigint, p_operator_id bigint, p_notes text, p_default_limit integer)
RETURNS TABLE (
  code text,
  already_claimed boolean,
  holder_username text,
  department_name text,
  missing_skills text,
  active_count integer,
  active_limit integer,
  task_id bigint,
  work_content text,
  task_status text,
  updated_at timestamptz,
  username text,
  first_name text,
  last_name text
)
LANGUAGE plpgsql AS $$
DECLARE
  t work_order_tasks%ROWTYPE;
  o operators%ROWTYPE;
BEGIN
  SELECT * INTO t FROM work_order_tasks w WHERE w.id = p_task_id FOR UPDATE;
  SELECT * INTO o FROM operators op WHERE op.id = p_operator_id FOR UPDATE;
  code := NULL;
  already_claimed := false;
  task_id := p_task_id;
  username := o.username;
  first_name := o.first_name;
  last_name := o.last_name;

  IF o.id IS NULL OR NOT o.active THEN
    code := 'operator_inactive';
  ELSIF t.id IS NULL THEN
    code := 'task_not_found';
  ELSIF t.status IN ('draft', 'completed', 'cancelled') THEN
    code := 'task_' || t.status;
  ELSIF t.assigned_department_id IS NULL THEN
    code := 'task_no_department';
  ELSIF NOT EXISTS (SELECT 1 FROM operator_departments m WHERE m.operator_id = o.id AND m.department_id = t.assigned_department_id) THEN
    code := 'not_in_department';
    SELECT d.name INTO department_name FROM departments d WHERE d.id = t.assigned_department_id;
  ELSIF NOT t.required_skills <@ o.skills THEN
    code := 'missing_skill';
    SELECT string_agg(r.skill, ', ' ORDER BY r.n) INTO missing_skills
      FROM unnest(t.required_skills) WITH ORDINALITY AS r(skill, n) WHERE NOT r.skill = ANY(o.skills);
  ELSIF t.assigned_operator_id = o.id THEN
    already_claimed := true;
  ELSIF t.assigned_operator_id IS NOT NULL THEN
    code := 'already_claimed';
    SELECT op.username INTO holder_username FROM operators op WHERE op.id = t.assigned_operator_id;
  ELSE
    SELECT count(*) INTO active_count FROM work_order_tasks w
      WHERE w.assigned_operator_id = o.id AND w.status IN ('pending', 'in_progress');
    active_limit := coalesce(o.max_active_tasks, p_default_limit);
    IF active_count >= active_limit THEN
      code := 'capacity_reached';
    ELSE
      -- claimed_at and the department's lease (SPEC §2), as taskclaim writes them
      UPDATE work_order_tasks w SET assigned_operator_id = o.id, updated_at = now(), claimed_at = now(),
        lease_expires_at = CASE WHEN w.status = 'pending' THEN now() + make_interval(secs => (SELECT d.claim_lease_seconds FROM departments d WHERE d.id = w.assigned_department_id)) END
        WHERE w.id = t.id RETURNING w.updated_at INTO t.updated_at;
      INSERT INTO notifications (operator_id, type, params, task_id, work_order_id)
        SELECT o.id, 'task_assigned', jsonb_build_object('work_content', t.work_content, 'order_number', wo.order_number, 'notes', p_notes), t.id, t.work_order_id
        FROM work_orders wo WHERE wo.id = t.work_order_id;
    END IF;
  END IF;

  work_content := t.work_content;
  task_status := t.status;
  updated_at := t.updated_at;
  RETURN NEXT;
END
$$;
