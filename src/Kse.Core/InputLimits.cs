using System.Text;
using Markdig;
using Markdig.Syntax;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Kse.Core;

/// <summary>
/// Limits on every file kse reads from a workspace: a size cap before anything is parsed, and a nesting cap on YAML and
/// Markdown, checked without recursion, so that no file (a deeply nested bomb, a 50 MB document) can exhaust the stack or
/// the memory of a running server. Each refusal is a <c>&lt;area&gt;.too_large</c> / <c>&lt;area&gt;.too_deep</c> error naming the file.
/// </summary>
public static class InputLimits
{
    /// <summary>The largest operations document (Markdown) or YAML file read, in bytes.</summary>
    public const int MaxDocumentBytes = 1024 * 1024;

    /// <summary>The deepest YAML nesting (mappings and sequences inside each other) accepted.</summary>
    public const int MaxYamlDepth = 64;

    /// <summary>The text of <paramref name="path"/>, refused with <c>&lt;area&gt;.too_large</c> when it has more than <paramref name="maxBytes"/> bytes.</summary>
    public static string ReadText(string path, string area, string displayName, long maxBytes = MaxDocumentBytes)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        if (stream.CanSeek && stream.Length > maxBytes)
        {
            throw TooLarge(area, displayName, stream.Length, maxBytes);
        }

        // Read at most one byte past the cap: a file that grows while it is read is refused too, never read whole.
        var buffer = new byte[(int)Math.Min(maxBytes + 1, stream.CanSeek ? stream.Length + 1 : maxBytes + 1)];
        var read = 0;
        int n;
        while (read < buffer.Length && (n = stream.Read(buffer, read, buffer.Length - read)) > 0)
        {
            read += n;
        }

        if (read > maxBytes)
        {
            throw TooLarge(area, displayName, read, maxBytes);
        }

        return DecodeUtf8(buffer.AsSpan(0, read));
    }

    /// <summary>Refuses text (already read) longer than <paramref name="maxBytes"/> UTF-8 bytes.</summary>
    public static void CheckSize(string text, string area, string displayName, long maxBytes = MaxDocumentBytes)
    {
        // Cheap bound first: a UTF-16 char is at most 3 UTF-8 bytes.
        if ((long)text.Length * 3 <= maxBytes)
        {
            return;
        }

        var bytes = Encoding.UTF8.GetByteCount(text);
        if (bytes > maxBytes)
        {
            throw TooLarge(area, displayName, bytes, maxBytes);
        }
    }

    /// <summary>
    /// Loads YAML after checking its size and nesting with the (non-recursive) event parser, so the recursive
    /// representation model never sees a nesting bomb. Malformed YAML throws the parser's own <see cref="YamlException"/>.
    /// </summary>
    public static YamlStream LoadYaml(string yaml, string area, string displayName)
    {
        CheckYaml(yaml, area, displayName);
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return stream;
    }

    /// <summary>Throws <c>&lt;area&gt;.too_large</c> or <c>&lt;area&gt;.too_deep</c> (naming the file, line and column) for YAML over the limits.</summary>
    public static void CheckYaml(string yaml, string area, string displayName)
    {
        CheckSize(yaml, area, displayName);
        var parser = new Parser(new StringReader(yaml));
        var depth = 0;
        while (parser.MoveNext())
        {
            switch (parser.Current)
            {
                case MappingStart or SequenceStart:
                    if (++depth > MaxYamlDepth)
                    {
                        var at = parser.Current.Start;
                        throw KseException.BadInput($"{area}.too_deep", $"{displayName}:{at.Line}:{at.Column}: too deep: YAML nested more than {MaxYamlDepth} levels; refused unread");
                    }

                    break;
                case MappingEnd or SequenceEnd:
                    depth--;
                    break;
            }
        }
    }

    /// <summary>Parses Markdown; a document nested deeper than Markdig accepts is <c>&lt;area&gt;.too_deep</c> naming the file.</summary>
    public static MarkdownDocument ParseMarkdown(string text, MarkdownPipeline pipeline, string area, string displayName)
    {
        try
        {
            return Markdown.Parse(text, pipeline);
        }
        catch (ArgumentException ex) when (ex.Message.Contains("nested", StringComparison.OrdinalIgnoreCase))
        {
            throw KseException.BadInput($"{area}.too_deep", $"{displayName}: too deep: Markdown nested beyond what can be read; refused");
        }
    }

    private static KseException TooLarge(string area, string displayName, long size, long max) =>
        KseException.BadInput($"{area}.too_large", $"{displayName} is too large: {size} bytes, the limit is {max} bytes; refused unread");

    private static string DecodeUtf8(ReadOnlySpan<byte> bytes)
    {
        // Same as File.ReadAllText: a UTF-8 byte order mark is dropped.
        if (bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF)
        {
            bytes = bytes[3..];
        }

        return Encoding.UTF8.GetString(bytes);
    }
}
