/** An incident a person published on the status page, under a public title. */
export interface StatusIncidentsTable {
  incident_id: string;
  title: string;
  /** The public service it concerns (null: the incident's service is not public or has none). */
  service_id: string | null;
  published_at: number;
  /** A person's name, or `opsbook` when publish: after_delay published it. */
  published_by: string;
}

/** One update the public sees: investigating, identified, monitoring or resolved, in a person's words. */
export interface StatusUpdatesTable {
  id: string;
  incident_id: string;
  at: number;
  state: string;
  body: string;
  author: string;
}

/** An email address that asked for updates; `confirmed_at` is null until the confirmation link is opened. */
export interface StatusSubscribersTable {
  /** Secret, in the confirmation and unsubscribe links. */
  token: string;
  email: string;
  created_at: number;
  confirmed_at: number | null;
}

export interface StatusTables {
  status_incidents: StatusIncidentsTable;
  status_updates: StatusUpdatesTable;
  status_subscribers: StatusSubscribersTable;
}
