import { describe, expect, it } from 'vitest';
import { parseRunbook } from '../index.js';

// Found by the property test: a command named after an Object.prototype member (`toString`)
// found the prototype's function in a program table and crashed the classifier.
describe('classifying words that are Object.prototype members', () => {
  const words = ['toString', 'constructor', 'hasOwnProperty', 'valueOf', '__proto__'];
  const lines = words.flatMap((w) => [w, `kubectl ${w} pods`, `kubectl rollout ${w} x`, `docker ${w} x`, `python manage.py ${w}`, `celery -A app ${w}`, `redis-cli ${w} key`]);
  for (const line of lines) {
    it(`classifies "${line}" as unknown without throwing`, () => {
      const rb = parseRunbook(`\`\`\`bash\n${line}\n\`\`\`\n`, { file: 'x.md' });
      expect(rb.blocks).toHaveLength(1);
      expect(rb.blocks[0]!.effect).toBe('unknown');
    });
  }
});
