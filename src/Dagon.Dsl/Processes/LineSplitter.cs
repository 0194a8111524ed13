using System.Text;

namespace Dagon.Processes;

/// <summary>
/// Cuts a byte stream into lines for people to read, in bounded memory whatever the program prints: a line longer
/// than <see cref="MaxLineBytes"/> (a 300 MB line without a newline, say) is handed on in pieces of that size.
/// The byte-exact copy goes to the log file; this is only what scrolls past.
/// </summary>
public sealed class LineSplitter(Action<string> onLine)
{
    public const int MaxLineBytes = 16 * 1024;

    private readonly byte[] _pending = new byte[MaxLineBytes];
    private int _length;

    public void Write(ReadOnlySpan<byte> data)
    {
        while (data.Length > 0)
        {
            var newline = data.IndexOf((byte)'\n');
            var take = newline < 0 ? data.Length : newline;
            while (take > 0)
            {
                var room = Math.Min(take, MaxLineBytes - _length);
                data[..room].CopyTo(_pending.AsSpan(_length));
                _length += room;
                data = data[room..];
                take -= room;
                if (_length == MaxLineBytes) Emit();
            }

            if (newline < 0) return;
            Emit();
            data = data[1..];
        }
    }

    /// <summary>Hands on what is left when the stream ends without a final newline.</summary>
    public void Flush()
    {
        if (_length > 0) Emit();
    }

    private void Emit()
    {
        var length = _length > 0 && _pending[_length - 1] == '\r' ? _length - 1 : _length;
        _length = 0;
        onLine(Encoding.UTF8.GetString(_pending, 0, length));
    }
}
