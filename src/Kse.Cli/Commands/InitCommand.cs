using System.CommandLine;

namespace Kse.Cli.Commands;

/// <summary><c>kse init</c>: creates <c>.sce/</c> in the root.</summary>
internal static class InitCommand
{
    public static Command Create() =>
        CommandExtensions.Verb("init", "Create the .sce/ workspace folder (specs, shared operations, state) in the root.", "kse init --root ~/src/shop")
            .WithAction(ctx =>
            {
                var ws = ctx.Workspace;
                var existed = ws.IsInitialized;
                Directory.CreateDirectory(ws.SpecsDir);
                Directory.CreateDirectory(ws.SharedOperationsDir);
                Kse.Core.StateFolder.Create(ws.StateDir);
                var gitignore = Path.Combine(ws.SceDir, ".gitignore");
                if (!File.Exists(gitignore))
                {
                    File.WriteAllText(gitignore, "# runtime state (audit trail, approvals, logs) is not versioned with the specs\nstate/\n");
                }

                if (ctx.Json)
                {
                    ctx.WriteJson(new { root = ws.Root, created = !existed });
                }
                else
                {
                    ctx.WriteLine(existed ? $"{ws.SceDir} already exists; missing folders created" : $"created {ws.SceDir}");
                }

                return 0;
            });
}
