/**
 * SkyWalking's path globs (SW_TRACE_IGNORE_PATH / `trace.ignore_path`) turned into RegExp source:
 * `?` is one character other than '/', `*` a run of them, `**` any number of path parts.
 */

const SPECIAL = /[.*+?^${}()|[\]\\/]/g;

function escape(text: string): string {
  return text.replace(SPECIAL, '\\$&');
}

/**
 * RegExp source (no anchors) for one glob. `/api/**` matches `/api` and everything below it,
 * `/a/**\/b` matches `/a/b` and `/a/x/y/b`, `**\/x` matches `x` at any depth.
 * `?` and `*` also stop at '?', so a query string after the path never matches them.
 */
export function globToRegExpSource(glob: string): string {
  let out = '';
  let literal = '';
  const n = glob.length;
  for (let i = 0; i < n; i++) {
    const c = glob[i];
    if (c !== '*' && c !== '?') {
      literal += c;
      continue;
    }
    if (c === '?') {
      out += escape(literal) + '[^/?]';
      literal = '';
      continue;
    }
    if (glob[i + 1] !== '*') {
      out += escape(literal) + '[^/?]*';
      literal = '';
      continue;
    }
    // `**`: swallow any further stars, then pick the form that fits where it stands.
    let end = i + 2;
    while (glob[end] === '*') end++;
    const afterSlash = literal.endsWith('/') || i === 0;
    const beforeSlash = glob[end] === '/';
    if (afterSlash && end === n) {
      // trailing `/**`: the directory itself or anything below it
      if (literal.endsWith('/')) out += escape(literal.slice(0, -1)) + '(?:/[^?]*)?';
      else out += escape(literal) + '[^?]*';
      literal = '';
      i = end - 1;
    } else if (afterSlash && beforeSlash) {
      // `/**/` or leading `**/`: zero or more whole parts
      out += escape(literal) + '(?:[^/?]*/)*';
      literal = '';
      i = end; // also consume the '/'
    } else {
      out += escape(literal) + '[^?]*';
      literal = '';
      i = end - 1;
    }
  }
  return out + escape(literal);
}
