namespace Supervisor.Cli;

/// <summary>
/// Splits a line of a script or the shell: a call target, then JSON values separated by white space
/// (<c>notes:plugin/api.add "buy milk" [1, 2] {"a": 1}</c>). A value may also be wrapped in single quotes as on a
/// shell command line (<c>'"buy milk"'</c>), so a <c>supervisor call</c> line can be pasted without the word <c>call</c>;
/// a leading word <c>call</c> is accepted too. A call in WAVE syntax (<c>notes:plugin/api.add("buy milk")</c>, the target
/// followed at once by a parenthesis) is the whole line.
/// </summary>
internal static class ScriptLine
{
    /// <exception cref="FormatException">A value is not terminated.</exception>
    public static (string Target, List<string> Args) Split(string line)
    {
        if (WaveCall(line) is { } wave) return (wave, []);
        var tokens = new List<string>();
        var i = 0;
        while (true)
        {
            while (i < line.Length && char.IsWhiteSpace(line[i])) i++;
            if (i >= line.Length) break;
            var start = i;
            switch (line[i])
            {
                case '\'':
                {
                    var end = line.IndexOf('\'', i + 1);
                    if (end < 0) throw new FormatException($"argument {tokens.Count} has an unterminated single quote: {line[start..]}");
                    tokens.Add(line[(i + 1)..end]);
                    i = end + 1;
                    continue;
                }
                case '"':
                    i = SkipString(line, i, tokens.Count);
                    break;
                case '[':
                case '{':
                {
                    var depth = 0;
                    while (true)
                    {
                        if (i >= line.Length) throw new FormatException($"argument {tokens.Count} is missing a closing bracket: {line[start..]}");
                        var c = line[i];
                        if (c == '"')
                        {
                            i = SkipString(line, i, tokens.Count);
                            continue;
                        }
                        if (c is '[' or '{') depth++;
                        else if (c is ']' or '}') depth--;
                        i++;
                        if (depth == 0) break;
                    }
                    break;
                }
                default:
                    while (i < line.Length && !char.IsWhiteSpace(line[i])) i++;
                    break;
            }
            tokens.Add(line[start..i]);
        }
        if (tokens.Count > 0 && tokens[0] == "call") tokens.RemoveAt(0);
        if (tokens.Count == 0) throw new FormatException("a line needs a call target: <service>:<plugin>/<interface>.<function> [JSON ARG ...]");
        return (tokens[0], tokens.Skip(1).ToList());
    }

    /// <summary>The line as a WAVE call (without a leading <c>call</c> or the single quotes of a pasted shell word), or null.</summary>
    private static string? WaveCall(string line)
    {
        var text = line.Trim();
        if (text.StartsWith("call", StringComparison.Ordinal) && text.Length > 4 && char.IsWhiteSpace(text[4])) text = text[4..].TrimStart();
        if (text.Length > 1 && text[0] == '\'' && text[^1] == '\'') text = text[1..^1].Trim();
        var paren = text.IndexOf('(');
        var space = text.IndexOfAny([' ', '\t']);
        return paren > 0 && (space < 0 || paren < space) ? text : null;
    }

    /// <summary>The index just after the JSON string starting at <paramref name="i"/>.</summary>
    private static int SkipString(string line, int i, int index)
    {
        var start = i;
        i++;
        while (i < line.Length)
        {
            if (line[i] == '\\') i += 2;
            else if (line[i] == '"') return i + 1;
            else i++;
        }
        throw new FormatException($"argument {index} has an unterminated string: {line[start..]}");
    }
}
