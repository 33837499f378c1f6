// The parser lives with the sample store, which scrapes too; checks read it from there.
export { parseExposition, type Exposition, type Sample } from '../../../samples/index.js';
