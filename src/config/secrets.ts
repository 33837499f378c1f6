/** The config's credentials and their masking: see lib/secrets.ts, shared with the checks. */
export { configSecrets, holdEnvSecrets, isCredentialHeader, looksLikeCredential, maskSecrets, secretForms, urlPasswords, urlQuerySecrets, writtenSecrets, maskWritten, MASK, MIN_SECRET_LENGTH } from '../lib/secrets.js';
