using System.Reflection;
using System.Text.Json;
using Kse.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Kse.Server;

/// <summary>
/// Kse's tools and resources, built once and off the start path. Building a tool (binding its parameters, generating its input and
/// output schemas by reflection) costs several milliseconds each and most of a cold start; a client's first requests
/// (initialize, tools/list) need only each tool's advertised <see cref="Tool"/>. So the server registers a
/// <see cref="DeferredTool"/> per tool method and:
/// <list type="bullet">
/// <item>lists tools from the catalog file of this exact build (<c>.sce/state/cache/tools-{key}.json</c>, the key a hash of
/// the identities of the assemblies that shape the schemas) when there is one, else builds them then;</item>
/// <item>builds the tools themselves at the first call, or after the server's first answer (<see cref="PrimitiveCatalogWarmer"/>),
/// and then writes (or rewrites, if it differs) the catalog file for the next start.</item>
/// </list>
/// Every advertised schema follows <see cref="ToolContract"/>: it is applied when the tools are built, so the catalog
/// holds the final schemas. Resources are registered as <see cref="DeferredResource"/>s, advertised from their attributes
/// (what the SDK derives from them too) and built at the first read.
/// </summary>
public sealed class PrimitiveCatalog
{
    private static readonly Assembly ToolAssembly = typeof(PrimitiveCatalog).Assembly;

    private readonly IServiceProvider _services;
    private readonly KseWorkspace? _workspace;
    private readonly ILogger<PrimitiveCatalog> _log;
    private readonly Lazy<IReadOnlyDictionary<string, McpServerTool>> _built;
    private readonly Lazy<IReadOnlyDictionary<string, Tool>?> _stored;
    private readonly Lazy<IReadOnlyDictionary<string, McpServerResource>> _resources;
    private readonly Lock _storeLock = new();
    private int _storeScheduled;

