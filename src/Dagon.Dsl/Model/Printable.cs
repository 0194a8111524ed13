using System.Text;

namespace Dagon.Model;

/// <summary>
/// Text from a workflow shown in messages and logs: control characters (newline, ESC, ...) are written as escapes, so
/// a name or a command can never rewrite the terminal or forge a log line.
/// </summary>
public static class Printable
{
    public static string Escape(string text)
    {
        if (!text.Any(char.IsControl)) return text;
        var builder = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            if (!char.IsControl(c)) builder.Append(c);
            else if (c == '\n') builder.Append("\\n");
            else if (c == '\t') builder.Append("\\t");
            else if (c == '\r') builder.Append("\\r");
            else builder.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
        }

        return builder.ToString();
    }
}
