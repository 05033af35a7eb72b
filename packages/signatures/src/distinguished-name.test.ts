import { describe, expect, it } from '@jest/globals';
import { certificateSubject, formatDistinguishedName, parseDistinguishedName, subjectMatches } from './distinguished-name.js';

describe('distinguished names', () => {
  it('parses RFC 4514 style names, order and spacing aside, with escaped separators', () => {
    const name = parseDistinguishedName(' CN=team ,O=Acme\\, Inc.; c=US+ST=WA');
    expect(name && formatDistinguishedName(name)).toBe('CN=team, O=Acme, Inc., C=US, ST=WA');
  });

  it('reads the subject as Node prints it', () => {
    const name = certificateSubject({ subject: 'C=US\nST=WA\nO=Acme\\, Inc.\nCN=team + OU=ci' });
    expect(name && formatDistinguishedName(name)).toBe('C=US, ST=WA, O=Acme, Inc., CN=team, OU=ci');
  });

  it('matches when every trusted attribute is in the subject with the same value', () => {
    const subject = certificateSubject({ subject: 'C=US\nST=WA\nL=Seattle\nO=Notary\nCN=team' })!;
    expect(subjectMatches(parseDistinguishedName('CN=team, C=US, O=Notary')!, subject)).toBe(true);
    expect(subjectMatches(parseDistinguishedName('CN=Team, C=US')!, subject)).toBe(false);
    expect(subjectMatches(parseDistinguishedName('CN=team, OU=ci')!, subject)).toBe(false);
  });

  it.each(['', 'CN', '=team', 'CN=', 'CN=a, CN=b'])('refuses %j', (text) => {
    expect(parseDistinguishedName(text)).toBeUndefined();
  });
});
