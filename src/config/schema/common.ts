// The shared fields live in lib/ so check kinds can use them without importing config/.
export * from '../../lib/schema-fields.js';
