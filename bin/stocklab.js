#!/usr/bin/env node
'use strict';
// The CLI is compiled from src/cli by `npm run build` (run by npm install's prepare step).
require('../dist/src/cli/main').main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
