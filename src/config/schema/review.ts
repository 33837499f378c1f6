import { z } from 'zod';

/** What opsbook can answer itself in a review section, from what it recorded. */
export const REVIEW_ANSWERS = ['detection', 'timeline', 'response_times', 'steps'] as const;

const reviewSection = z
  .strictObject({
    section: z.string().min(1).max(120).describe('The section heading in the review.'),
    answer: z
      .enum(REVIEW_ANSWERS)
      .optional()
      .describe('Filled by opsbook: detection (the alerts that opened the incident, when, and who acknowledged), timeline, response_times (acknowledge / mitigate / resolve against the severity target), steps (runbook steps run, with status).'),
    questions: z.array(z.string().min(1).max(500)).max(100).default([]).describe('Questions the responders answer; each is an open item (`- [ ]`) in the review.'),
    from_runbook: z
      .boolean()
      .default(false)
      .describe('Add the items of the Post-Incident list of the incident’s runbook procedure as open items (none when the incident has no runbook or the procedure has no such list).'),
  })
  .describe('One section of the post-incident review template.');

/** `review:` — the post-incident review template every generated review follows. */
export const reviewConfigSection = z
  .strictObject({
    template: z.array(reviewSection).max(50).default([]).describe('Sections added to every generated review, in this order; empty: the review has only its fixed parts.'),
  })
  .prefault({})
  .describe('The post-incident review: template sections, answered by opsbook where it knows the answer, else left as open items.');

export type ReviewConfig = z.output<typeof reviewConfigSection>;
export type ReviewTemplateSection = ReviewConfig['template'][number];
