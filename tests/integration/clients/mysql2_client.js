#!/usr/bin/env node
// mysql2_client.js: run SQL with npm's mysql2 and print every result as one JSON line, in the
// same format as pymysql_client.py, so that direct and through-jitgate runs can be compared.
//
//   node mysql2_client.js --port P --user U (--password PW | --password-file F)
//        [--host 127.0.0.1] [--database DB] [--ssl | --ssl-ca FILE [--ssl-verify off]]
//        [--query | --execute] [--multi] [--hash-bytes] [--connect-timeout S] [STATEMENT ...]
//
// --query (default) sends COM_QUERY (text protocol); --execute uses connection.execute(), i.e.
// COM_STMT_PREPARE + COM_STMT_EXECUTE (binary protocol), which is how many applications and the
// MCP servers built on mysql2 talk. Statements come from the arguments, or else from stdin, one
// per non-empty line ("--" lines skipped). --multi sets multipleStatements (query mode only).
//
// Output lines: {"columns":[...],"rows":[[...]]} for a result set, {"ok":{"affected_rows":N,
// "insert_id":N}} otherwise. NULL -> null, DECIMAL/dates/times -> strings as the server sends
// them (dateStrings), integers -> numbers (strings only beyond 2^53), bytes -> {"hex":...} or
// with --hash-bytes {"sha256":...,"len":N}. On an error: "ERROR <code> (<sqlstate>): <message>"
// and exit status 1; errors from the client side (connect, TLS, connection lost) print HY000.
//
// No enableCleartextPlugin: mysql2 refuses mysql_clear_password by default, and the tests must
// see what an unmodified application sees (caching_sha2_password full authentication over TLS).
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

// Resolve mysql2 from tests/integration/node_modules wherever the script is started from.
const mysql = require(require.resolve('mysql2/promise', { paths: [path.join(__dirname, '..')] }));

function usage(msg) {
  process.stderr.write(`mysql2_client.js: ${msg}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const a = { host: '127.0.0.1', mode: 'query', sslVerify: 'on', connectTimeout: 10,
              statements: [] };
  const takes = { '--host': 'host', '--port': 'port', '--user': 'user', '--password': 'password',
                  '--password-file': 'passwordFile', '--database': 'database', '--ssl-ca': 'sslCa',
                  '--ssl-verify': 'sslVerify', '--connect-timeout': 'connectTimeout' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (takes[arg]) {
      if (i + 1 >= argv.length) usage(`${arg} needs a value`);
      a[takes[arg]] = argv[++i];
    } else if (arg === '--query') a.mode = 'query';
    else if (arg === '--execute') a.mode = 'execute';
    else if (arg === '--multi') a.multi = true;
    else if (arg === '--ssl') a.ssl = true;
    else if (arg === '--hash-bytes') a.hashBytes = true;
    else if (arg === '--') a.statements.push(...argv.slice(i + 1)), i = argv.length;
    else if (arg.startsWith('--')) usage(`unknown option ${arg}`);
    else a.statements.push(arg);
  }
  if (!a.port || !a.user) usage('--port and --user are required');
  if (a.passwordFile) a.password = fs.readFileSync(a.passwordFile, 'utf8').split(/\r?\n/)[0];
  if (a.password === undefined) usage('one of --password or --password-file is required');
  if (!['on', 'off'].includes(a.sslVerify)) usage('--ssl-verify is on or off');
  if (a.statements.length === 0) {
    a.statements = fs.readFileSync(0, 'utf8').split(/\r?\n/).map((l) => l.trim())
      .filter((l) => l && !l.startsWith('--'));
  }
  return a;
}

function toJson(v, hashBytes) {
  if (v === null || v === undefined) return null;
  if (Buffer.isBuffer(v)) {
    if (hashBytes) return { sha256: crypto.createHash('sha256').update(v).digest('hex'), len: v.length };
    return { hex: v.toString('hex') };
  }
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Date) return v.toISOString();   // not reached with dateStrings
  if (typeof v === 'object') return JSON.stringify(v);  // JSON columns
  return v;
}

function printOne(rows, fields, hashBytes) {
  let line;
  if (Array.isArray(rows) && Array.isArray(fields)) {
    line = { columns: fields.map((f) => f.name),
             rows: rows.map((r) => r.map((v) => toJson(v, hashBytes))) };
  } else {
    line = { ok: { affected_rows: rows.affectedRows, insert_id: rows.insertId || 0 } };
  }
  process.stdout.write(JSON.stringify(line) + '\n');
}

// mysql2 returns one result as (rows, fields) but several (multi-statements, CALL) as parallel
// arrays (results[i], fields[i]) where fields[i] is undefined for an OK packet.
function printResults(results, fields, hashBytes) {
  const multi = Array.isArray(fields) && fields.length > 0 &&
                (Array.isArray(fields[0]) || fields[0] === undefined);
  if (!multi) return printOne(results, fields, hashBytes);
  for (let i = 0; i < results.length; i++) printOne(results[i], fields[i], hashBytes);
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  let ssl;
  if (a.sslCa) {
    ssl = { ca: fs.readFileSync(a.sslCa, 'utf8'), rejectUnauthorized: a.sslVerify === 'on' };
  } else if (a.ssl) {
    ssl = { rejectUnauthorized: false };
  }
  let conn;
  try {
    conn = await mysql.createConnection({
      host: a.host, port: Number(a.port), user: a.user, password: a.password,
      database: a.database, ssl, multipleStatements: !!a.multi,
      connectTimeout: Number(a.connectTimeout) * 1000,
      rowsAsArray: true, dateStrings: true, supportBigNumbers: true, bigNumberStrings: false,
      charset: 'utf8mb4_general_ci',
    });
    for (const sql of a.statements) {
      const [results, fields] = a.mode === 'execute' ? await conn.execute(sql)
                                                      : await conn.query(sql);
      printResults(results, fields, a.hashBytes);
    }
    await conn.end();
    return 0;
  } catch (e) {
    const server = typeof e.errno === 'number' && e.errno > 0 && e.errno < 2000 && e.sqlState;
    const code = server ? e.errno
      : e.code === 'PROTOCOL_CONNECTION_LOST' ? 2013
      : e.code === 'ECONNREFUSED' ? 2003 : 2000;
    const state = server ? e.sqlState : 'HY000';
    const msg = e.sqlMessage || e.message || String(e);
    process.stdout.write(`ERROR ${code} (${state}): ${msg}\n`);
    if (conn) conn.destroy();
    return 1;
  }
}

main().then((rc) => { process.exitCode = rc; });
