namespace Kse.Core;

/// <summary>Who acted: an MCP client, an OS user at the command line, an operator, or the server itself.</summary>
public sealed record Actor(string Kind, string Name)
{
    public const string AiClient = "ai";
    public const string User = "user";
    public const string Operator = "operator";
    public const string System = "system";

    public static Actor Ai(string clientName) => new(AiClient, clientName);

    public static Actor OsUser(string? name = null) => new(User, name ?? Environment.UserName);

    public static Actor OperatorNamed(string name) => new(Operator, name);

    public static Actor Server { get; } = new(System, "kse");

    public override string ToString() => $"{Kind}:{Name}";
}
