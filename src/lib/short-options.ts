/**
 * Short options given together in one word, as getopt reads them: `-sSL` is `-s -S -L`, and a
 * letter that takes a value takes the rest of the word (`-XPOST`, `-sSuuser:pass`) or, when nothing
 * follows it, the next word.
 */

/**
 * curl's short options that take a value. Letters before the first of these in a group are flags;
 * that one takes the rest of the word, or the next word when nothing follows it.
 */
export const CURL_VALUE_LETTERS = 'AbcCdDeEFHKmoPQrtTuUwxXyYz';

/**
 * One word of short options as the words it stands for: `-sSL` → `-s -S -L`, `-sXPOST` →
 * `-s -X POST`, `-sH` → `-s -H` (its value is the next word). A word that is not a group (a long
 * option, a single option, `-`, an operand) comes back as it is.
 */
export function splitShortOptions(word: string, valueLetters: string): string[] {
  if (word.length <= 2 || word[0] !== '-' || word[1] === '-') return [word];
  const out: string[] = [];
  for (let j = 1; j < word.length; j++) {
    const letter = word[j]!;
    out.push(`-${letter}`);
    if (valueLetters.includes(letter)) {
      const rest = word.slice(j + 1);
      if (rest !== '') out.push(rest);
      break;
    }
  }
  return out;
}

/** Whether `word` is one short option (`-c`, as splitShortOptions gives it) whose value is the next word. */
export function takesValue(word: string, valueLetters: string): boolean {
  return word.length === 2 && word[0] === '-' && valueLetters.includes(word[1]!);
}

/** psql's short options that take a value (`-c`, `-d`, `-f`, `-h`, `-p`, `-U`, `-v`, …). */
export const PSQL_VALUE_LETTERS = 'cdfFhLoPpRTUv';
