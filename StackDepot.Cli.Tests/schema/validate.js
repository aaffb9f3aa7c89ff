// Validates a JSON file against a JSON schema (draft-07) with ajv; used by the CLI tests for speedscope output.
// Usage: node validate.js SCHEMA FILE   -> exit 0 and "valid", or exit 1 and the errors.
'use strict';
const fs = require('fs');
const Ajv = require('ajv');

const [schemaPath, filePath] = process.argv.slice(2);
if (!schemaPath || !filePath) {
  console.error('usage: node validate.js SCHEMA FILE');
  process.exit(2);
}

const schema = JSON.parse(fs.readFileSync(schemaPath, 'utf8'));
const data = JSON.parse(fs.readFileSync(filePath, 'utf8'));
const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(schema);
if (validate(data)) {
  console.log('valid');
  process.exit(0);
}
console.log(JSON.stringify(validate.errors, null, 2));
process.exit(1);
