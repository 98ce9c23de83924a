// ajv's drafts and ajv-formats in one CommonJS file (dist/bundle/ajv.cjs, by scripts/bundle.mjs).
// src/schema/compile-schema.ts loads them with require() when a schema is first compiled: from
// their packages that took ~75 files, each resolved, read and compiled on its own (~55 ms of CPU
// per process that compiles a schema); from this one file, ~15 ms.
module.exports = {
  ajv: require('ajv'),
  ajv2019: require('ajv/dist/2019'),
  ajv2020: require('ajv/dist/2020'),
  formats: require('ajv-formats'),
};
