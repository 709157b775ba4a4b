namespace Kse.Core;

/// <summary>How a failure is reported: the CLI maps it to an exit code, MCP to an error result.</summary>
public enum KseErrorKind
{
    /// <summary>The check ran and found problems (exit 1).</summary>
    CheckFailed = 1,
    /// <summary>Usage error or bad input (exit 2).</summary>
    BadInput = 2,
    /// <summary>Something named does not exist (exit 3).</summary>
    NotFound = 3,
    /// <summary>Refused by policy (exit 4).</summary>
    Refused = 4,
    /// <summary>An environment or infrastructure failure (exit 5).</summary>
    Failure = 5,
}

/// <summary>The one error family of Kse: a stable dotted code (<c>spec.project_invalid</c>) and a message that names the problem.</summary>
public class KseException : Exception
{
    public KseException(string code, string message, KseErrorKind kind = KseErrorKind.BadInput, Exception? inner = null)
        : base(message, inner)
    {
        Code = code;
        Kind = kind;
    }

    public string Code { get; }

    public KseErrorKind Kind { get; }

    public int ExitCode => (int)Kind;

    public static KseException BadInput(string code, string message) => new(code, message, KseErrorKind.BadInput);

    public static KseException NotFound(string code, string message) => new(code, message, KseErrorKind.NotFound);

    public static KseException Refused(string code, string message) => new(code, message, KseErrorKind.Refused);

    public override string ToString() => $"error {Code}: {Message}";
}
