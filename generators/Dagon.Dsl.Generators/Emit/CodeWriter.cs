using System.Text;

namespace Dagon.Dsl.Generators.Emit;

/// <summary>Indented text with '\n' line endings on every platform, so snapshots compare byte for byte.</summary>
internal sealed class CodeWriter
{
    private readonly StringBuilder _text = new StringBuilder();

    public int Indent { get; set; }

    public void Line(string line = "")
    {
        if (line.Length > 0) _text.Append(' ', Indent * 4).Append(line);
        _text.Append('\n');
    }

    public void Open()
    {
        Line("{");
        Indent++;
    }

    public void Close()
    {
        Indent--;
        Line("}");
    }

    public override string ToString() => _text.ToString();
}
