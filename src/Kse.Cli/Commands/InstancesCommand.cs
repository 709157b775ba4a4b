using System.CommandLine;
using Kse.Core.Execution;
using Kse.Core.Policy;

namespace Kse.Cli.Commands;

/// <summary><c>kse instances</c>: Deployed instances of a project (host, environment, version).</summary>
internal static class InstancesCommand
{
    private static readonly Argument<string> Project = new("project") { Description = "The project (a slug)" };

    private static readonly Argument<string> Id = new("id") { Description = "The instance id (a slug, e.g. prod-1)" };

    public static Command Create() =>
        CommandExtensions.Group("instances", "Deployed instances of a project (host, environment, version).", "kse instances list billing", List(), Add(), Remove());

    private static Command List()
    {
        var env = new Option<string?>("--env") { Description = "Only instances of this environment" };
        var command = CommandExtensions.Verb("list", "List a project's instances from project.yaml.", "kse instances list billing --env production --json");
        command.Arguments.Add(Project);
        command.Options.Add(env);
        return command.WithAction(ctx =>
        {
            var list = ctx.Get<InstanceService>().List(ctx.Value(Project)!, ctx.Value(env));
            if (ctx.Json)
            {
                ctx.WriteJson(list);
                return 0;
            }

            if (list.Instances.Count == 0)
            {
                ctx.WriteLine($"{list.Project}: no instances (add one with 'kse instances add {list.Project} <id> --env <environment> --host local')");
                return 0;
            }

            foreach (var i in list.Instances)
            {
                ctx.WriteLine($"{i.Id,-16} {i.Environment.Name(),-15} {i.Host,-32} {i.Version ?? "-"}");
            }

            return 0;
        });
    }

    private static Command Add()
    {
        var env = new Option<string>("--env") { Description = "development, test, pre-production or production", Required = true };
        var host = new Option<string>("--host") { Description = "local, or an SSH destination: [ssh://][user@]host[:port]", Required = true };
        var version = new Option<string?>("--version") { Description = "The deployed version" };
        var command = CommandExtensions.Verb("add", "Add an instance to project.yaml. Remote hosts are reached with the system ssh client in batch mode with strict host key checking.", "kse instances add billing prod-1 --env production --host deploy@billing-1.internal --version 2.3.0");
        command.Arguments.Add(Project);
        command.Arguments.Add(Id);
        command.Options.Add(env);
        command.Options.Add(host);
        command.Options.Add(version);
        return command.WithAction(ctx =>
        {
            var added = ctx.Get<InstanceService>().Add(ctx.Value(Project)!, ctx.Value(Id), ctx.Value(env), ctx.Value(host), ctx.Value(version));
            if (ctx.Json)
            {
                ctx.WriteJson(added);
            }
            else
            {
                ctx.WriteLine($"added {added.Id} ({added.Environment.Name()}, {added.Host}) to {ctx.Value(Project)}");
            }

            return 0;
        });
    }

    private static Command Remove()
    {
        var command = CommandExtensions.Verb("remove", "Remove an instance from project.yaml.", "kse instances remove billing prod-1");
        command.Arguments.Add(Project);
        command.Arguments.Add(Id);
        return command.WithAction(ctx =>
        {
            var removed = ctx.Get<InstanceService>().Remove(ctx.Value(Project)!, ctx.Value(Id));
            if (ctx.Json)
            {
                ctx.WriteJson(removed);
            }
            else
            {
                ctx.WriteLine($"removed {removed.Id} from {ctx.Value(Project)}");
            }

            return 0;
        });
    }
}
