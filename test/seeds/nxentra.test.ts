/** Seed 000 (Nxentra): every row of the requirements list has a line in docs/seeds/nxentra.md that holds. */
import { describeSeedCoverage } from './coverage.js';

describeSeedCoverage({ system: 'nxentra', seed: '000' });
