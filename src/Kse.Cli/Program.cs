using Kse.Cli;

return await KseCli.RunAsync(args, Console.Out, Console.Error);
