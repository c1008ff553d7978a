using System.CommandLine;
using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.Cli;

/// <summary><c>migrate</c>: applies the store migrations this build carries, one line per migration.</summary>
public static class MigrateCommand
{
    public static Command Create()
    {
        var command = new Command("migrate", "Apply pending store migrations");
        command.SetAction((parse, cancellationToken) => CliErrors.GuardAsync(async () =>
        {
            await using var cli = CliContext.Create(ApplianceCommandLine.Settings(parse));
            var migrator = cli.Get<Migrator>();
            var pending = await migrator.PendingAsync(cancellationToken);
            if (pending.Count == 0)
            {
                Console.Out.WriteLine("The store is up to date.");
                return 0;
            }

            Console.Out.WriteLine($"Applying {pending.Count} migration(s) to {cli.Get<ApplianceStore>().Describe()}");
            var done = 0;
            var applied = await migrator.MigrateAsync(cancellationToken, new InlineProgress<Migrator.Migration>(migration =>
                Console.Out.WriteLine($"  [{++done}/{pending.Count}] {migration.Number:D4} {migration.Name}")));
            Console.Out.WriteLine($"Applied {applied.Count} migration(s).");
            return 0;
        }));
        return command;
    }
}
