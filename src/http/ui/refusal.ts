import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Daemon } from '../../daemon/index.js';
import { sessionCookieOptions, type Session } from '../sessions/index.js';
import { html, type Html } from './html.js';
import { forTheWeb } from './web-words.js';

/**
 * A form's refusal (a state that moved on, a role or team that may not, a field refused), carried
 * across the redirect that answers the form's POST to the page the form is on, and shown there once
 * (post/redirect/get): a reload shows the page, it does not post the form again, and nobody is sent
 * to an error page away from the incident they are working on.
 */
export interface Refusal {
  /** Which form of the page refused (the page shows the refusal beside it). */
  form: string;
  /** What was pressed, as its button says ("Acknowledge", "Change title"). */
  action: string;
  status: number;
  message: string;
  /** The form field at fault, when the refusal names one. */
  field?: string;
  /** What the person had typed, given back to the form to mend or send again. */
  kept: Record<string, string>;
  /** Fields typed that were too long to carry back (the page says so rather than lose them silently). */
  dropped?: string[];
}

/** Where a form is, for its refusals: the page they are shown on, and what it keeps of the form. */
export interface FormPlace {
  /** The page's address (path and query, no fragment). */
  page: string;
  form: string;
  action: string;
  /** Fields typed into the form to give back with a refusal (a note, a title). */
  keep?: readonly string[];
  /** The element of the page the redirect scrolls to (default `refused`). */
  anchor?: string;
}

const COOKIE = 'opsbook_refusal';
/** Long enough for a slow redirect on a phone; a refusal nobody saw in that time is stale. */
const MAX_AGE_S = 120;
/** A cookie's value is kept to 4 KiB by browsers; the refusal and what it keeps stay under this. */
const MAX_VALUE_BYTES = 3600;

