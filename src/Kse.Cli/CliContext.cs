using System.CommandLine;
using Kse.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Kse.Cli;

/// <summary>What a verb needs: the workspace, the output writers, the JSON switch and the composed services.</summary>
public sealed class CliContext : IAsyncDisposable
{
    internal static readonly AsyncLocal<(TextWriter Out, TextWriter Err)?> Writers = new();

    private ServiceProvider? _services;

    private CliContext(ParseResult parse, TextWriter stdout, TextWriter stderr)
    {
        Parse = parse;
        // Whatever a verb prints (an AI's reason, a program's output, a document) reaches the terminal without live control characters.
        Out = new VisibleTextWriter(stdout);
        Err = new VisibleTextWriter(stderr);
        Json = parse.GetValue(GlobalOptions.Json);
        var root = parse.GetValue(GlobalOptions.Root);
        Workspace = string.IsNullOrWhiteSpace(root)
            ? KseWorkspace.Discover(Directory.GetCurrentDirectory())
            : new KseWorkspace(root);
        ConfigFile = parse.GetValue(GlobalOptions.Config);
    }

    public ParseResult Parse { get; }

    public TextWriter Out { get; }

    public TextWriter Err { get; }

    public bool Json { get; }

    public KseWorkspace Workspace { get; }

    public string? ConfigFile { get; }

    public IConfiguration Configuration => field ??= KseComposition.LoadConfiguration(Workspace, ConfigFile);

    public IServiceProvider Services => _services ??= KseComposition.BuildServiceProvider(Workspace, Configuration);

    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    public T? Value<T>(Option<T> option) => Parse.GetValue(option);

    public T? Value<T>(Argument<T> argument) => Parse.GetValue(argument);

    /// <summary>Writes the value as one JSON document on stdout.</summary>
    public void WriteJson<T>(T value) => Out.WriteLine(KseJson.Serialize(value, indented: true));

    public void WriteLine(string text = "") => Out.WriteLine(text);

    public static CliContext From(ParseResult parse)
    {
        var writers = Writers.Value ?? (Console.Out, Console.Error);
        return new CliContext(parse, writers.Out, writers.Err);
    }

    public async ValueTask DisposeAsync()
    {
        if (_services is not null)
        {
            await _services.DisposeAsync();
        }
    }
}
