// `node --import ./register.mjs …`: names every file module the process loads on stderr.
import { register } from 'node:module';

register(new URL('./hooks.mjs', import.meta.url));
