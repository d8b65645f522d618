#!/usr/bin/env node
// Lint Cypher statements with Neo4j's language service (@neo4j-cypher/language-support).
//
// stdin:  {"statements": {"name": "cypher text", ...}, "labels": [...], "relationshipTypes": [...]}
// stdout: {"version": "...", "diagnostics": {"name": [{"severity": "error"|"warning"|...,
//          "message", "line", "column"}, ...], ...}}
//
// The schema given to the linter holds the caller's labels and relationship types (so a
// misspelt label in a MATCH is reported) and Neo4j's built-in functions and procedures for
// Cypher 5 (so an unknown function or procedure is reported). The function and procedure
// lists are the ones the package ships as its test schema, dumped from a real Neo4j server;
// APOC's are removed because powermap targets a plain Neo4j without plugins.
// The statements are shared out over worker threads, one per core (at most 4).
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { Worker, isMainThread, parentPort, workerData } = require('worker_threads');

const SEVERITY = { 1: 'error', 2: 'warning', 3: 'information', 4: 'hint' };

function lintAll(statements, labels, relationshipTypes) {
  const { lintCypherQuery, testData } = require('@neo4j-cypher/language-support');
  const builtins = (byVersion) => Object.fromEntries(Object.entries(byVersion || {}).map(
    ([version, entries]) => [version, Object.fromEntries(
      Object.entries(entries).filter(([name]) => !name.startsWith('apoc.')))]));
  const schema = {
    labels,
    relationshipTypes,
    functions: builtins(testData.mockSchema.functions),
    procedures: builtins(testData.mockSchema.procedures),
  };
  const out = {};
  for (const [name, text] of statements) {
    out[name] = lintCypherQuery(text, schema, false).map((d) => ({
      severity: SEVERITY[d.severity] || String(d.severity),
      message: d.message,
      line: d.range.start.line + 1,
      column: d.range.start.character + 1,
    }));
  }
  return out;
}

async function main() {
  const input = JSON.parse(fs.readFileSync(0, 'utf8'));
  const entries = Object.entries(input.statements);
  const n = Math.max(1, Math.min(os.cpus().length, 4, entries.length));
  const chunks = Array.from({ length: n }, (_, i) => entries.filter((_, j) => j % n === i));
  const results = await Promise.all(chunks.map((chunk) => new Promise((resolve, reject) => {
    const worker = new Worker(__filename, {
      workerData: { statements: chunk, labels: input.labels || [],
                    relationshipTypes: input.relationshipTypes || [] } });
    worker.once('message', resolve);
    worker.once('error', reject);
  })));
  const diagnostics = {};
  for (const [name] of entries) {
    diagnostics[name] = results.find((r) => name in r)[name];
  }
  const pkg = JSON.parse(fs.readFileSync(
    path.join(__dirname, 'node_modules', '@neo4j-cypher', 'language-support', 'package.json'), 'utf8'));
  process.stdout.write(JSON.stringify({ version: pkg.version, diagnostics }) + '\n');
}

if (isMainThread) {
  main().catch((err) => { console.error(err); process.exit(1); });
} else {
  parentPort.postMessage(lintAll(workerData.statements, workerData.labels, workerData.relationshipTypes));
}
