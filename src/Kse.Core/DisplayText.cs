using System.Globalization;
using System.Text;

namespace Kse.Core;

/// <summary>
/// Text written by an AI, a feedback sender or a program is data when a human reads it: control characters (escape sequences
/// that move the cursor, recolour, retitle the terminal; carriage returns that overwrite a line; newlines that invent one) and
/// the Unicode controls that reorder or hide text are shown as visible escapes like <c>\u001b</c>, never interpreted.
/// The one helper the command line and the approval page use.
/// </summary>
public static class DisplayText
{
    /// <summary>One field (a reason, a requester, arguments): every control character is escaped, newlines and tabs included.</summary>
    public static string Field(string? text) => Escape(text, keepLayout: false);

    /// <summary>Output that has its own lines (a program's stdout, a multi-line message): newlines and tabs stay, every other control character is escaped.</summary>
    public static string Lines(string? text) => Escape(text, keepLayout: true);

    /// <summary>Whether <paramref name="c"/> is shown escaped: C0 and C1 controls, DEL, and bidirectional/invisible formatting characters.</summary>
    public static bool IsUnsafe(char c) =>
        char.IsControl(c)
        || c is '\u200B' or '\u200E' or '\u200F' or '\u2028' or '\u2029' or '\u061C' or '\uFEFF'
        || c is >= '\u202A' and <= '\u202E'
        || c is >= '\u2066' and <= '\u2069';

    private static string Escape(string? text, bool keepLayout)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? "";
        }

        var i = 0;
        while (i < text.Length && (!IsUnsafe(text[i]) || (keepLayout && text[i] is '\n' or '\t')))
        {
            i++;
        }

        if (i == text.Length)
        {
            return text;
        }

        var sb = new StringBuilder(text.Length + 16);
        sb.Append(text, 0, i);
        for (; i < text.Length; i++)
        {
            var c = text[i];
            if (!IsUnsafe(c) || (keepLayout && c is '\n' or '\t'))
            {
                sb.Append(c);
                continue;
            }

            // A CRLF in line-preserving output is a line end, not an overwrite.
            if (keepLayout && c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                continue;
            }

            sb.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
            });
        }

        return sb.ToString();
    }
}

/// <summary>A writer that passes everything through <see cref="DisplayText.Lines"/>: whatever a command prints reaches the terminal without live control characters.</summary>
public sealed class VisibleTextWriter(TextWriter inner) : TextWriter
{
    public override Encoding Encoding => inner.Encoding;

    public override IFormatProvider FormatProvider => inner.FormatProvider;

    public override string NewLine
    {
        get => inner.NewLine;
#pragma warning disable CS8765 // matches the base's nullability
        set => inner.NewLine = value;
#pragma warning restore CS8765
    }

    public override void Write(char value)
    {
        if (value is '\n' or '\t' || !DisplayText.IsUnsafe(value))
        {
            inner.Write(value);
        }
        else
        {
            inner.Write(DisplayText.Field(value.ToString()));
        }
    }

    public override void Write(string? value) => inner.Write(DisplayText.Lines(value));

    public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

    public override void WriteLine(string? value) => inner.WriteLine(DisplayText.Lines(value));

    public override Task WriteAsync(string? value) => inner.WriteAsync(DisplayText.Lines(value));

    public override Task WriteLineAsync(string? value) => inner.WriteLineAsync(DisplayText.Lines(value));

    public override Task WriteAsync(char value) => WriteAsync(value.ToString());

    public override void Flush() => inner.Flush();

    public override Task FlushAsync() => inner.FlushAsync();
}
