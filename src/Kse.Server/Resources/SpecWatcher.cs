using System.Collections.Concurrent;
using Kse.Core;
using Kse.Core.Specs;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Kse.Server.Resources;

/// <summary>
/// Watches the workspace's <c>.sce/specs</c> (and the shared library <c>.sce/shared/operations</c>) while the server has
/// clients, and tells them what changed on disk, after a quiet <see cref="Debounce"/>:
/// <list type="bullet">
/// <item><c>notifications/resources/list_changed</c> to every session when a project or an operations document is added
/// or removed (the resource list names every document, <see cref="ListDocuments"/>);</item>
/// <item><c>notifications/resources/updated</c> to the sessions subscribed to <c>kse://projects</c> on any change (a project's
/// validity follows its documents), and to those subscribed to <c>kse://specs/{project}/operations/{doc}</c> when that
/// document (or the shared section library it is resolved against) changes.</item>
/// </list>
/// A project whose <c>project.yaml</c> no longer loads is logged as a warning (and so reaches clients through <see cref="ClientLog"/>).
/// The watcher starts with the server's first answer to a client (<see cref="FirstAnswer.Watch"/>), not on the start path.
/// </summary>
public sealed class SpecWatcher : IDisposable
{
    public const string ProjectsUri = "kse://projects";
    public const string SpecsPrefix = "kse://specs/";

    public static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(300);

    private const int MaxSessions = 10_000;

