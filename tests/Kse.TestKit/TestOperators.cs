using Kse.Core.Policy;

namespace Kse.TestKit;

/// <summary>Operator credentials for tests: a known token per name, its configured hash, and an owner-only token file.</summary>
public static class TestOperators
{
    public static string Token(string name) => $"{name}-operator-token";

    /// <summary>The <c>TokenSha256</c> to configure for <paramref name="name"/>.</summary>
    public static string Hash(string name) => OperatorDirectory.HashToken(Token(name));

    /// <summary>Writes <paramref name="name"/>'s token to a file only its owner can read (0600) and returns its path.</summary>
    public static string TokenFile(this TempWorkspace ws, string name)
    {
        var dir = ws.PathOf("tokens");
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, name + ".token");
        if (!File.Exists(path))
        {
            File.WriteAllText(path, Token(name) + "\n");
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }

        return path;
    }

    /// <summary>
    /// <c>.sce/appsettings.json</c> text configuring operators with their test token hashes; each spec is
    /// <c>name</c> or <c>name:role,role</c>.
    /// </summary>
    public static string Settings(params string[] specs)
    {
        var operators = specs.Select(spec =>
        {
            var parts = spec.Split(':', 2);
            var roles = parts.Length > 1 ? parts[1].Split(',', StringSplitOptions.RemoveEmptyEntries) : [];
            return new Dictionary<string, object> { ["Name"] = parts[0], ["Roles"] = roles, ["TokenSha256"] = Hash(parts[0]) };
        });
        return System.Text.Json.JsonSerializer.Serialize(new { Kse = new { Operators = operators } });
    }

    /// <summary>The <c>--token-file</c> arguments for <paramref name="name"/>.</summary>
    public static string[] As(this TempWorkspace ws, string name) => ["--token-file", ws.TokenFile(name)];
}
