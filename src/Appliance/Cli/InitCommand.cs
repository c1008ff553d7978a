using System.CommandLine;
using Cualify.Appliance.Core.Secrets;
using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.Cli;

/// <summary>
/// <c>init</c>: creates the store and org <c>default</c>, and prints its first admin key alone on one line,
/// once, so a script can capture it (<c>KEY=$(cualify-appliance init)</c>).
/// </summary>
public static class InitCommand
{
    public static Command Create()
    {
        var command = new Command("init", "Create the store and org 'default', and print its first admin key once");
        command.SetAction((parse, cancellationToken) => CliErrors.GuardAsync(async () =>
        {
            await using var cli = CliContext.Create(ApplianceCommandLine.Settings(parse));
            var result = await cli.Get<ApplianceInitializer>().InitializeAsync(cancellationToken);
            if (result.FirstAdminKey is null)
            {
                await Console.Error.WriteLineAsync($"The store at {cli.Get<ApplianceStore>().Describe()} is already initialised; its keys are not shown again. Create another with: cualify-appliance keys create --org default --name NAME --scope admin");
                return 1;
            }

            Console.Out.WriteLine(result.FirstAdminKey);
            await Console.Error.WriteLineAsync($"Initialised {cli.Get<ApplianceStore>().Describe()}: org 'default' and its first admin key (above, shown only this once).");
            return 0;
        }));
        return command;
    }
}
