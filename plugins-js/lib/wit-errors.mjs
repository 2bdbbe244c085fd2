// Puts a WIT error where the author can find it. The WIT parser inside componentize-js (and
// jco) reports the message without its place ("expected ';', found '}'", "name `strin` does not
// exist") and names the folder it was given, which for a build is a scratch copy. This finds the
// author's file, line and column:
// - a syntax error: the file whose own text fails with the same message; the shortest prefix of
//   it that still fails that way ends at the offending token (the parser stops at its first error,
//   and a shorter prefix fails at its end instead);
// - an error that names something (`strin`, 'clientdata:plugn'): the first place the author's
//   files spell that name, outside comments.


/** The innermost cause of a wit-parser error chain ("Caused by: ... 1: <this>"). */
export function rootCause(message) {
  const lines = String(message).split('\n').map((l) => l.trim());
  const causes = lines.filter((l) => /^\d+: /.test(l)).map((l) => l.replace(/^\d+: /, ''));
  if (causes.length) return causes[causes.length - 1];
  return lines.find((l) => l.length > 0 && !l.startsWith('at ')) ?? String(message);
}

async function parseError(text) {
  const { componentEmbed } = await import('@bytecodealliance/jco');
  try {
    await componentEmbed({ dummy: true, witSource: text });
    return null;
  } catch (e) {
    return rootCause(e?.message ?? e);
  }
}

/** Comments blanked out (same length, newlines kept), so offsets stay those of the file. */
function blankComments(text) {
  return text.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, (c) => c.replace(/[^\n]/g, ' '));
}

function place(file, offset) {
  const before = file.text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - (before.lastIndexOf('\n') + 1) + 1;
  return { path: file.path, line, column, lineText: file.text.split('\n')[line - 1] ?? '' };
}

/**
 * Where in `files` ([{path, text}], the author's own .wit files) the WIT error `message`
 * is, as {path, line, column, lineText}, or null when it cannot be told.
 */
export async function locateWitError(message, files) {
  const cause = rootCause(message);
  // An error that names something the author wrote: where it is spelt first.
  const names = [...cause.matchAll(/`([^`]+)`|'([^']+)'/g)].map((m) => m[1] ?? m[2]).filter((n) => /^[A-Za-z0-9_%:/@.-]+$/.test(n));
  let named = null;
  for (const name of names) {
    const escaped = name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    const word = new RegExp(`(?<![A-Za-z0-9_%-])%?${escaped}(?![A-Za-z0-9_-])`);
    for (const file of files) {
      const m = blankComments(file.text).match(word);
      if (m && !named) named = place(file, m.index);
    }
  }
  for (const file of files) {
    if ((await parseError(file.text)) !== cause) continue;
    let lo = 0; // a prefix of this length does not fail with `cause`
    let hi = file.text.length; // this one does
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if ((await parseError(file.text.slice(0, mid))) === cause) hi = mid;
      else lo = mid;
    }
    // Only the whole file fails that way: not a syntax error at a token (a name that does not
    // resolve fails once everything is read), so the name's place is the better answer.
    if (hi >= file.text.trimEnd().length && named) return named;
    // The offending token ends at `hi`: a word, or one punctuation character.
    let start = hi - 1;
    while (start > 0 && /[A-Za-z0-9_%-]/.test(file.text[start - 1]) && /[A-Za-z0-9_%-]/.test(file.text[hi - 1])) start--;
    return place(file, start);
  }
  return named;
}
