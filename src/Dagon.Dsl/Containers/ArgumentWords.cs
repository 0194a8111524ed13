using System.Text;

namespace Dagon.Containers;

/// <summary>
/// Splits a line into argv words the one way the engine does it (<c>[apptainer] run_options</c>, a runscript task's
/// command): white space separates words, and '...' or "..." keep white space inside a word. Nothing else is special:
/// no <c>$</c> expansion, no globbing, no backslash escapes, so a word means what it says on every place.
/// </summary>
public static class ArgumentWords
{
    public static IReadOnlyList<string> Split(string? line)
    {
        var words = new List<string>();
        if (string.IsNullOrWhiteSpace(line)) return words;
        var word = new StringBuilder();
        var inWord = false;
        char quote = '\0';
        foreach (var c in line)
        {
            if (quote != '\0')
            {
                if (c == quote) quote = '\0';
                else word.Append(c);
            }
            else if (c is '\'' or '"')
            {
                quote = c;
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord) words.Add(word.ToString());
                word.Clear();
                inWord = false;
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }

        if (quote != '\0') throw new FormatException($"unterminated {quote} quote in '{line}'");
        if (inWord) words.Add(word.ToString());
        return words;
    }
}
