/** Seed 001 (NovaPulse): every row of the requirements list has a line in docs/seeds/novapulse.md that holds. */
import { describeSeedCoverage } from './coverage.js';

describeSeedCoverage({ system: 'novapulse', seed: '001' });
