using System.CommandLine;
using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Orgs;
using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.Cli;

/// <summary>Opens the store for a verb that works on data, refusing when it was never initialised.</summary>
public static class CliStore
{
    public static async Task<CliContext> OpenAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var cli = CliContext.Create(ApplianceCommandLine.Settings(parse));
        var store = cli.Get<ApplianceStore>();
        if (!store.IsPostgres && !File.Exists(store.Path))
        {
            await cli.DisposeAsync();
            throw ApplianceException.BadRequest($"No store at {store.Path}; run: cualify-appliance init --data-dir {parse.GetValue(ApplianceCommandLine.DataDir)}");
        }

        await cli.Get<Migrator>().MigrateAsync(cancellationToken);
        return cli;
    }

    public static async Task<Org> RequireOrgAsync(CliContext cli, string idOrName, CancellationToken cancellationToken) =>
        await cli.Get<OrgStore>().FindAsync(idOrName, cancellationToken)
        ?? throw ApplianceException.NotFound($"Org '{idOrName}'");
}
