import { aclGrants, REDIS_USERS } from './redis-acl.js';

const BEGIN = '<!-- redis-acl:begin -->';
const END = '<!-- redis-acl:end -->';

/**
 * The grants of every Redis user as Markdown tables, for the default key prefix: the
 * section of docs/security.md between the redis-acl markers (`pnpm docs:acl` writes it, a
 * test keeps it current).
 */
export function renderAclDocs(): string {
  const lines = [
    BEGIN,
    '<!-- Generated from services/core/src/redis/redis-acl.ts by `pnpm docs:acl`. Do not edit by hand. -->',
    '<!-- prettier-ignore-start -->',
  ];
  for (const user of REDIS_USERS) {
    lines.push('', `#### ${user}`, '');
    lines.push('| for | commands | keys (`R` read, `W` write) | channels |');
    lines.push('| --- | --- | --- | --- |');
    for (const grant of aclGrants(user, 'ei:')) {
      const commands = grant.commands.map((c) => `\`${c.toUpperCase().replace('|', ' ')}\``);
      const keys = (grant.keys ?? []).map(({ pattern, access }) => `${access} \`${pattern}\``);
      const channels = (grant.channels ?? []).map((channel) => `\`${channel}\``);
      lines.push(
        `| ${grant.purpose} | ${commands.join(' ')} | ${keys.join(', ')} | ${channels.join(', ')} |`,
      );
    }
  }
  lines.push('', '<!-- prettier-ignore-end -->', END);
  return lines.join('\n');
}

/** `document` with its redis-acl section replaced by the current one. */
export function withAclDocs(document: string): string {
  const begin = document.indexOf(BEGIN);
  const end = document.indexOf(END);
  if (begin < 0 || end < begin) throw new Error(`no ${BEGIN} … ${END} section in the document`);
  return document.slice(0, begin) + renderAclDocs() + document.slice(end + END.length);
}
