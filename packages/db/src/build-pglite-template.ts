#!/usr/bin/env node
// `npm run build` runs this after compiling: PGlite's initdb once, into packages/db/dist/pglite-template.
import { buildTemplate, TEMPLATE_DIR } from './pglite-template.js';

const started = Date.now();
const outcome = await buildTemplate();
console.log(`@berth/db: PGlite template ${outcome === 'kept' ? 'up to date' : `made in ${Date.now() - started} ms`}: ${TEMPLATE_DIR}`);
