/**
 * `npm run staff -- <command>`: staff accounts from the command line, for the first admin and
 * for emergencies (all admins locked out). Commands:
 *
 *   create-admin <login> [--one-time] [--password-stdin]
 *       Without options on a terminal, asks for the password twice (not echoed); with
 *       --one-time (or when stdin is not a terminal) prints a one-time password that must be
 *       changed at first sign-in; --password-stdin reads the password from the first line of stdin.
 *   reset-password <login>   prints a new one-time password; the account's sessions end.
 *   disable <login> | enable <login>
 *   list
 *
 * Every change is audited (via "cli"). Never prints or logs anything but logins and roles.
 */
import { loadConfigOrExit, openDatabaseOrExit } from '../entry.ts';
import { systemClock } from '../clock.ts';
import { AccountError, createAccount, findAccount, listAccounts, resetPassword, setAccountDisabled } from '../staff/accounts.ts';

const usage = 'usage: npm run staff -- create-admin <login> [--one-time | --password-stdin] | reset-password <login> | disable <login> | enable <login> | list';
const [command, login, ...options] = process.argv.slice(2);
if (!command || (command !== 'list' && !login)) {
  process.stderr.write(`${usage}\n`);
  process.exit(2);
}

// The command needs no LINE channel; placeholders keep the shared validation usable.
const config = loadConfigOrExit({ LINE_CHANNEL_SECRET: '-', LINE_CHANNEL_ACCESS_TOKEN: '-' }, 2);
const now = config.CLOCK_START ?? systemClock.now();
const db = await openDatabaseOrExit(config, 2);
const who = { actor: null, via: 'cli' as const };
let code = 0;
try {
  if (command === 'create-admin') {
    const password = options.includes('--password-stdin')
      ? await readLine()
      : options.includes('--one-time') || !process.stdin.isTTY
        ? undefined
        : await askTwice();
    const created = await createAccount(db.prisma, { login: login ?? '', role: 'admin', ...(password !== undefined ? { password } : {}) }, who, now);
    process.stdout.write(`created admin "${created.account.login}"\n`);
    if (created.oneTimePassword)
      process.stdout.write(`one-time password: ${created.oneTimePassword}\n(sign in at /staff/login and choose a new password; it is not shown again)\n`);
  } else if (command === 'reset-password' || command === 'disable' || command === 'enable') {
    const account = await findAccount(db.prisma, { login: login ?? '' });
    if (!account) throw new AccountError(`no account "${login}"`);
    if (command === 'reset-password') {
      const reset = await resetPassword(db.prisma, account.id, who, now);
      process.stdout.write(`one-time password for "${reset.login}": ${reset.oneTimePassword}\n`);
    } else {
      const { changed } = await setAccountDisabled(db.prisma, account.id, command === 'disable', who, now);
      process.stdout.write(`${changed ? (command === 'disable' ? 'disabled' : 'enabled') : 'unchanged'}: "${account.login}"\n`);
    }
  } else if (command === 'list') {
    for (const a of await listAccounts(db.prisma)) process.stdout.write(`${a.login}\t${a.role}\t${a.disabledAt ? 'disabled' : 'enabled'}\n`);
  } else {
    process.stderr.write(`${usage}\n`);
    code = 2;
  }
} catch (error) {
  if (!(error instanceof AccountError)) throw error;
  process.stderr.write(`${error.message}\n`);
  code = 1;
} finally {
  await db.close();
}
// Exit explicitly: the WebAssembly schema engine leaves a timer behind.
process.exit(code);

async function readLine(): Promise<string> {
  let data = '';
  for await (const chunk of process.stdin) {
    data += String(chunk);
    if (data.includes('\n')) break;
  }
  return data.split(/\r?\n/)[0] ?? '';
}

async function askHidden(prompt: string): Promise<string> {
  process.stdout.write(prompt);
  process.stdin.setRawMode(true);
  process.stdin.resume();
  let typed = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          process.stdin.setRawMode(false);
          process.stdin.pause();
          process.stdin.off('data', onData);
          process.stdout.write('\n');
          resolve(typed);
          return;
        }
        if (ch === '\u0003') {
          process.stdin.setRawMode(false);
          reject(new AccountError('cancelled'));
          return;
        }
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
        else typed += ch;
      }
    };
    process.stdin.on('data', onData);
  });
}

async function askTwice(): Promise<string> {
  const first = await askHidden('password (12 characters or more): ');
  const second = await askHidden('again: ');
  if (first !== second) throw new AccountError('the passwords differ; nothing was created');
  return first;
}
