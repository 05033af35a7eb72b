/** One challenge of a WWW-Authenticate header: `Bearer realm="...",service="...",scope="..."`. */
export interface AuthChallenge {
  /** Lowercased: 'bearer', 'basic', ... */
  scheme: string;
  /** Parameter names lowercased, values unquoted. */
  params: Record<string, string>;
}

const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

/**
 * Parses WWW-Authenticate values (RFC 9110 §11.6.1): several challenges per header, quoted values
 * containing commas (Docker scopes do: `repository:a:pull,push`), and several headers.
 * A token68 credential (`Negotiate abc==`) is kept under the param name ''.
 */
export function parseChallenges(header: string | string[] | undefined): AuthChallenge[] {
  if (header === undefined) return [];
  const text = Array.isArray(header) ? header.join(', ') : header;
  const challenges: AuthChallenge[] = [];
  let i = 0;

  const skip = (chars: RegExp) => {
    while (i < text.length && chars.test(text[i] ?? '')) i += 1;
  };
  const readToken = (): string => {
    const start = i;
    while (i < text.length && TOKEN_CHAR.test(text[i] ?? '')) i += 1;
    return text.slice(start, i);
  };
  // Lenient: servers send bare URLs (`realm=https://...`), which are not RFC tokens.
  const readBare = (): string => {
    const start = i;
    while (i < text.length && !/[\s,]/.test(text[i] ?? '')) i += 1;
    return text.slice(start, i);
  };
  const readQuoted = (): string => {
    let value = '';
    i += 1; // opening quote
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\' && i + 1 < text.length) i += 1;
      value += text[i];
      i += 1;
    }
    i += 1; // closing quote
    return value;
  };

  while (i < text.length) {
    skip(/[\s,]/);
    const scheme = readToken();
    if (scheme === '') {
      i += 1; // not a token: skip the stray character
      continue;
    }
    const challenge: AuthChallenge = { scheme: scheme.toLowerCase(), params: {} };
    challenges.push(challenge);
    for (;;) {
      skip(/[\s,]/);
      const start = i;
      const name = readToken();
      skip(/\s/);
      if (name === '' || text[i] !== '=') {
        i = start; // the next challenge's scheme (or the end)
        break;
      }
      i += 1;
      if (text[i] === '=') {
        // token68 such as `abc==`: the name was the credential itself
        while (text[i] === '=') i += 1;
        challenge.params[''] = text.slice(start, i).trim();
        continue;
      }
      skip(/\s/);
      challenge.params[name.toLowerCase()] = text[i] === '"' ? readQuoted() : readBare();
    }
  }
  return challenges;
}