    public PrimitiveCatalog(IServiceProvider services, ILogger<PrimitiveCatalog> log, KseWorkspace? workspace = null)
    {
        _services = services;
        _workspace = workspace;
        _log = log;
        _built = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);
        _stored = new(Read, LazyThreadSafetyMode.ExecutionAndPublication);
        _resources = new(BuildResources, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>Every resource method of this assembly with the template the SDK derives from its attributes.</summary>
    public static IReadOnlyList<(ResourceTemplate Template, MethodInfo Method)> ResourceMethods { get; } = FindResourceMethods();

    /// <summary>The resource itself, built on first use.</summary>
    public McpServerResource Resource(string uriTemplate) => _resources.Value[uriTemplate];

    /// <summary>Every tool method of this assembly with its advertised name.</summary>
    public static IReadOnlyList<(string Name, MethodInfo Method)> Methods { get; } = FindMethods();

    /// <summary>Whether the tools themselves have been built (and their schemas generated) in this process.</summary>
    public bool IsBuilt => _built.IsValueCreated;

    /// <summary>The catalog file of this build in this workspace, or null without a workspace.</summary>
    public string? CachePath => _workspace is null ? null : Path.Combine(_workspace.StateDir, "cache", $"tools-{Key}.json");

    /// <summary>The tool as advertised: from this build's catalog file when there is one, else built.</summary>
    public Tool Advertised(string name)
    {
        if (!_built.IsValueCreated && _stored.Value is { } stored && stored.TryGetValue(name, out var tool))
        {
            return tool;
        }

        if (_stored.Value is null && Interlocked.Exchange(ref _storeScheduled, 1) == 0)
        {
            // No catalog for this build yet: the tools are built now, so write it at once for the next start.
            _ = Task.Run(StoreQuietly);
        }

        return Get(name).ProtocolTool;
    }

    /// <summary>The tool itself, built on first use.</summary>
    public McpServerTool Get(string name) => _built.Value.TryGetValue(name, out var tool)
        ? tool
        : throw new McpProtocolException($"Unknown tool: '{name}'", McpErrorCode.InvalidParams);

    /// <summary>Builds the tools and resources if not yet built and makes this build's catalog file match the tools.</summary>
    public void BuildAndStore()
    {
        _ = _resources.Value;
        var built = _built.Value;
        if (CachePath is not { } path)
        {
            return;
        }

        var json = JsonSerializer.Serialize(Methods.Select(m => built[m.Name].ProtocolTool).ToList(), McpJsonUtilities.DefaultOptions);
        lock (_storeLock)
        {
            Store(path, json);
        }
    }

    private void Store(string path, string json)
    {
        try
        {
            if (File.Exists(path) && File.ReadAllText(path) == json)
            {
                return;
            }

            if (_stored.IsValueCreated && _stored.Value is not null)
            {
                _log.LogWarning("The stored tool catalog {Path} did not match the tools of this build; it is rewritten", path);
            }

            StateFolder.Create(_workspace!.StateDir);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var temp = $"{path}.{Guid.NewGuid():N}.tmp";
            File.WriteAllText(temp, json);
            File.Move(temp, path, overwrite: true);
            foreach (var old in Directory.GetFiles(Path.GetDirectoryName(path)!, "tools-*.json").Where(f => f != path))
            {
                // Catalogs of earlier builds are of no further use.
                File.Delete(old);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A read-only workspace still serves; its next start builds the tools again.
            _log.LogDebug(ex, "The tool catalog could not be written to {Path}", path);
        }
    }

    private void StoreQuietly()
    {
        try
        {
            BuildAndStore();
        }
        catch (Exception ex)
        {
            _log.LogWarning(ex, "Building the tool catalog failed");
        }
    }

    private IReadOnlyDictionary<string, McpServerTool> Build()
    {
        var tools = new Dictionary<string, McpServerTool>(StringComparer.Ordinal);
        foreach (var (name, method) in Methods)
        {
            var tool = McpServerTool.Create(method, options: new McpServerToolCreateOptions { Services = _services, SerializerOptions = KseJson.Options });
            ToolContract.Apply(tool.ProtocolTool);
            tools[name] = tool;
        }

        return tools;
    }

    private IReadOnlyDictionary<string, McpServerResource> BuildResources() =>
        ResourceMethods.ToDictionary(
            r => r.Template.UriTemplate,
            r => McpServerResource.Create(r.Method, options: new McpServerResourceCreateOptions { Services = _services }),
            StringComparer.Ordinal);

    private IReadOnlyDictionary<string, Tool>? Read()
    {
        if (CachePath is not { } path || !File.Exists(path))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            var byName = new Dictionary<string, Tool>(StringComparer.Ordinal);
            foreach (var element in document.RootElement.EnumerateArray())
            {
                if (FromCatalog(element) is not { } tool)
                {
                    return null;
                }

                byName[tool.Name] = tool;
            }

            // Only a catalog of exactly these tools is used; anything else is rebuilt and rewritten.
            return byName.Count == Methods.Count && Methods.All(m => byName.ContainsKey(m.Name)) ? byName : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or ArgumentException or InvalidOperationException or KeyNotFoundException)
        {
            _log.LogDebug(ex, "The tool catalog {Path} could not be read; the tools are built instead", path);
            return null;
        }
    }

    /// <summary>
    /// A tool as the catalog file holds it, read field by field (the fields Kse's tools have; a tool with any other field is
    /// not read, and the tools are built instead): quicker at start than the general deserializer.
    /// </summary>
    private static Tool? FromCatalog(JsonElement element)
    {
        var known = new HashSet<string>(["name", "title", "description", "inputSchema", "outputSchema", "annotations"], StringComparer.Ordinal);
        if (element.ValueKind != JsonValueKind.Object || element.EnumerateObject().Any(p => !known.Contains(p.Name))
            || element.GetProperty("name").GetString() is not { Length: > 0 } name || !element.TryGetProperty("inputSchema", out var input))
        {
            return null;
        }

        var tool = new Tool
        {
            Name = name,
            Title = Text(element, "title"),
            Description = Text(element, "description"),
            InputSchema = input.Clone(),
            OutputSchema = element.TryGetProperty("outputSchema", out var output) ? output.Clone() : null,
        };
        if (element.TryGetProperty("annotations", out var a))
        {
            if (a.EnumerateObject().Any(p => p.Name is not ("title" or "readOnlyHint" or "destructiveHint" or "idempotentHint" or "openWorldHint")))
            {
                return null;
            }

            tool.Annotations = new ToolAnnotations
            {
                Title = Text(a, "title"),
                ReadOnlyHint = Flag(a, "readOnlyHint"),
                DestructiveHint = Flag(a, "destructiveHint"),
                IdempotentHint = Flag(a, "idempotentHint"),
                OpenWorldHint = Flag(a, "openWorldHint"),
            };
        }

        return tool;

        static string? Text(JsonElement e, string name) => e.TryGetProperty(name, out var v) ? v.GetString() : null;
        static bool? Flag(JsonElement e, string name) => e.TryGetProperty(name, out var v) ? v.GetBoolean() : null;
    }

    /// <summary>A hash of the identities of the assemblies whose code shapes the advertised tools.</summary>
    private static string Key { get; } = ComputeKey();

    private static string ComputeKey()
    {
        var identities = new[]
        {
            ToolAssembly, typeof(KseWorkspace).Assembly, typeof(McpServerTool).Assembly, typeof(Microsoft.Extensions.AI.AIFunction).Assembly, typeof(JsonSerializer).Assembly,
        }.Select(a => a.ManifestModule.ModuleVersionId.ToString("N"));
        // FNV-1a, 64 bits: stable across processes, and no cryptography library to load at start.
        var hash = 14695981039346656037UL;
        foreach (var c in string.Join('|', identities))
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return hash.ToString("x16");
    }

    private static List<(ResourceTemplate, MethodInfo)> FindResourceMethods()
    {
        var methods = new List<(ResourceTemplate, MethodInfo)>();
        foreach (var type in ToolAssembly.GetTypes().Where(t => t.GetCustomAttribute<McpServerResourceTypeAttribute>() is not null).OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            {
                if (method.GetCustomAttribute<McpServerResourceAttribute>() is { } attribute)
                {
                    if (!method.IsStatic || string.IsNullOrEmpty(attribute.Name) || string.IsNullOrEmpty(attribute.UriTemplate))
                    {
                        throw new InvalidOperationException($"Resource method {type.Name}.{method.Name} must be static and name its resource and URI template");
                    }

                    methods.Add((new ResourceTemplate
                    {
                        UriTemplate = attribute.UriTemplate,
                        Name = attribute.Name,
                        Title = attribute.Title,
                        Description = method.GetCustomAttribute<System.ComponentModel.DescriptionAttribute>()?.Description,
                        MimeType = attribute.MimeType ?? "application/octet-stream",
                    }, method));
                }
            }
        }

        return methods;
    }

    private static List<(string, MethodInfo)> FindMethods()
    {
        var methods = new List<(string, MethodInfo)>();
        foreach (var type in ToolAssembly.GetTypes().Where(t => t.GetCustomAttribute<McpServerToolTypeAttribute>() is not null).OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            {
                if (method.GetCustomAttribute<McpServerToolAttribute>() is { } attribute)
                {
                    if (!method.IsStatic || string.IsNullOrEmpty(attribute.Name))
                    {
                        throw new InvalidOperationException($"Tool method {type.Name}.{method.Name} must be static and name its tool");
                    }

                    methods.Add((attribute.Name, method));
                }
            }
        }

        return methods;
    }
}

/// <summary>One of Kse's tools as the server registers it: advertised from <see cref="PrimitiveCatalog"/>, built at its first call.</summary>
internal sealed class DeferredTool(string name, PrimitiveCatalog catalog) : McpServerTool
{
    public override Tool ProtocolTool => catalog.Advertised(name);