const pathOf = (address: string): string => address.split(/[?#]/)[0] ?? address;

/** Signed with the session's CSRF token: only this session's own refusal for this page is shown (no text planted from a sibling domain's cookie). */
function sign(session: Session, path: string, body: string): string {
  return createHmac('sha256', session.csrf).update(`opsbook-refusal\0${path}\0${body}`).digest('base64url');
}

function encode(refusal: Refusal): string {
  return Buffer.from(JSON.stringify(refusal)).toString('base64url');
}

/** The refusal as it fits a cookie: typed fields too long to carry are named instead of kept. */
function fitted(refusal: Refusal): Refusal {
  let out = { ...refusal, message: refusal.message.slice(0, 1000) };
  // The longest first: one long note dropped keeps the rest.
  const longestFirst = Object.keys(refusal.kept).sort((a, b) => refusal.kept[b]!.length - refusal.kept[a]!.length);
  for (const name of longestFirst) {
    if (encode(out).length <= MAX_VALUE_BYTES) break;
    out = { ...out, kept: Object.fromEntries(Object.entries(out.kept).filter(([k]) => k !== name)), dropped: [...(out.dropped ?? []), name] };
  }
  return out;
}

/** The refusal of the form at `place`, with what was typed in the fields it keeps. */
export function formRefusal(place: FormPlace, refusal: Omit<Refusal, 'form' | 'action' | 'kept'>, form: Record<string, string>): Refusal {
  const kept = Object.fromEntries((place.keep ?? []).flatMap((name) => (form[name] !== undefined ? [[name, form[name]]] : [])));
  return { ...refusal, form: place.form, action: place.action, kept };
}

/**
 * Answers a form's POST with a redirect to the page the form is on, carrying `refusal` for that page
 * (a cookie scoped to its path, signed for the session, that the page's next load takes).
 */
export function refuseTo(daemon: Daemon, reply: FastifyReply, session: Session, place: FormPlace, refusal: Omit<Refusal, 'form' | 'action' | 'kept'>, form: Record<string, string>): { redirect: string } {
  const path = pathOf(place.page);
  const body = encode(fitted(formRefusal(place, refusal, form)));
  void reply.setCookie(COOKIE, `${body}.${sign(session, path, body)}`, { ...sessionCookieOptions(daemon), path, maxAge: MAX_AGE_S });
  return { redirect: `${place.page}#${place.anchor ?? 'refused'}` };
}

function isRefusal(v: unknown): v is Refusal {
  if (!v || typeof v !== 'object') return false;
  const r = v as Record<string, unknown>;
  return typeof r.form === 'string' && typeof r.action === 'string' && typeof r.status === 'number' && typeof r.message === 'string'
    && (r.field === undefined || typeof r.field === 'string')
    && !!r.kept && typeof r.kept === 'object' && Object.values(r.kept).every((k) => typeof k === 'string')
    && (r.dropped === undefined || (Array.isArray(r.dropped) && r.dropped.every((d) => typeof d === 'string')));
}

/** The refusal carried to the page at `request`'s path for its session, taken (it shows once), or undefined. */
export function takeRefusal(daemon: Daemon, request: FastifyRequest, reply: FastifyReply, session: Session | undefined): Refusal | undefined {
  const raw = request.cookies?.[COOKIE];
  if (!raw || !session) return undefined;
  const path = pathOf(request.url);
  const [body = '', mac = ''] = raw.split('.');
  const expected = Buffer.from(sign(session, path, body));
  // A refusal for another page under this path (the incident page's, read from its review) stays for its page.
  if (mac.length !== expected.length || !timingSafeEqual(Buffer.from(mac), expected)) return undefined;
  void reply.clearCookie(COOKIE, { ...sessionCookieOptions(daemon), path });
  try {
    const parsed: unknown = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    return isRefusal(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** A form field a refusal may name: its element's id and label, for a link to it. */
export interface NamedField {
  id: string;
  label: string;
}

/**
 * The refusal as a page shows it: what was pressed, the field it names (a link to it), why; and the
 * typed fields that could not be carried back. `role="alert"` and the redirect's anchor bring it to
 * the person's attention where they land.
 */
export function refusalNotice(refusal: Refusal, fields: Readonly<Record<string, NamedField>> = {}, id = 'refused'): Html {
  const field = refusal.field !== undefined ? fields[refusal.field] : undefined;
  const dropped = (refusal.dropped ?? []).map((name) => fields[name]?.label ?? name);
  return html`<div class="notice error refused" role="alert" id="${id}" tabindex="-1"><p><strong>${refusal.action}</strong> was refused${field ? html` — <a href="#${field.id}">${field.label}</a>` : ''}: ${forTheWeb(refusal.message)}</p>${dropped.length
    ? html`<p>What you typed in ${dropped.join(', ')} was too long to bring back here and is not kept.</p>`
    : ''}</div>`;
}

/** A form's view of the refusal shown in it (none: every answer empty): its notice, what was typed, the field at fault marked. */
export interface RefusedFields {
  readonly notice: Html | '';
  /** What was typed in the field `name`. */
  typed(name: string): string | undefined;
  /** ` value="…"` with what was typed in the field `name`, or nothing. */
  value(name: string): Html | '';
  /** `aria-invalid` and `aria-describedby` on the element `elementId` when the refusal names its field, else nothing. */
  mark(elementId: string): Html | '';
}

/** The view of `refusal` for a form whose fields are `fields`, its notice with the element id `id`. */
export function refusedFields(refusal: Refusal | undefined, fields: Readonly<Record<string, NamedField>>, id = 'refused'): RefusedFields {
  const at = refusal?.field !== undefined ? fields[refusal.field]?.id : undefined;
  const typed = (name: string): string | undefined => refusal?.kept[name];
  return {
    notice: refusal ? refusalNotice(refusal, fields, id) : '',
    typed,
    value: (name) => {
      const v = typed(name);
      return v !== undefined ? html` value="${v}"` : '';
    },
    mark: (element) => (at !== undefined && element === at ? html` aria-invalid="true" aria-describedby="${id}"` : ''),
  };
}
