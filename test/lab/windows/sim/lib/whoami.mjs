// whoami.exe of the simulated Windows host (Microsoft Learn, windows-commands/whoami):
// whoami, whoami /user, whoami /groups, each with /fo table|list|csv and /nh. The session is
// elevated (BUILTIN\Administrators enabled, Mandatory Label\High Mandatory Level S-1-16-12288)
// when host.json's currentAccount is an Administrator or is listed in adminAccounts;
// otherwise Administrators is "Group used for deny only" at Medium Mandatory Level S-1-16-8192.
import { exitWith, host, resolveAccount } from './winsim.mjs';

function fail(text) {
  process.stderr.write(`ERROR: ${text}\nType "WHOAMI /?" for usage.\n`);
  exitWith(1);
}

// Administrator as the http.sys simulation decides it (sim/httpsys/state.mjs isAdmin): the
// account is listed in adminAccounts, or is a machine's or domain's Administrator.
function elevated(h) {
  const admins = (h.adminAccounts ?? []).map((a) => a.toLowerCase());
  const current = h.currentAccount.toLowerCase();
  const short = current.split('\\').pop();
  return short === 'administrator' || admins.includes(current) || admins.includes(short);
}

function userSid(h) {
  if (/\\administrator$/i.test(h.currentAccount))
    return 'S-1-5-21-1004336348-1177238915-682003330-500';
  return resolveAccount(h.currentAccount)?.sid ?? 'S-1-5-21-1004336348-1177238915-682003330-1001';
}

function groups(h) {
  const admin = elevated(h);
  const on = 'Mandatory group, Enabled by default, Enabled group';
  return [
    ['Everyone', 'Well-known group', 'S-1-1-0', on],
    [
      'BUILTIN\\Administrators',
      'Alias',
      'S-1-5-32-544',
      admin ? `${on}, Group owner` : 'Group used for deny only',
    ],
    ['BUILTIN\\Users', 'Alias', 'S-1-5-32-545', on],
    ['NT AUTHORITY\\NETWORK', 'Well-known group', 'S-1-5-2', on],
    ['NT AUTHORITY\\Authenticated Users', 'Well-known group', 'S-1-5-11', on],
    ['NT AUTHORITY\\This Organization', 'Well-known group', 'S-1-5-15', on],
    ['NT AUTHORITY\\NTLM Authentication', 'Well-known group', 'S-1-5-64-10', on],
    admin
      ? ['Mandatory Label\\High Mandatory Level', 'Label', 'S-1-16-12288', '']
      : ['Mandatory Label\\Medium Mandatory Level', 'Label', 'S-1-16-8192', ''],
  ];
}

function render(title, headers, rows, format, noHeader) {
  if (format === 'csv') {
    const line = (cells) => cells.map((c) => `"${c}"`).join(',');
    return [...(noHeader ? [] : [line(headers)]), ...rows.map(line)].join('\r\n') + '\r\n';
  }
  if (format === 'list') {
    const width = Math.max(...headers.map((x) => x.length)) + 2;
    return (
      '\r\n' +
      rows
        .map((r) => r.map((c, i) => `${`${headers[i]}:`.padEnd(width)}${c}`).join('\r\n'))
        .join('\r\n\r\n') +
      '\r\n'
    );
  }
  const widths = headers.map((x, i) => Math.max(x.length, ...rows.map((r) => r[i].length)));
  const line = (cells) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join(' ')
      .trimEnd();
  const head = noHeader ? [] : [line(headers), widths.map((w) => '='.repeat(w)).join(' ')];
  return (
    `\r\n${title}\r\n${'-'.repeat(title.length)}\r\n\r\n` +
    [...head, ...rows.map(line)].join('\r\n') +
    '\r\n'
  );
}

function main(argv) {
  const h = host();
  const opts = argv.map((a) => a.toLowerCase().replace(/^-/, '/'));
  let format = 'table';
  let noHeader = false;
  let what = 'name';
  for (let i = 0; i < opts.length; i++) {
    const o = opts[i];
    if (o === '/fo') {
      format = opts[++i] ?? '';
      if (!['table', 'list', 'csv'].includes(format))
        fail(`Invalid value '${argv[i] ?? ''}' has been specified for the option '/FO'.`);
    } else if (o === '/nh') noHeader = true;
    else if (o === '/user' || o === '/groups' || o === '/upn' || o === '/fqdn' || o === '/priv')
      what = o.slice(1);
    else fail(`Invalid argument/option - '${argv[i]}'.`);
  }
  const name = h.currentAccount.toLowerCase();
  if (what === 'name') return process.stdout.write(`${name}\r\n`);
  if (what === 'user')
    return process.stdout.write(
      render('USER INFORMATION', ['User Name', 'SID'], [[name, userSid(h)]], format, noHeader),
    );
  if (what === 'groups')
    return process.stdout.write(
      render(
        'GROUP INFORMATION',
        ['Group Name', 'Type', 'SID', 'Attributes'],
        groups(h),
        format,
        noHeader,
      ),
    );
  fail(`Unable to get the ${what} of the current user: not simulated.`);
}

main(process.argv.slice(2));
