// change_user.js PORT TOKENFILE CA: tries COM_CHANGE_USER through jitgate (mysql2's changeUser),
// prints the error as "ERROR code (sqlstate): message", then shows the session still answers.
'use strict';
const mysql = require('mysql2');
const fs = require('fs');

const [port, tokenFile, ca] = process.argv.slice(2);
const c = mysql.createConnection({
  host: '127.0.0.1', port: Number(port), user: 'agent',
  password: fs.readFileSync(tokenFile, 'utf8').trim(), ssl: { ca: fs.readFileSync(ca) },
});
c.changeUser({ user: 'root', password: '' }, (err) => {
  console.log(err ? `ERROR ${err.errno} (${err.sqlState}): ${err.sqlMessage}` : 'changed');
  c.query('SELECT 1 AS one', (err2, rows) => {
    console.log(err2 ? `after: ERROR ${err2.errno}` : `after: ${rows[0].one}`);
    c.destroy();
  });
});
