using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Kse.Core.Feedback;

/// <summary>A word of feedback text, with the sentence it belongs to.</summary>
internal readonly record struct TextToken(string Word, int Sentence);

/// <summary>Words, normalisation and fingerprints of feedback text. Text is data: it is only ever compared, never interpreted.</summary>
public static class FeedbackText
{
    public const int MaxTitleLength = 300;
    public const int MaxBodyLength = 20_000;

    /// <summary>Lower-case words (letters and digits; apostrophes inside a word dropped: "doesn't" → "doesnt"); a sentence ends at . ! ? ; or a line break.</summary>
    internal static IReadOnlyList<TextToken> Tokenize(string text)
    {
        var tokens = new List<TextToken>();
        var sb = new StringBuilder();
        var sentence = 0;
        void Flush()
        {
            if (sb.Length > 0)
            {
                tokens.Add(new TextToken(sb.ToString(), sentence));
                sb.Clear();
            }
        }

        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsLetterOrDigit(c))
            {
                // Alert names are CamelCase: "BillingHighErrorRate" reads as "billing high error rate".
                if (char.IsUpper(c) && i > 0 && char.IsLower(text[i - 1]))
                {
                    Flush();
                }

                sb.Append(char.ToLowerInvariant(c));
            }
            else if ((c is '\'' or '’') && sb.Length > 0 && i + 1 < text.Length && char.IsLetter(text[i + 1]))
            {
                // "doesn't" stays one word
            }
            else
            {
                Flush();
                // A decimal point ("0.3") does not end a sentence.
                if (c is '!' or '?' or ';' or '\n' || (c == '.' && !(i + 1 < text.Length && char.IsDigit(text[i + 1]))))
                {
                    sentence++;
                }
            }
        }

        Flush();
        return tokens;
    }

    /// <summary>Text for fingerprints: lower case, digits and ids folded (so "invoice 1042" and "invoice 1043" are the same report), whitespace collapsed.</summary>
    public static string Normalise(string text)
    {
        var words = Tokenize(text).Select(t => t.Word.Any(char.IsDigit) ? "#" : t.Word);
        return string.Join(' ', words);
    }

    /// <summary>SHA-256 (hex, first 32 chars) of project, type and the normalised title and body.</summary>
    public static string Fingerprint(string project, string type, string title, string body) =>
        Hash($"{project}\n{type}\n{Normalise(title)}\n{Normalise(body)}");

    /// <summary>The fingerprint of an alert: project and the sender's alert id (its labels' identity), not its changing text.</summary>
    public static string AlertFingerprint(string project, string externalId) => Hash($"{project}\nalert\n{externalId}");

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..32];

    /// <summary>Control characters (terminal escapes among them) shown as visible escapes; kept text otherwise unchanged.</summary>
    public static string Neutralise(string text) => DisplayText.Lines(text);
}