    private readonly KseWorkspace _workspace;
    private readonly ILogger<SpecWatcher> _log;
    private readonly ConcurrentDictionary<string, McpServer> _sessions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Session, string Uri), byte> _subscriptions = new();
    private readonly ConcurrentQueue<string> _changed = new();
    private readonly Lock _gate = new();
    private readonly List<FileSystemWatcher> _watchers = [];
    private readonly Timer _timer;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IReadOnlySet<string> _listed = new HashSet<string>();
    private bool _started;
    private bool _disposed;

    public SpecWatcher(KseWorkspace workspace, ILogger<SpecWatcher> log)
    {
        _workspace = workspace;
        _log = log;
        _timer = new Timer(_ => Flush(), null, Timeout.Infinite, Timeout.Infinite);
    }

    /// <summary>Whether the workspace is being watched.</summary>
    public bool IsWatching { get { lock (_gate) { return _watchers.Count > 0; } } }

    /// <summary>A session the server has answered: it hears about list changes from now on; the first one starts the watching.</summary>
    public void Attach(McpServer server)
    {
        // Every request hands its handlers its own view of the session: keep the latest one per session to send through.
        var session = SessionKey(server);
        if (!_sessions.ContainsKey(session) && _sessions.Count >= MaxSessions)
        {
            return;
        }

        _sessions[session] = server;
        lock (_gate)
        {
            if (_started || _disposed)
            {
                return;
            }

            _started = true;
        }

        // Off the answering thread: listing the projects and setting up the watches is no part of any answer.
        _ = Task.Run(Start);
    }

    /// <summary>Completes when the watches are set up (after the first <see cref="Attach"/>).</summary>
    public Task Started => _ready.Task;

    private void Start()
    {
        try
        {
            var listed = Snapshot();
            lock (_gate)
            {
                if (_disposed)
                {
                    return;
                }

                _listed = listed;
                Watch(_workspace.SpecsDir);
                Watch(_workspace.SharedOperationsDir);
            }
        }
        finally
        {
            _ready.TrySetResult();
        }
    }

    /// <summary>Whether <paramref name="uri"/> is one this watcher keeps subscribers of.</summary>
    public static bool Handles(string uri) => uri == ProjectsUri || uri.StartsWith(SpecsPrefix, StringComparison.Ordinal);

    public void Subscribe(McpServer server, string uri)
    {
        Attach(server);
        if (_subscriptions.Count < MaxSessions)
        {
            _subscriptions.TryAdd((SessionKey(server), uri), 0);
        }
    }

    public void Unsubscribe(McpServer server, string uri) => _subscriptions.TryRemove((SessionKey(server), uri), out _);

    /// <summary>One session, whichever request's view of it: its id (HTTP), or the one session of a stdio or stream transport.</summary>
    internal static string SessionKey(McpServer server) => server.SessionId ?? "";

    /// <summary>Every operations document of every project as a concrete resource, for <c>resources/list</c>.</summary>
    public IEnumerable<Resource> ListDocuments() =>
        Snapshot().Where(e => e.Contains('/')).Order(StringComparer.Ordinal).Select(e =>
        {
            var kind = SpecDocuments.Find(e[(e.IndexOf('/') + 1)..]);
            return new Resource
            {
                Uri = $"{SpecsPrefix}{e[..e.IndexOf('/')]}/operations/{kind.Name}",
                Name = e,
                Description = $"The {kind.Name} operations document of {e[..e.IndexOf('/')]}, resolved against the shared library.",
                MimeType = kind.IsYaml ? "application/yaml" : "text/markdown",
            };
        });

    /// <summary>Projects (<c>name</c>) and their present operations documents (<c>name/deployment.md</c>).</summary>
    private IReadOnlySet<string> Snapshot()
    {
        var entries = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            foreach (var project in _workspace.ListProjects())
            {
                var operations = _workspace.OperationsDir(project);
                if (!Directory.Exists(operations) && !File.Exists(_workspace.ProjectFile(project)))
                {
                    continue;
                }

                entries.Add(project);
                foreach (var kind in SpecDocuments.All)
                {
                    if (File.Exists(Path.Combine(operations, kind.Name)))
                    {
                        entries.Add($"{project}/{kind.Name}");
                    }
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _log.LogWarning(ex, "The projects under {Folder} could not be listed", _workspace.SpecsDir);
        }

        return entries;
    }

    private void Watch(string folder)
    {
        if (!Directory.Exists(folder))
        {
            return;
        }

        try
        {
            var watcher = new FileSystemWatcher(folder)
            {
                IncludeSubdirectories = true,
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
            };
            watcher.Changed += (_, e) => Changed(e.FullPath);
            watcher.Created += (_, e) => Changed(e.FullPath);
            watcher.Deleted += (_, e) => Changed(e.FullPath);
            watcher.Renamed += (_, e) =>
            {
                Changed(e.OldFullPath);
                Changed(e.FullPath);
            };
            watcher.Error += (_, e) =>
            {
                // Events were lost (a burst beyond the buffer): treat everything as changed.
                _log.LogWarning(e.GetException(), "Watching {Folder} lost events; every subscribed document is reported as changed", folder);
                Changed(folder);
            };
            watcher.EnableRaisingEvents = true;
            _watchers.Add(watcher);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or PlatformNotSupportedException)
        {
            _log.LogWarning(ex, "{Folder} cannot be watched; clients are not told when its documents change", folder);
        }
    }

    private void Changed(string path)
    {
        if (_changed.Count < 100_000)
        {
            _changed.Enqueue(path);
        }

        lock (_gate)
        {
            if (!_disposed)
            {
                _timer.Change(Debounce, Timeout.InfiniteTimeSpan);
            }
        }
    }

    private void Flush()
    {
        var paths = new HashSet<string>(StringComparer.Ordinal);
        while (_changed.TryDequeue(out var path))
        {
            paths.Add(path);
        }

        if (paths.Count == 0)
        {
            return;
        }

        try
        {
            var listed = Snapshot();
            bool listChanged;
            lock (_gate)
            {
                listChanged = !listed.SetEquals(_listed);
                _listed = listed;
            }

            WarnAboutProjects(paths);
            if (listChanged)
            {
                foreach (var (session, server) in _sessions)
                {
                    _ = SendAsync(session, server, NotificationMethods.ResourceListChangedNotification, new ResourceListChangedNotificationParams());
                }
            }

            foreach (var (session, uri) in _subscriptions.Keys)
            {
                if ((uri == ProjectsUri || Affects(uri, paths)) && _sessions.TryGetValue(session, out var server))
                {
                    _ = SendAsync(session, server, NotificationMethods.ResourceUpdatedNotification, new ResourceUpdatedNotificationParams { Uri = uri });
                }
            }
        }
        catch (Exception ex)
        {
            _log.LogWarning(ex, "Changes under {Folder} could not be reported to clients", _workspace.SpecsDir);
        }
    }

    /// <summary>Whether a change at one of <paramref name="paths"/> changes the document <paramref name="uri"/> names.</summary>
    private bool Affects(string uri, IReadOnlySet<string> paths)
    {
        var parts = uri[SpecsPrefix.Length..].Split('/');
        if (parts.Length != 3 || parts[1] != "operations" || !ProjectName.IsValid(parts[0]))
        {
            return false;
        }

        string document;
        try
        {
            document = SpecDocuments.Find(parts[2]).Name;
        }
        catch (KseException)
        {
            return false;
        }

        var projectDir = _workspace.ProjectDir(parts[0]);
        var operations = _workspace.OperationsDir(parts[0]);
        var own = Path.Combine(operations, document);
        foreach (var path in paths)
        {
            // The document itself, or a folder above it (renamed or removed), or the watched root after lost events.
            if (path == own || path == operations || path == projectDir || path == _workspace.SpecsDir || path == _workspace.SharedOperationsDir
                || (path.StartsWith(_workspace.SharedOperationsDir + Path.DirectorySeparatorChar, StringComparison.Ordinal) && Path.GetFileName(path) == document))
            {
                return true;
            }
        }

        return false;
    }

    private void WarnAboutProjects(IReadOnlySet<string> paths)
    {
        foreach (var path in paths.Where(p => Path.GetFileName(p) == "project.yaml" && File.Exists(p)))
        {
            var project = Path.GetFileName(Path.GetDirectoryName(path));
            if (project is null || !ProjectName.IsValid(project))
            {
                continue;
            }

            try
            {
                ProjectManifest.Load(_workspace, project);
            }
            catch (KseException ex)
            {
                // ":l" keeps Serilog from quoting the strings in the rendered message a client receives.
                _log.LogWarning("Project {Project:l} cannot be loaded: {Code:l}: {Message:l}", project, ex.Code, ex.Message);
            }
        }
    }

    private async Task SendAsync<T>(string session, McpServer server, string method, T notification)
    {
        try
        {
            await server.SendNotificationAsync(method, notification);
        }
        catch (Exception ex) when (ex is McpException or ObjectDisposedException or InvalidOperationException or IOException or OperationCanceledException)
        {
            _log.LogDebug(ex, "Dropping a session that is gone");
            _sessions.TryRemove(session, out _);
            foreach (var key in _subscriptions.Keys.Where(k => k.Session == session).ToList())
            {
                _subscriptions.TryRemove(key, out _);
            }

        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            foreach (var watcher in _watchers)
            {
                watcher.Dispose();
            }

            _watchers.Clear();
        }

        _timer.Dispose();
    }
}
