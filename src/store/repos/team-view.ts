import { sql, type RawBuilder } from 'kysely';

/**
 * A team view over rows that belong to a service: those of the `visible` services, and those of
 * services no team owns (not in `owned`) or of no service at all.
 */
export interface ServiceView {
  visible: readonly string[];
  owned: readonly string[];
}

/** The condition a team view puts on a query of one table with a `service` column (incidents, executions). */
export function inServiceView(view: ServiceView): RawBuilder<boolean> {
  const either = [
    sql`service is null`,
    ...(view.visible.length > 0 ? [sql`service in (${sql.join([...view.visible])})`] : []),
    view.owned.length > 0 ? sql`service not in (${sql.join([...view.owned])})` : sql`1 = 1`,
  ];
  return sql<boolean>`(${sql.join(either, sql` or `)})`;
}
