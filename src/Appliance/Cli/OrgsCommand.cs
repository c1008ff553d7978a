using System.CommandLine;
using Cualify.Appliance.Core.ApiKeys;
using Cualify.Appliance.Core.Orgs;
using Cualify.Appliance.Core.Paging;
using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.Cli;

/// <summary><c>orgs create NAME</c> (prints the new org's first admin key) and <c>orgs list</c>.</summary>
public static class OrgsCommand
{
    public static Command Create()
    {
        var orgs = new Command("orgs", "Create and list orgs");

        var name = new Argument<string>("name") { Description = "Name of the new org" };
        var create = new Command("create", "Create an org and print its first admin key once") { name };
        create.SetAction((parse, cancellationToken) => CliErrors.GuardAsync(async () =>
        {
            await using var cli = await CliStore.OpenAsync(parse, cancellationToken);
            var (org, key) = await cli.Get<ApplianceStore>().WriteAsync(async tx =>
            {
                var org = await cli.Get<OrgStore>().CreateAsync(tx, parse.GetValue(name)!);
                var key = await cli.Get<ApiKeyStore>().CreateAsync(tx, org.Id, new NewApiKey("first admin key", Scope.Admin));
                return (org, key);
            }, cancellationToken);
            Console.Out.WriteLine(key.FullKey);
            await Console.Error.WriteLineAsync($"Created org '{org.Name}' ({org.Id}); its first admin key is above, shown only this once.");
            return 0;
        }));
        orgs.Subcommands.Add(create);

        var list = new Command("list", "List orgs with plan, balance and limits");
        list.SetAction((parse, cancellationToken) => CliErrors.GuardAsync(async () =>
        {
            await using var cli = await CliStore.OpenAsync(parse, cancellationToken);
            var table = new CliTable("ID", "NAME", "PLAN", "BALANCE_PAISE", "RESERVED_PAISE", "RATE_PAISE_PER_SEC", "INCREMENT_SEC", "REQ_PER_MIN");
            for (var offset = 0; ; offset += PageRequest.MaxLimit)
            {
                var page = await cli.Get<OrgStore>().ListAsync(new PageRequest(PageRequest.MaxLimit, offset), cancellationToken);
                foreach (var org in page.Items)
                {
                    table.Add(org.Id, org.Name, org.Plan, org.BalancePaise, org.ReservedPaise, org.RatePaisePerSec, org.BillingIncrementSec, org.RateLimitPerMinute);
                }

                if (!page.HasMore)
                {
                    break;
                }
            }

            table.WriteTo(Console.Out);
            return 0;
        }));
        orgs.Subcommands.Add(list);
        return orgs;
    }
}
