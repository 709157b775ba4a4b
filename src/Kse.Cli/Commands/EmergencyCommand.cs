using System.CommandLine;
using Kse.Core.Policy;

namespace Kse.Cli.Commands;

/// <summary><c>kse emergency</c>: Time-boxed emergency elevation, granted by an emergency-approver operator.</summary>
internal static class EmergencyCommand
{
    public static Command Create() =>
        CommandExtensions.Group("emergency", "Time-boxed emergency elevation, granted by an emergency-approver operator.", "kse emergency list", Grant(), List(), Revoke());

    private static Command Grant()
    {
        var project = new Argument<string>("project") { Description = "The project" };
        var env = new Option<string?>("--env") { Description = "The environment", Required = true };
        var level = new Option<string?>("--level") { Description = "The raised level (at most the environment's cap)", Required = true };
        var minutes = new Option<int?>("--minutes") { Description = $"How long (default {EmergencyService.DefaultMinutes}, at most {EmergencyService.MaxMinutes})" };
        var reason = new Option<string?>("--reason") { Description = "Why (required)" };
        var command = CommandExtensions.Verb("grant", "Raise a project's level in one environment for a while; it reverts by itself at expiry. Only operators with the role emergency-approver, authenticated by KSE_OPERATOR_TOKEN or --token-file. (An AI's emergency_request is granted with 'kse approvals approve <id>'.)", "kse emergency grant billing --env pre-production --level L3 --minutes 60 --reason \"INC-42: checkout down\" --token-file ~/.kse-operator-token");
        command.Arguments.Add(project);
        command.Options.Add(env);
        command.Options.Add(level);
        command.Options.Add(minutes);
        command.Options.Add(reason);
        return command.WithOperatorAction(async (ctx, op, ct) =>
        {
            var e = await ctx.Get<EmergencyService>().GrantAsync(ctx.Value(project)!, ctx.Value(env), ctx.Value(level), ctx.Value(minutes), ctx.Value(reason), op.Name, cancellationToken: ct);
            if (ctx.Json)
            {
                ctx.WriteJson(e);
            }
            else
            {
                ctx.WriteLine($"{e.Id}: {e.Project}/{e.Environment.Name()} raised to {e.Level} until {e.ExpiresAt:u} by {e.GrantedBy}");
            }

            return 0;
        });
    }

    private static Command List()
    {
        var project = new Option<string?>("--project") { Description = "Only this project" };
        var all = new Option<bool>("--all") { Description = "Include expired and revoked elevations" };
        var command = CommandExtensions.Verb("list", "List active emergency elevations (records expiries in the audit trail).", "kse emergency list --all --json");
        command.Options.Add(project);
        command.Options.Add(all);
        return command.WithAction(async (ctx, ct) =>
        {
            ctx.Workspace.EnsureInitialized();
            var list = await ctx.Get<EmergencyService>().ListAsync(ctx.Value(project), ctx.Value(all), ct);
            if (ctx.Json)
            {
                ctx.WriteJson(list);
                return 0;
            }

            if (list.Elevations.Count == 0)
            {
                ctx.WriteLine("no emergency elevations");
            }

            foreach (var v in list.Elevations)
            {
                var e = v.Elevation;
                ctx.WriteLine($"{e.Id}  {v.Status,-8} {e.Project}/{e.Environment.Name()} {e.Level}  {e.GrantedAt:u} .. {e.ExpiresAt:u}  by {e.GrantedBy}: {Kse.Core.DisplayText.Field(e.Reason)}");
            }

            return 0;
        });
    }

    private static Command Revoke()
    {
        var id = new Argument<string>("id") { Description = "The elevation id (el-...)" };
        var reason = new Option<string?>("--reason") { Description = "Why" };
        var command = CommandExtensions.Verb("revoke", "End an active emergency elevation now (an emergency-approver operator, authenticated by KSE_OPERATOR_TOKEN or --token-file).", "kse emergency revoke el-3fa2c91b0d --reason \"incident closed\"");
        command.Arguments.Add(id);
        command.Options.Add(reason);
        return command.WithOperatorAction(async (ctx, op, ct) =>
        {
            var e = await ctx.Get<EmergencyService>().RevokeAsync(ctx.Value(id)!, ctx.Value(reason), op.Name, ct);
            if (ctx.Json)
            {
                ctx.WriteJson(e);
            }
            else
            {
                ctx.WriteLine($"{e.Id} revoked by {e.RevokedBy}: {e.Project}/{e.Environment.Name()} is back to its normal level");
            }

            return 0;
        });
    }
}