    public override IReadOnlyList<object> Metadata => catalog.Get(name).Metadata;

    public override ValueTask<CallToolResult> InvokeAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken = default) =>
        catalog.Get(name).InvokeAsync(request, cancellationToken);
}

/// <summary>One of Kse's resources as the server registers it: advertised from its attributes, built at its first read.</summary>
internal sealed class DeferredResource(ResourceTemplate template, PrimitiveCatalog catalog) : McpServerResource
{
    public override ResourceTemplate ProtocolResourceTemplate => template;

    public override IReadOnlyList<object> Metadata => catalog.Resource(template.UriTemplate).Metadata;

    public override bool IsMatch(string uri) => catalog.Resource(template.UriTemplate).IsMatch(uri);

    public override ValueTask<ReadResourceResult> ReadAsync(RequestContext<ReadResourceRequestParams> request, CancellationToken cancellationToken = default) =>
        catalog.Resource(template.UriTemplate).ReadAsync(request, cancellationToken);
}

/// <summary>After the server's first answer, builds the tools and brings this build's catalog file up to date, off the start path.</summary>
public sealed class PrimitiveCatalogWarmer(PrimitiveCatalog catalog, FirstAnswer firstAnswer, ILogger<PrimitiveCatalogWarmer> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await firstAnswer.WaitAsync(stoppingToken);
        await Task.Yield();
        try
        {
            catalog.BuildAndStore();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            log.LogWarning(ex, "Building the tool catalog failed");
        }
    }
}
