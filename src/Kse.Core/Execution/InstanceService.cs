using Kse.Core.Policy;
using Kse.Core.Specs;

namespace Kse.Core.Execution;

/// <summary>The deployed instances of a project, as <c>kse instances list</c> prints them.</summary>
public sealed record InstanceList(string Project, IReadOnlyList<ProjectInstance> Instances);

/// <summary>Reads and edits the <c>instances</c> of a project's <c>project.yaml</c>.</summary>
public sealed class InstanceService(KseWorkspace workspace)
{
    public InstanceList List(string project, string? environment = null)
    {
        var manifest = ProjectManifest.Load(workspace, ProjectName.Validate(project));
        var env = environment is null ? (EnvironmentKind?)null : PolicyNames.ParseEnvironment(environment);
        return new InstanceList(manifest.Name, manifest.Instances.Where(i => env is null || i.Environment == env).ToList());
    }

    /// <summary>Adds an instance; its id must be new, its environment one the project declares, its host <c>local</c> or a valid SSH destination.</summary>
    public ProjectInstance Add(string project, string? id, string? environment, string? host, string? version)
    {
        var manifest = ProjectManifest.Load(workspace, ProjectName.Validate(project));
        if (!ProjectName.IsValid(id))
        {
            throw KseException.BadInput("instances.id_invalid", $"instance id '{id}' must match {ProjectName.Pattern}");
        }

        if (manifest.Instances.Any(i => i.Id == id))
        {
            throw KseException.BadInput("instances.duplicate", $"project '{manifest.Name}' already has an instance '{id}' (remove it first)");
        }

        var env = PolicyNames.ParseEnvironment(environment);
        if (!manifest.Environments.Contains(env))
        {
            throw KseException.BadInput("instances.environment_undeclared", $"project '{manifest.Name}' does not declare the environment {env.Name()} (environments: {string.Join(", ", manifest.Environments.Select(e => e.Name()))})");
        }

        if (string.IsNullOrWhiteSpace(host))
        {
            throw KseException.BadInput("instances.host_invalid", "give host: local or an SSH destination such as deploy@db-1.internal");
        }

        if (version is not null && (version.Length > 64 || version.Any(c => char.IsControl(c) || c == '"' || c == '\\')))
        {
            throw KseException.BadInput("instances.version_invalid", $"version '{version}' must be at most 64 printable characters without quotes or backslashes");
        }

        var instance = new ProjectInstance { Id = id!, Environment = env, Host = ExecutionPlanner.ValidateHost(host.Trim()), Version = version };
        (manifest with { Instances = [.. manifest.Instances, instance] }).Save(workspace);
        return instance;
    }

    public ProjectInstance Remove(string project, string? id)
    {
        var manifest = ProjectManifest.Load(workspace, ProjectName.Validate(project));
        var found = manifest.Instances.FirstOrDefault(i => i.Id == id)
            ?? throw KseException.NotFound("instances.not_found", $"project '{manifest.Name}' has no instance '{id}'");
        (manifest with { Instances = manifest.Instances.Where(i => i.Id != id).ToList() }).Save(workspace);
        return found;
    }
}
