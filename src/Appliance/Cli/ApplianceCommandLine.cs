using System.CommandLine;
using Cualify.Appliance.Hosting;

namespace Cualify.Appliance.Cli;

/// <summary>The <c>cualify-appliance</c> command line: <c>run</c> (default) and the operator verbs.</summary>
public static class ApplianceCommandLine
{
    public static readonly Option<string> DataDir = new("--data-dir")
    {
        Description = "Folder for the store, logs and secret key",
        DefaultValueFactory = _ => "./data",
        Recursive = true,
    };

    public static readonly Option<string?> ConfigFile = new("--config")
    {
        Description = "Settings file that overrides config/appsettings.json",
        Recursive = true,
    };

    public static RootCommand Build()
    {
        var root = new RootCommand("Cualify Appliance: self-hosted outbound voice and email worker serving the Cualify v1 API");
        root.Options.Add(DataDir);
        root.Options.Add(ConfigFile);
        var run = RunCommand.Create();
        root.Subcommands.Add(run);
        root.Subcommands.Add(InitCommand.Create());
        root.Subcommands.Add(MigrateCommand.Create());
        root.Subcommands.Add(OrgsCommand.Create());
        root.Subcommands.Add(KeysCommand.Create());
        root.Subcommands.Add(CreditsCommand.Create());
        root.Subcommands.Add(ContactsCommand.Create());
        root.Subcommands.Add(Doctor.DoctorCommand.Create());
        root.Subcommands.Add(BackupCommand.Create());
        root.Subcommands.Add(SecretsCommand.Create());
        root.SetAction((parse, cancellationToken) => RunCommand.RunAsync(Settings(parse), cancellationToken));
        return root;
    }

    public static ApplianceSettings Settings(ParseResult parse, string? urls = null) =>
        new(parse.GetValue(DataDir) ?? "./data", parse.GetValue(ConfigFile), urls);
}
